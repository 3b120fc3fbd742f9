import {
  type Executor,
  findApiKeyById,
  findApiKeyOfOrganization,
  findApiKeysInOrganizationOf,
  insertApiKey,
  listApiKeysOfWorkspace,
  type PageRequest,
  revokeApiKeyAt,
  setApiKeyVersionOf,
} from "@flowgate/db";
import {
  type ApiKey,
  apiKeyPrefixLength,
  apiVersions,
  ConflictError,
  type Environment,
  generateApiKey,
  hashApiKey,
  isApiKeyScope,
  isApiVersion,
  isEnvironment,
  LiveKeyFromSandboxError,
  NotFoundError,
  newId,
  ValidationError,
  type ValidationIssue,
} from "@flowgate/domain";
import { apiKeyChannel, type BusMessage, inTransaction } from "@flowgate/engine";
import { requireScope } from "../access.ts";
import type { Actor } from "../actor.ts";
import { type Application, applicationDeps } from "../application.ts";
import { alignByKey } from "../batch.ts";
import { organizationOf, requireWorkspaceOfOrganization } from "../workspaces/workspaces.ts";

/** Longest overlap a rotation may give the old key, in seconds (7 days). */
export const maxRotationGraceSeconds = 7 * 24 * 3600;

/** A new key: its value, shown only in this answer (only its hash is stored), and its record. */
export interface CreatedApiKey {
  key: string;
  apiKey: ApiKey;
}

/** Input of {@link createApiKey}. */
export interface CreateApiKeyInput {
  workspaceId: string;
  environment: Environment;
  name: string;
  scopes: readonly string[];
  expiresAt?: Date | null | undefined;
}

/**
 * Creates an API key for a workspace of the caller's organization, in one environment, with scopes and
 * an optional expiry. The key's value is returned once; only its hash is stored. Needs `admin`; a live key
 * needs a live caller.
 *
 * @throws LiveKeyFromSandboxError when a sandbox key asks for a live key.
 */
export async function createApiKey(
  app: Application,
  actor: Actor,
  input: CreateApiKeyInput,
): Promise<CreatedApiKey> {
  requireScope(actor, "admin");
  const deps = applicationDeps(app);
  const issues: ValidationIssue[] = [];
  const name = input.name.trim();
  if (name.length === 0 || name.length > 100) {
    issues.push({ path: ["name"], message: "must be 1 to 100 characters" });
  }
  if (!isEnvironment(input.environment)) {
    issues.push({ path: ["environment"], message: "must be live or sandbox" });
  }
  if (input.scopes.length === 0) issues.push({ path: ["scopes"], message: "must list at least one scope" });
  input.scopes.forEach((scope, index) => {
    if (!isApiKeyScope(scope)) {
      issues.push({ path: ["scopes", String(index)], message: `"${scope}" is not a known scope` });
    }
  });
  issues.push(...expiryIssues(input.expiresAt));
  if (issues.length > 0) throw new ValidationError("Invalid API key", issues);
  if (input.environment === "live" && actor.environment !== "live")
    throw new LiveKeyFromSandboxError("create");

  return inTransaction(deps, async (trx) => {
    const workspace = await requireWorkspaceOfOrganization(trx, actor, input.workspaceId);
    return issueApiKey(trx, {
      workspaceId: workspace.id,
      environment: input.environment,
      name,
      scopes: [...new Set(input.scopes)],
      expiresAt: input.expiresAt ?? null,
    });
  });
}

/**
 * Revokes a key of the caller's organization at once (also a key whose rotation left it working for a
 * while). Revoking a revoked key changes nothing. Needs `admin`.
 */
export async function revokeApiKey(app: Application, actor: Actor, input: { id: string }): Promise<ApiKey> {
  requireScope(actor, "admin");
  const deps = applicationDeps(app);
  const revoked = await inTransaction(deps, async (trx, after) => {
    const key = await requireKey(trx, actor, input.id);
    after.publish(keyChanged(key.id));
    return revokeApiKeyAt(trx, key.id, new Date());
  });
  deps.apiKeyCache.evict(revoked.id);
  return revoked;
}

/** Input of {@link rotateApiKey}. */
export interface RotateApiKeyInput {
  id: string;
  /** Expiry of the new key (default: the old key's, when it has one in the future). */
  expiresAt?: Date | null | undefined;
  /** How long the old key keeps working, in seconds (0–604800; default 0: revoked at once). */
  graceSeconds?: number | null | undefined;
}

/**
 * Replaces a key with a new one of the same workspace, environment, name and scopes; the old key is
 * revoked now or after `graceSeconds`. The new value is returned once. A revoked or expired key cannot be
 * rotated (conflict). Needs `admin`; a live key needs a live caller.
 *
 * @throws LiveKeyFromSandboxError when a sandbox key asks to rotate a live key.
 */
