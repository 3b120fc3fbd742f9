import { describe, expect, it } from "vitest";
import { deriveUrlSigningSecret, signPath, verifySignedPath } from "../src/signed-urls.ts";

const secret = "a-test-secret-of-at-least-32-characters!";

function parts(signed: string) {
  const url = new URL(signed, "http://x");
  return {
    path: url.pathname,
    expires: url.searchParams.get("expires"),
    signature: url.searchParams.get("signature"),
  };
}

describe("signed download paths", () => {
  const now = new Date("2026-11-30T12:00:00Z");
  const signed = signPath(secret, "/downloads/exports/dsx_1", new Date(now.getTime() + 60_000));

  it("accepts its own signature until it expires", () => {
    const { path, ...query } = parts(signed);
    expect(verifySignedPath(secret, path, query, now)).toEqual({ ok: true });
    expect(verifySignedPath(secret, path, query, new Date(now.getTime() + 61_000))).toEqual({
      ok: false,
      reason: "expired",
    });
  });

  it("refuses another path, another expiry, another secret, or no signature", () => {
    const { path, ...query } = parts(signed);
    expect(verifySignedPath(secret, "/downloads/exports/dsx_2", query, now)).toMatchObject({
      reason: "invalid",
    });
    expect(
      verifySignedPath(secret, path, { ...query, expires: String(Number(query.expires) + 1) }, now),
    ).toMatchObject({ reason: "invalid" });
    expect(verifySignedPath(`${secret}x`, path, query, now)).toMatchObject({ reason: "invalid" });
    expect(verifySignedPath(secret, path, { expires: null, signature: null }, now)).toMatchObject({
      reason: "missing",
    });
    expect(verifySignedPath(secret, path, { ...query, expires: "1e9" }, now)).toMatchObject({
      reason: "invalid",
    });
  });
});

describe("deriveUrlSigningSecret", () => {
  it("derives a stable 32-byte secret per key, unlike the key and unlike another key's", () => {
    const key = new Uint8Array(32).fill(7);
    const derived = deriveUrlSigningSecret(key);
    expect(Buffer.from(derived, "base64url")).toHaveLength(32);
    expect(deriveUrlSigningSecret(key)).toBe(derived);
    expect(derived).not.toBe(Buffer.from(key).toString("base64url"));
    expect(deriveUrlSigningSecret(new Uint8Array(32).fill(8))).not.toBe(derived);
    // A URL signed with the derived secret verifies with it only.
    const expiresAt = new Date(Date.now() + 60_000);
    const signed = signPath(derived, "/downloads/exports/dsx_1", expiresAt);
    const query = new URL(signed, "http://x").searchParams;
    const parts = { expires: query.get("expires"), signature: query.get("signature") };
    expect(verifySignedPath(derived, "/downloads/exports/dsx_1", parts).ok).toBe(true);
    expect(
      verifySignedPath(deriveUrlSigningSecret(new Uint8Array(32)), "/downloads/exports/dsx_1", parts).ok,
    ).toBe(false);
  });
});
