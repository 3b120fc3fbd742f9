import { createHmac, hkdfSync, timingSafeEqual } from "node:crypto";

/** The HKDF `info` label that separates the URL-signing key from other uses of the secret key. */
export const urlSigningKeyLabel = "flowgate/signed-download-urls/v1";

/**
 * The URL-signing secret derived from the deployment's secret key (`FLOWGATE_SECRET_KEY`, 32 bytes) with
 * HKDF-SHA256 and the label {@link urlSigningKeyLabel}: one configured secret serves both webhook
 * encryption and signed downloads, and neither key reveals the other.
 *
 * @param secretKey - The 32-byte secret key.
 * @returns 32 bytes as base64url.
 */
export function deriveUrlSigningSecret(secretKey: Uint8Array): string {
  return Buffer.from(hkdfSync("sha256", secretKey, new Uint8Array(0), urlSigningKeyLabel, 32)).toString(
    "base64url",
  );
}

/** How long a download URL (DSAR export, PDF report) stays valid by default: 15 minutes. */
export const defaultDownloadLifetimeSeconds = 15 * 60;

function signature(secret: string, path: string, expires: number): string {
  return createHmac("sha256", secret).update(`${path}\n${expires}`).digest("base64url");
}

/**
 * A path with an expiry and an HMAC-SHA256 signature over both: `<path>?expires=<unix s>&signature=<…>`.
 * Whoever holds it may download until it expires; nothing else is needed (it carries no key).
 *
 * @param secret - The signing secret.
 * @param path - The path to sign, e.g. `/downloads/exports/dsx_…`.
 * @param expiresAt - When it stops working.
 */
export function signPath(secret: string, path: string, expiresAt: Date): string {
  const expires = Math.floor(expiresAt.getTime() / 1000);
  return `${path}?expires=${expires}&signature=${signature(secret, path, expires)}`;
}

/** Why a signed path was refused. */
export type SignedPathRefusal = "missing" | "invalid" | "expired";

/**
 * Checks a signed path's signature (in constant time) and expiry.
 *
 * @param secret - The signing secret.
 * @param path - The path as requested (without its query).
 * @param query - Its `expires` and `signature` parameters.
 * @param now - The current time.
 * @returns `ok`, or why it is refused.
 */
export function verifySignedPath(
  secret: string,
  path: string,
  query: { expires: string | null; signature: string | null },
  now: Date = new Date(),
): { ok: true } | { ok: false; reason: SignedPathRefusal } {
  if (!query.expires || !query.signature) return { ok: false, reason: "missing" };
  if (!/^\d{1,12}$/.test(query.expires)) return { ok: false, reason: "invalid" };
  const expected = Buffer.from(signature(secret, path, Number(query.expires)));
  const given = Buffer.from(query.signature);
  if (expected.length !== given.length || !timingSafeEqual(expected, given))
    return { ok: false, reason: "invalid" };
  if (Number(query.expires) * 1000 < now.getTime()) return { ok: false, reason: "expired" };
  return { ok: true };
}
