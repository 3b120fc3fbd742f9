import type { ApiKey, Environment } from "@flowgate/domain";
import type { Selectable } from "kysely";
import type { Executor } from "../database.ts";
import type { ApiKeysTable } from "../tables/api-keys.table.ts";

/** Inserts an organization. */
export async function insertOrganization(db: Executor, row: { id: string; name: string }): Promise<void> {
  await db.insertInto("organizations").values(row).execute();
}

/** Inserts a workspace of an organization. */
export async function insertWorkspace(
  db: Executor,
  row: { id: string; organizationId: string; name: string; settings?: Record<string, unknown> },
): Promise<void> {
  await db
    .insertInto("workspaces")
    .values({
      id: row.id,
      organization_id: row.organizationId,
      name: row.name,
      settings: JSON.stringify(row.settings ?? {}),
    })
    .execute();
}

/** Counts workspaces (used to decide whether to seed the demo organization). */
export async function countWorkspaces(db: Executor): Promise<number> {
  const { count } = await db
    .selectFrom("workspaces")
    .select((eb) => eb.fn.countAll<string>().as("count"))
    .executeTakeFirstOrThrow();
  return Number(count);
}

/** Stores a new API key by its hash. */
export async function insertApiKey(
  db: Executor,
  row: {
    id: string;
    workspaceId: string;
    environment: Environment;
    name: string;
    keyHash: string;
    prefix: string;
    scopes: readonly string[];
    expiresAt?: Date | null;
  },
): Promise<void> {
  await db
    .insertInto("api_keys")
    .values({
      id: row.id,
      workspace_id: row.workspaceId,
      environment: row.environment,
      name: row.name,
      key_hash: row.keyHash,
      prefix: row.prefix,
      scopes: [...row.scopes],
      expires_at: row.expiresAt ?? null,
    })
    .execute();
}

/** Finds a key by the hash of its value, whatever its state (the caller checks expiry and revocation). */
export async function findApiKeyByHash(db: Executor, keyHash: string): Promise<ApiKey | undefined> {
  const row = await db.selectFrom("api_keys").selectAll().where("key_hash", "=", keyHash).executeTakeFirst();
  return row ? toApiKey(row) : undefined;
}

/** Records that a key was used at `at` (callers throttle this; it is not needed for correctness). */
export async function touchApiKey(db: Executor, id: string, at: Date): Promise<void> {
  await db.updateTable("api_keys").set({ last_used_at: at }).where("id", "=", id).execute();
}

/** Marks a key revoked now. */
export async function revokeApiKey(db: Executor, id: string): Promise<void> {
  await db.updateTable("api_keys").set({ revoked_at: new Date() }).where("id", "=", id).execute();
}

function toApiKey(row: Selectable<ApiKeysTable>): ApiKey {
  return {
    id: row.id,
    workspaceId: row.workspace_id,
    environment: row.environment,
    name: row.name,
    prefix: row.prefix,
    scopes: row.scopes,
    expiresAt: row.expires_at,
    revokedAt: row.revoked_at,
    lastUsedAt: row.last_used_at,
    createdAt: row.created_at,
  };
}