export async function rotateApiKey(
  app: Application,
  actor: Actor,
  input: RotateApiKeyInput,
): Promise<CreatedApiKey> {
  requireScope(actor, "admin");
  const deps = applicationDeps(app);
  const grace = input.graceSeconds ?? 0;
  const issues = expiryIssues(input.expiresAt);
  if (!Number.isInteger(grace) || grace < 0 || grace > maxRotationGraceSeconds) {
    issues.push({
      path: ["graceSeconds"],
      message: `must be a whole number of seconds from 0 to ${maxRotationGraceSeconds}`,
    });
  }
  if (issues.length > 0) throw new ValidationError("Invalid key rotation", issues);

  const rotated = await inTransaction(deps, async (trx, after) => {
    const now = new Date();
    const old = await requireKey(trx, actor, input.id, { forUpdate: true });
    if (old.environment === "live" && actor.environment !== "live")
      throw new LiveKeyFromSandboxError("rotate");
    after.publish(keyChanged(old.id));
    if (old.revokedAt && old.revokedAt <= now) {
      throw new ConflictError(`API key ${old.id} is revoked; create a new key instead`, "revoked");
    }
    if (old.expiresAt && old.expiresAt <= now) {
      throw new ConflictError(`API key ${old.id} has expired; create a new key instead`, "expired");
    }
    const created = await issueApiKey(trx, {
      workspaceId: old.workspaceId,
      environment: old.environment,
      name: old.name,
      scopes: old.scopes,
      expiresAt: input.expiresAt !== undefined ? input.expiresAt : old.expiresAt,
      // The new key answers like the old one.
      apiVersion: old.apiVersion,
    });
    await revokeApiKeyAt(trx, old.id, new Date(now.getTime() + grace * 1000));
    return { created, oldId: old.id };
  });
  deps.apiKeyCache.evict(rotated.oldId);
  return rotated.created;
}

/** The bus message that makes every gateway forget a key. */
function keyChanged(keyId: string): BusMessage {
  return { channel: apiKeyChannel, event: { keyId, at: new Date().toISOString() } };
}

/**
 * Pins a key of the caller's organization to a dated REST API version (one of `apiVersions`); requests
 * without `Verifa-Version` are then served in it. Needs `admin`.
 */
export async function setApiKeyVersion(
  app: Application,
  actor: Actor,
  input: { id: string; apiVersion: string },
): Promise<ApiKey> {
  requireScope(actor, "admin");
  if (!isApiVersion(input.apiVersion)) {
    throw new ValidationError("Invalid API version", [
      { path: ["apiVersion"], message: `must be one of ${apiVersions.join(", ")}` },
    ]);
  }
  const deps = applicationDeps(app);
  return inTransaction(deps, async (trx) => {
    const key = await requireKey(trx, actor, input.id, { forUpdate: true });
    return setApiKeyVersionOf(trx, key.id, input.apiVersion);
  });
}

async function requireKey(
  trx: Executor,
  actor: Actor,
  id: string,
  options: { forUpdate?: boolean } = {},
): Promise<ApiKey> {
  const key = await findApiKeyOfOrganization(trx, await organizationOf(trx, actor), id, options);
  if (!key) throw new NotFoundError("ApiKey", id);
  return key;
}

/**
 * Issues a key inside the caller's transaction: generates its value (or takes `value`, e.g. the demo's
 * `FLOWGATE_SEED_API_KEY`), stores only its hash and prefix, and returns the value once with the record.
 * The one way keys are made: by {@link createApiKey}, {@link rotateApiKey} and workspace provisioning.
 *
 * @param trx - The transaction.
 * @param row - Workspace, environment, name, scopes and expiry of the key.
 * @param value - A fixed value instead of a generated one.
 */
export async function issueApiKey(
  trx: Executor,
  row: {
    workspaceId: string;
    environment: Environment;
    name: string;
    scopes: readonly string[];
    expiresAt: Date | null;
    /** Default: the current REST API version. */
    apiVersion?: string;
  },
  value?: string,
): Promise<CreatedApiKey> {
  const key = value ?? generateApiKey(row.environment).key;
  const id = newId("key");
  await insertApiKey(trx, {
    id,
    ...row,
    keyHash: hashApiKey(key),
    prefix: key.slice(0, apiKeyPrefixLength),
  });
  const apiKey = await findApiKeyById(trx, id);
  if (!apiKey) throw new Error(`API key ${id} was not stored`);
  return { key, apiKey };
}

function expiryIssues(expiresAt: Date | null | undefined): ValidationIssue[] {
  if (expiresAt && expiresAt.getTime() <= Date.now()) {
    return [{ path: ["expiresAt"], message: "must be in the future" }];
  }
  return [];
}

/** Filters of {@link listApiKeys}. */
export interface ApiKeyListFilter {
  /** The workspace whose keys to list; it must be of the caller's organization. */
  workspaceId: string;
  environment?: Environment | undefined;
  /** Include revoked and expired keys (default false). */
  includeInactive?: boolean | undefined;
}

/**
 * API keys of the caller's organization by id, in the order asked (`undefined` for others). Needs `admin`.
 *
 * @param app - The application.
 * @param actor - The caller.
 * @param ids - Key ids (`key_…`).
 */
export async function getApiKeysByIds(
  app: Application,
  actor: Actor,
  ids: readonly string[],
): Promise<(ApiKey | undefined)[]> {
  requireScope(actor, "admin");
  const { db } = applicationDeps(app);
  return alignByKey(ids, await findApiKeysInOrganizationOf(db, actor.workspaceId, ids), (key) => key.id);
}

/**
 * A page of a workspace's keys, newest first (never their values: only hashes are stored). Needs `admin`.
 *
 * @param app - The application.
 * @param actor - The caller.
 * @param filter - The workspace, an environment, whether to include inactive keys.
 * @param page - Keyset page.
 * @throws NotFoundError for a workspace of another organization.
 */
export async function listApiKeys(
  app: Application,
  actor: Actor,
  filter: ApiKeyListFilter,
  page: PageRequest,
): Promise<ApiKey[]> {
  requireScope(actor, "admin");
  const { db } = applicationDeps(app);
  const workspace = await requireWorkspaceOfOrganization(db, actor, filter.workspaceId);
  return listApiKeysOfWorkspace(
    db,
    workspace.id,
    { environment: filter.environment, includeInactive: filter.includeInactive ?? false },
    page,
  );
}
