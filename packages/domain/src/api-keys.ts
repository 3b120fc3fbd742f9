import { createHash, randomBytes } from "node:crypto";
import type { Environment } from "./environment.ts";

/** Every API key scope. */
export const apiKeyScopes = [
  "workflows:read",
  "workflows:write",
  "workflows:trigger",
  "sessions:read",
  "sessions:write",
  "responses:read",
  "responses:write",
  "questionnaires:read",
  "questionnaires:write",
  "credits:read",
  "entities:read",
  "entities:write",
  "webhooks:read",
  "webhooks:write",
  "admin",
] as const;

/** Permission granted to an API key. `admin` grants every scope. */
export type ApiKeyScope = (typeof apiKeyScopes)[number];

/** Number of leading characters of a key kept in clear text and shown in listings. */
export const apiKeyPrefixLength = 16;

const keyPattern = /^fg_(live|sandbox)_[A-Za-z0-9_-]{1,256}$/;

/**
 * Whether `value` is a known {@link ApiKeyScope}.
 *
 * @param value - Value to check.
 */
export function isApiKeyScope(value: unknown): value is ApiKeyScope {
  return typeof value === "string" && (apiKeyScopes as readonly string[]).includes(value);
}

/**
 * Whether a key with the `granted` scopes may perform an operation that needs `required`.
 * `admin` grants everything; the legacy scope `workflows:write` also grants `workflows:trigger`.
 *
 * @param granted - Scopes stored on the key (unknown strings are ignored).
 * @param required - Scope the operation needs.
 */
export function hasScope(granted: readonly string[], required: ApiKeyScope): boolean {
  if (granted.includes("admin") || granted.includes(required)) return true;
  return required === "workflows:trigger" && granted.includes("workflows:write");
}

/**
 * Generates a new secret API key `fg_<environment>_<43 url-safe base64 characters>` (32 random bytes).
 * Only its {@link hashApiKey | hash} and its `prefix` are stored.
 *
 * @param environment - Environment the key belongs to.
 * @returns The full key (shown once) and its first 16 characters (shown in listings).
 */
export function generateApiKey(environment: Environment): { key: string; prefix: string } {
  const key = `fg_${environment}_${randomBytes(32).toString("base64url")}`;
  return { key, prefix: key.slice(0, apiKeyPrefixLength) };
}

/**
 * SHA-256 of the key as lower-case hex; the only form in which keys are stored and looked up.
 *
 * @param key - Full API key.
 */
export function hashApiKey(key: string): string {
  return createHash("sha256").update(key, "utf8").digest("hex");
}

/**
 * Environment a key belongs to, read from its `fg_live_` / `fg_sandbox_` prefix, or `null` when the key is
 * malformed. Any non-empty url-safe base64 body is accepted so that fixed keys (`FLOWGATE_SEED_API_KEY`)
 * work too.
 *
 * @param key - Key as presented by a client.
 */
export function parseApiKeyEnvironment(key: string): Environment | null {
  const match = keyPattern.exec(key);
  if (!match) return null;
  return match[1] === "live" ? "live" : "sandbox";
}
