import {
  countWorkspaces,
  type Db,
  findApiKeyByHash,
  insertApiKey,
  insertOrganization,
  insertWorkspace,
  touchApiKey,
} from "@flowgate/db";
import {
  type ApiKey,
  type ApiKeyScope,
  apiKeyScopes,
  type Environment,
  generateApiKey,
  hashApiKey,
  newId,
} from "@flowgate/domain";

/** A provisioned workspace with one key per requested environment (the key values are shown only here). */
export interface ProvisionedWorkspace {
  organizationId: string;
  workspaceId: string;
  keys: Record<Environment, string>;
}

/**
 * Creates an organization, a workspace and one API key per environment with the given scopes
 * (all scopes by default). `keyValues` fixes a key's value (the demo's `FLOWGATE_SEED_API_KEY`).
 */
export async function provisionWorkspace(
  db: Db,
  input: {
    organizationName: string;
    workspaceName: string;
    scopes?: readonly ApiKeyScope[];
    keyValues?: Partial<Record<Environment, string>>;
  },
): Promise<ProvisionedWorkspace> {
  const organizationId = newId("org");
  const workspaceId = newId("ws");
  const keys = {} as Record<Environment, string>;
  await db.transaction().execute(async (trx) => {
    await insertOrganization(trx, { id: organizationId, name: input.organizationName });
    await insertWorkspace(trx, { id: workspaceId, organizationId, name: input.workspaceName });
    for (const environment of ["sandbox", "live"] as const) {
      const generated = generateApiKey(environment);
      const key = input.keyValues?.[environment] ?? generated.key;
      keys[environment] = key;
      await insertApiKey(trx, {
        id: newId("key"),
        workspaceId,
        environment,
        name: `${environment} key`,
        keyHash: hashApiKey(key),
        prefix: key.slice(0, 16),
        scopes: input.scopes ?? apiKeyScopes,
      });
    }
  });
  return { organizationId, workspaceId, keys };
}

/** Seeds the demo organization on an empty database; returns its keys, or null when data exists. */
export async function seedDemoWorkspace(db: Db, sandboxKey?: string): Promise<ProvisionedWorkspace | null> {
  if ((await countWorkspaces(db)) > 0) return null;
  return provisionWorkspace(db, {
    organizationName: "Demo organization",
    workspaceName: "Demo workspace",
    ...(sandboxKey ? { keyValues: { sandbox: sandboxKey } } : {}),
  });
}

/** Why a key was refused. */
export type KeyRefusal = "missing" | "unknown" | "revoked" | "expired";

/** Resolves a presented key to its stored record, or says why it is refused. */
export async function authenticateApiKey(
  db: Db,
  presented: string | null | undefined,
  now: Date = new Date(),
): Promise<{ ok: true; key: ApiKey } | { ok: false; reason: KeyRefusal }> {
  if (!presented) return { ok: false, reason: "missing" };
  const found = await findApiKeyByHash(db, hashApiKey(presented));
  if (!found) return { ok: false, reason: "unknown" };
  const key = found.apiKey;
  if (key.revokedAt && key.revokedAt <= now) return { ok: false, reason: "revoked" };
  if (key.expiresAt && key.expiresAt <= now) return { ok: false, reason: "expired" };
  // `lastUsedAt` is kept to the minute: at most one write per key per minute, off the request's path.
  if (!key.lastUsedAt || now.getTime() - key.lastUsedAt.getTime() >= 60_000) {
    void touchApiKey(db, key.id, now).catch(() => {});
  }
  return { ok: true, key };
}
