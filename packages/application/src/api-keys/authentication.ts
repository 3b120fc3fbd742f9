import { findApiKeyByHash, touchApiKey } from "@flowgate/db";
import { type ApiKey, hashApiKey } from "@flowgate/domain";
import { type Actor, actorOfKey } from "../actor.ts";
import { type Application, applicationDeps } from "../application.ts";

/** Why a key was refused. */
export type KeyRefusal = "missing" | "unknown" | "revoked" | "expired";

/** What authenticating a key gives: the actor of an accepted key, or why it was refused. */
export type Authentication = { ok: true; actor: Actor; apiKey: ApiKey } | { ok: false; reason: KeyRefusal };

/**
 * Resolves a presented key (as sent in `X-API-Key` or `Authorization: Bearer`) to the actor of its stored
 * record, or says why it is refused. Records when the key was used, to the minute, off the request's path.
 * Lookups are cached briefly (`ApiKeyCache`); revoking or rotating a key evicts it everywhere.
 *
 * @param app - The application.
 * @param presented - The key's value as presented.
 * @param now - The time of use.
 */
export async function authenticateApiKey(
  app: Application,
  presented: string | null | undefined,
  now: Date = new Date(),
): Promise<Authentication> {
  if (!presented) return { ok: false, reason: "missing" };
  const { db, apiKeyCache, databaseAvailability } = applicationDeps(app);
  const hash = hashApiKey(presented);
  let found = apiKeyCache.get(hash, now.getTime());
  if (found !== undefined && databaseAvailability && !databaseAvailability.available) {
    throw databaseAvailability.circuitOpenError();
  }
  if (found === undefined) {
    found = (await findApiKeyByHash(db, hash)) ?? null;
    apiKeyCache.set(hash, found, now.getTime());
  }
  if (!found) return { ok: false, reason: "unknown" };
  const key = found.apiKey;
  if (key.revokedAt && key.revokedAt <= now) return { ok: false, reason: "revoked" };
  if (key.expiresAt && key.expiresAt <= now) return { ok: false, reason: "expired" };
  // `lastUsedAt` is kept to the minute: at most one write per key per minute, off the request's path.
  if (!key.lastUsedAt || now.getTime() - key.lastUsedAt.getTime() >= 60_000) {
    key.lastUsedAt = now; // the cached record too, so the next minute's requests do not write again
    void touchApiKey(db, key.id, now).catch(() => {});
  }
  return { ok: true, actor: actorOfKey(key, found.organizationId), apiKey: key };
}
