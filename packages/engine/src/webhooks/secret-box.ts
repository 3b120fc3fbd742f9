import { createCipheriv, createDecipheriv, createHash, randomBytes } from "node:crypto";

/**
 * The text whose SHA-256 is the key used when `FLOWGATE_SECRET_KEY` is unset. It is public, so secrets
 * encrypted with it are protected only as well as the database itself: fine for the embedded demo and
 * development, never for production (the gateway logs a warning when it is in use).
 */
export const developmentSecretKeyPhrase = "flowgate-development-secret-key";

/**
 * Encrypts secrets that Flowgate must be able to read back (webhook signing secrets) with AES-256-GCM.
 * A ciphertext is `v1.<key id>.<base64 of 12-byte IV, 16-byte tag, ciphertext>`, where the key id (the
 * first 8 hex digits of the key's SHA-256) makes a ciphertext written under another key fail with a clear
 * error instead of a bad tag.
 */
export class SecretBox {
  readonly #key: Buffer;
  /** Identifies the key in ciphertexts (not secret). */
  readonly keyId: string;
  /** Whether this is the public development key (see {@link developmentSecretKeyPhrase}). */
  readonly isDevelopmentKey: boolean;

  /**
   * @param key - 32 bytes, or their base64 / hex form; `undefined` for the development key.
   */
  constructor(key: string | Uint8Array | undefined) {
    this.isDevelopmentKey = key === undefined;
    this.#key =
      key === undefined ? createHash("sha256").update(developmentSecretKeyPhrase).digest() : parseKey(key);
    this.keyId = createHash("sha256").update(this.#key).digest("hex").slice(0, 8);
  }

  /** Encrypts `plaintext` (a fresh random IV each time). */
  encrypt(plaintext: string): string {
    const iv = randomBytes(12);
    const cipher = createCipheriv("aes-256-gcm", this.#key, iv);
    const body = Buffer.concat([cipher.update(plaintext, "utf8"), cipher.final()]);
    return `v1.${this.keyId}.${Buffer.concat([iv, cipher.getAuthTag(), body]).toString("base64")}`;
  }

  /**
   * Decrypts a ciphertext of {@link encrypt}.
   *
   * @throws Error when it was written under another key or was altered.
   */
  decrypt(ciphertext: string): string {
    const [version, keyId, data] = ciphertext.split(".");
    if (version !== "v1" || !data) throw new Error("not a Flowgate secret ciphertext");
    if (keyId !== this.keyId) {
      throw new Error(
        `secret was encrypted under key ${keyId}, but FLOWGATE_SECRET_KEY is key ${this.keyId}`,
      );
    }
    const raw = Buffer.from(data, "base64");
    const decipher = createDecipheriv("aes-256-gcm", this.#key, raw.subarray(0, 12));
    decipher.setAuthTag(raw.subarray(12, 28));
    return Buffer.concat([decipher.update(raw.subarray(28)), decipher.final()]).toString("utf8");
  }
}

/**
 * Reads a 32-byte key from bytes, 64 hex digits or base64.
 *
 * @throws Error when it is not 32 bytes.
 */
export function parseKey(key: string | Uint8Array): Buffer {
  const bytes =
    typeof key !== "string"
      ? Buffer.from(key)
      : /^[0-9a-fA-F]{64}$/.test(key)
        ? Buffer.from(key, "hex")
        : Buffer.from(key, "base64");
  if (bytes.length !== 32) throw new Error("the secret key must be 32 bytes (base64 or 64 hex digits)");
  return bytes;
}
