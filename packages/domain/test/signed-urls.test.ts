import { describe, expect, it } from "vitest";
import { signPath, verifySignedPath } from "../src/signed-urls.ts";

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
