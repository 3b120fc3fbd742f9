import { createHash } from "node:crypto";
import { describe, expect, it } from "vitest";
import {
  type ApiKeyScope,
  apiKeyScopes,
  generateApiKey,
  hashApiKey,
  hasScope,
  isApiKeyScope,
  parseApiKeyEnvironment,
} from "../src/index.ts";

describe("generateApiKey", () => {
  it.each(["live", "sandbox"] as const)(
    "makes %s keys with 43 url-safe characters and a 16-character prefix",
    (env) => {
      const { key, prefix } = generateApiKey(env);
      expect(key).toMatch(new RegExp(`^fg_${env}_[A-Za-z0-9_-]{43}$`));
      expect(prefix).toBe(key.slice(0, 16));
      expect(prefix).toHaveLength(16);
      expect(parseApiKeyEnvironment(key)).toBe(env);
    },
  );

  it("never repeats", () => {
    const keys = new Set(Array.from({ length: 200 }, () => generateApiKey("live").key));
    expect(keys.size).toBe(200);
  });
});

describe("hashApiKey", () => {
  it("is the sha256 hex digest", () => {
    const key = "fg_sandbox_abc";
    expect(hashApiKey(key)).toBe(createHash("sha256").update(key).digest("hex"));
    expect(hashApiKey(key)).toMatch(/^[0-9a-f]{64}$/);
  });

  it("is deterministic and distinguishes keys", () => {
    const { key } = generateApiKey("live");
    expect(hashApiKey(key)).toBe(hashApiKey(key));
    expect(hashApiKey(key)).not.toBe(hashApiKey(`${key}x`));
  });
});

describe("parseApiKeyEnvironment", () => {
  it.each([
    ["fg_live_abcDEF123-_", "live"],
    ["fg_sandbox_demo", "sandbox"],
  ])("reads %s", (key, env) => {
    expect(parseApiKeyEnvironment(key)).toBe(env);
  });

  it.each([
    "",
    "fg_live_",
    "fg_test_abc",
    "live_abc",
    "fg_live_abc def",
    "fg_live_abc+/=",
    "Bearer fg_live_abc",
  ])("rejects %j", (key) => {
    expect(parseApiKeyEnvironment(key)).toBeNull();
  });
});

describe("hasScope", () => {
  it("grants listed scopes only", () => {
    expect(hasScope(["sessions:read"], "sessions:read")).toBe(true);
    expect(hasScope(["sessions:read"], "sessions:write")).toBe(false);
    expect(hasScope([], "workflows:read")).toBe(false);
  });

  it("lets the legacy workflows:write grant workflows:trigger", () => {
    expect(hasScope(["workflows:write"], "workflows:trigger")).toBe(true);
    expect(hasScope(["workflows:trigger"], "workflows:write")).toBe(false);
    expect(hasScope(["workflows:read"], "workflows:trigger")).toBe(false);
  });

  it.each(apiKeyScopes)("lets admin grant %s", (scope: ApiKeyScope) => {
    expect(hasScope(["admin"], scope)).toBe(true);
  });

  it("ignores unknown scopes", () => {
    expect(hasScope(["workflows:*"], "workflows:read")).toBe(false);
    expect(isApiKeyScope("workflows:*")).toBe(false);
    expect(isApiKeyScope("credits:read")).toBe(true);
  });
});
