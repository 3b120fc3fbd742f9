import { type ApiKey, currentApiVersion, type Environment } from "@flowgate/domain";
import { type Selectable, sql } from "kysely";
import type { Executor } from "../database.ts";
import type { ApiKeysTable } from "../tables/api-keys.table.ts";
import type { PageRequest } from "./pagination.ts";

/** A new API key, stored by the hash of its value (the value itself is never stored). */
export interface NewApiKey {
  id: string;
  workspaceId: string;
  environment: Environment;
  name: string;
  keyHash: string;
  prefix: string;
  scopes: readonly string[];
  expiresAt?: Date | null;
  /** The REST API version to pin the key to (default: the current one). */
  apiVersion?: string | undefined;
}

/** Pins a key to a REST API version; returns the key. */
export async function setApiKeyVersionOf(db: Executor, id: string, apiVersion: string): Promise<ApiKey> {
  const row = await db
    .updateTable("api_keys")
    .set({ api_version: apiVersion })
    .where("id", "=", id)
    .returningAll()
    .executeTakeFirstOrThrow();
  return toApiKey(row);
}

/** Stores a new API key by its hash. */
export async function insertApiKey(db: Executor, row: NewApiKey): Promise<void> {
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
      api_version: row.apiVersion ?? currentApiVersion,
    })
    .execute();
}

/**
 * A key by the hash of its value, whatever its state (the caller checks expiry and revocation), with the
 * organization of its workspace.
 */
export async function findApiKeyByHash(
  db: Executor,
  keyHash: string,
): Promise<{ apiKey: ApiKey; organizationId: string } | undefined> {
  const row = await db
    .selectFrom("api_keys")
    .innerJoin("workspaces", "workspaces.id", "api_keys.workspace_id")
    .selectAll("api_keys")
    .select("workspaces.organization_id")
    .where("api_keys.key_hash", "=", keyHash)
    .executeTakeFirst();
  return row ? { apiKey: toApiKey(row), organizationId: row.organization_id } : undefined;
}

/** Records that a key was used at `at` (callers throttle this; it is not needed for correctness). */
export async function touchApiKey(db: Executor, id: string, at: Date): Promise<void> {
  await db.updateTable("api_keys").set({ last_used_at: at }).where("id", "=", id).execute();
}

/** Filters of {@link listApiKeysOfWorkspace}. */
export interface ApiKeyFilter {
  environment?: Environment | undefined;
  /** Include revoked and expired keys (default: only keys that work at `now`). */
  includeInactive?: boolean | undefined;
  now?: Date | undefined;
}

/** A page of a workspace's keys, newest first (never their values: only hashes are stored). */
export async function listApiKeysOfWorkspace(
  db: Executor,
  workspaceId: string,
  filter: ApiKeyFilter,
  page: PageRequest,
): Promise<ApiKey[]> {
  const now = filter.now ?? new Date();
  let query = db.selectFrom("api_keys").selectAll().where("workspace_id", "=", workspaceId);
  if (filter.environment) query = query.where("environment", "=", filter.environment);
  if (!filter.includeInactive) {
    query = query
      .where((eb) => eb.or([eb("revoked_at", "is", null), eb("revoked_at", ">", now)]))
      .where((eb) => eb.or([eb("expires_at", "is", null), eb("expires_at", ">", now)]));
  }
  if (page.afterId) query = query.where("id", "<", page.afterId);
  if (page.beforeId) query = query.where("id", ">", page.beforeId);
  const rows = await query
    .orderBy("id", page.beforeId ? "asc" : "desc")
    .limit(page.limit)
    .execute();
  return rows.map(toApiKey);
}

/** A key by id if its workspace belongs to the organization; otherwise `undefined`. */
export async function findApiKeyOfOrganization(
  db: Executor,
  organizationId: string,
  id: string,
  options: { forUpdate?: boolean } = {},
): Promise<ApiKey | undefined> {
  let query = db
    .selectFrom("api_keys")
    .selectAll("api_keys")
    .innerJoin("workspaces", "workspaces.id", "api_keys.workspace_id")
    .where("api_keys.id", "=", id)
    .where("workspaces.organization_id", "=", organizationId);
  if (options.forUpdate) query = query.forUpdate("api_keys");
  const row = await query.executeTakeFirst();
  return row ? toApiKey(row) : undefined;
}

/** Keys by id whose workspace is in the organization of `memberWorkspaceId` (for DataLoaders). */
export async function findApiKeysInOrganizationOf(
  db: Executor,
  memberWorkspaceId: string,
  ids: readonly string[],
): Promise<ApiKey[]> {
  if (ids.length === 0) return [];
  const rows = await db
    .selectFrom("api_keys")
    .selectAll("api_keys")
    .innerJoin("workspaces", "workspaces.id", "api_keys.workspace_id")
    .where("api_keys.id", "in", ids)
    .where("workspaces.organization_id", "=", (eb) =>
      eb
        .selectFrom("workspaces as member")
        .select("member.organization_id")
        .where("member.id", "=", memberWorkspaceId),
    )
    .execute();
  return rows.map(toApiKey);
}

/** A key by id, whatever its workspace. */
export async function findApiKeyById(db: Executor, id: string): Promise<ApiKey | undefined> {
  const row = await db.selectFrom("api_keys").selectAll().where("id", "=", id).executeTakeFirst();
  return row ? toApiKey(row) : undefined;
}

/**
 * Revokes a key from `at` on (a future `at` leaves it working until then). A key already revoked earlier
 * keeps its earlier time. Returns the key.
 */
export async function revokeApiKeyAt(db: Executor, id: string, at: Date): Promise<ApiKey> {
  const row = await db
    .updateTable("api_keys")
    .set({ revoked_at: sql<Date>`least(coalesce(revoked_at, ${at}), ${at})` })
    .where("id", "=", id)
    .returningAll()
    .executeTakeFirstOrThrow();
  return toApiKey(row);
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
    apiVersion: row.api_version,
    createdAt: row.created_at,
  };
}
