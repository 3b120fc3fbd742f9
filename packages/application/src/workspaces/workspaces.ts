import {
  type Executor,
  findWorkspace,
  findWorkspaceOfOrganization,
  findWorkspacesInOrganizationOf,
  insertWorkspace,
  listWorkspacesOfOrganization,
  type PageRequest,
  updateWorkspaceRow,
} from "@flowgate/db";
import {
  NotFoundError,
  newId,
  settingsPatch,
  ValidationError,
  type ValidationIssue,
  type Workspace,
  type WorkspaceSettingsChange,
  workspaceSettingsIssues,
} from "@flowgate/domain";
import { inTransaction } from "@flowgate/engine";
import { requireScope } from "../access.ts";
import type { Actor } from "../actor.ts";
import { type Application, applicationDeps } from "../application.ts";
import { alignByKey } from "../batch.ts";

/**
 * The organization a caller administers: the organization of its key's workspace. Organization
 * operations need the `admin` scope, which the use cases check.
 *
 * @param db - Database or transaction.
 * @param actor - The caller.
 */
export async function organizationOf(db: Executor, actor: Actor): Promise<string> {
  if (actor.organizationId) return actor.organizationId;
  const workspace = await findWorkspace(db, actor.workspaceId);
  if (!workspace) throw new NotFoundError("Workspace", actor.workspaceId);
  return workspace.organizationId;
}

/**
 * A workspace of the caller's organization; a workspace of another organization is "not found".
 *
 * @param db - Database or transaction.
 * @param actor - The caller.
 * @param id - Workspace id (`ws_…`).
 */
export async function requireWorkspaceOfOrganization(
  db: Executor,
  actor: Actor,
  id: string,
  options: { forUpdate?: boolean } = {},
): Promise<Workspace> {
  const workspace = await findWorkspaceOfOrganization(db, await organizationOf(db, actor), id, options);
  if (!workspace) throw new NotFoundError("Workspace", id);
  return workspace;
}

/** Input of {@link createWorkspace}. */
export interface CreateWorkspaceInput {
  name: string;
  settings?: WorkspaceSettingsChange | null | undefined;
}

/** Input of {@link updateWorkspace}: absent fields stay as they are. */
export interface UpdateWorkspaceInput {
  id: string;
  name?: string | null | undefined;
  settings?: WorkspaceSettingsChange | null | undefined;
}

/**
 * Creates a workspace in the caller's organization, with settings (defaults for those not given).
 * Create its API keys with `createApiKey`. Needs `admin`.
 */
export async function createWorkspace(
  app: Application,
  actor: Actor,
  input: CreateWorkspaceInput,
): Promise<Workspace> {
  requireScope(actor, "admin");
  const deps = applicationDeps(app);
  const name = checkInput(input.name, input.settings);
  return inTransaction(deps, async (trx) => {
    const organizationId = await organizationOf(trx, actor);
    const id = newId("ws");
    await insertWorkspace(trx, {
      id,
      organizationId,
      name: name ?? "",
      settings: settingsPatch(input.settings ?? {}),
    });
    const created = await findWorkspace(trx, id);
    if (!created) throw new Error(`Workspace ${id} was not stored`);
    return created;
  });
}

/**
 * Renames a workspace of the caller's organization and/or changes settings (only those given; a null
 * `monthlyBudgetCents` removes the budget). Needs `admin`.
 */
export async function updateWorkspace(
  app: Application,
  actor: Actor,
  input: UpdateWorkspaceInput,
): Promise<Workspace> {
  requireScope(actor, "admin");
  const deps = applicationDeps(app);
  const name = checkInput(input.name, input.settings, { nameOptional: true });
  return inTransaction(deps, async (trx) => {
    const workspace = await requireWorkspaceOfOrganization(trx, actor, input.id, { forUpdate: true });
    return updateWorkspaceRow(trx, workspace.id, {
      name: name ?? undefined,
      settingsPatch: input.settings ? settingsPatch(input.settings) : undefined,
    });
  });
}

/** Validates a name and a settings change; returns the trimmed name (null when absent and optional). */
function checkInput(
  rawName: string | null | undefined,
  settings: WorkspaceSettingsChange | null | undefined,
  options: { nameOptional?: boolean } = {},
): string | null {
  const issues: ValidationIssue[] = [];
  let name: string | null = null;
  if (rawName === undefined || rawName === null) {
    if (!options.nameOptional) issues.push({ path: ["name"], message: "is required" });
  } else {
    name = rawName.trim();
    if (name.length === 0 || name.length > 200) {
      issues.push({ path: ["name"], message: "must be 1 to 200 characters" });
    }
  }
  if (settings) issues.push(...workspaceSettingsIssues(settings));
  if (issues.length > 0) throw new ValidationError("Invalid workspace", issues);
  return name;
}

/**
 * Workspaces of the caller's organization by id, in the order asked (`undefined` for others). Needs `admin`.
 *
 * @param app - The application.
 * @param actor - The caller.
 * @param ids - Workspace ids (`ws_…`).
 */
export async function getWorkspacesByIds(
  app: Application,
  actor: Actor,
  ids: readonly string[],
): Promise<(Workspace | undefined)[]> {
  requireScope(actor, "admin");
  const { db } = applicationDeps(app);
  const workspaces = await findWorkspacesInOrganizationOf(db, actor.workspaceId, ids);
  return alignByKey(ids, workspaces, (workspace) => workspace.id);
}

/**
 * A page of the workspaces of the caller's organization, newest first. Needs `admin`.
 *
 * @param app - The application.
 * @param actor - The caller.
 * @param page - Keyset page.
 */
export async function listWorkspaces(
  app: Application,
  actor: Actor,
  page: PageRequest,
): Promise<Workspace[]> {
  requireScope(actor, "admin");
  const { db } = applicationDeps(app);
  return listWorkspacesOfOrganization(db, await organizationOf(db, actor), page);
}
