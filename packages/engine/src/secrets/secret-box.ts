import { createCipheriv, createDecipheriv, createHash, randomBytes } from "node:crypto";

/** Format tag of sealed values; bump it if the layout below ever changes. */
const version = "v1";

/**
 * Seals secrets that must be kept for a while and read back (a magic-link token while its email is
 * pending) with AES-256-GCM under the server key (`FLOWGATE_SECRET_KEY`), so that the database alone never
 * holds them in plain text. Node's built-in `crypto` is used: AES-GCM needs no library.
 *
 * A sealed value is `v1.<key id>.<iv>.<tag>.<ciphertext>` (base64url parts); the key id (a digest of the
 * key, not the key) tells which key sealed it, so that {@link SecretBox.open} answers null for a value
 * sealed under another key instead of failing to authenticate it.
 */
export class SecretBox {
  readonly #key: Buffer;
  /** A short digest of the key naming it in sealed values. */
  readonly keyId: string;
  /** Whether the key was made up at start (no `FLOWGATE_SECRET_KEY`): values sealed here die with the process. */
  readonly ephemeral: boolean;

  /**
   * @param key - 32 bytes.
   * @param ephemeral - Whether the key was generated for this process only.
   */
  constructor(key: Buffer, ephemeral = false) {
    if (key.length !== 32) throw new Error("A SecretBox key has 32 bytes");
    this.#key = key;
    this.keyId = createHash("sha256").update(key).digest("base64url").slice(0, 8);
    this.ephemeral = ephemeral;
  }

  /**
   * The box of a configured key (32 bytes as base64, base64url or 64 hex digits), or of a random key for
   * this process when none is configured.
   *
   * @throws Error when the value is not 32 bytes in one of those encodings.
   */
  static fromSetting(value: string | undefined): SecretBox {
    if (value === undefined || value === "") return new SecretBox(randomBytes(32), true);
    const key = SecretBox.decodeKey(value);
    if (!key) throw new Error("must be 32 bytes as base64 or 64 hex digits");
    return new SecretBox(key);
  }

  /** 32 bytes from base64, base64url or hex, or null. */
  static decodeKey(value: string): Buffer | null {
    if (/^[0-9a-fA-F]{64}$/.test(value)) return Buffer.from(value, "hex");
    if (!/^[A-Za-z0-9+/_-]{43}=?$/.test(value)) return null;
    const key = Buffer.from(value.replaceAll("-", "+").replaceAll("_", "/"), "base64");
    return key.length === 32 ? key : null;
  }

  /** Seals `plain` (a fresh random IV each time). */
  seal(plain: string): string {
    const iv = randomBytes(12);
    const cipher = createCipheriv("aes-256-gcm", this.#key, iv);
    const body = Buffer.concat([cipher.update(plain, "utf8"), cipher.final()]);
    const parts = [iv, cipher.getAuthTag(), body].map((part) => part.toString("base64url"));
    return [version, this.keyId, ...parts].join(".");
  }

  /** The plain value, or null when it was sealed under another key or does not authenticate. */
  open(sealed: string): string | null {
    const [tag, keyId, iv, authTag, body] = sealed.split(".");
    if (tag !== version || keyId !== this.keyId || !iv || !authTag || body === undefined) return null;
    try {
      const decipher = createDecipheriv("aes-256-gcm", this.#key, Buffer.from(iv, "base64url"));
      decipher.setAuthTag(Buffer.from(authTag, "base64url"));
      return Buffer.concat([decipher.update(Buffer.from(body, "base64url")), decipher.final()]).toString(
        "utf8",
      );
    } catch {
      return null;
    }
  }
}
