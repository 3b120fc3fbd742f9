import { readWorkspaceSettings, type Workspace } from "@flowgate/domain";
import { type Selectable, sql } from "kysely";
import type { Executor } from "../database.ts";
import type { WorkspacesTable } from "../tables/workspaces.table.ts";
import type { PageRequest } from "./pagination.ts";

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

/** A workspace by id, whatever its organization (the caller checks that it may see it). */
export async function findWorkspace(db: Executor, id: string): Promise<Workspace | undefined> {
  const row = await db.selectFrom("workspaces").selectAll().where("id", "=", id).executeTakeFirst();
  return row ? toWorkspace(row) : undefined;
}

/** A workspace of an organization; a workspace of another organization is `undefined`. */
export async function findWorkspaceOfOrganization(
  db: Executor,
  organizationId: string,
  id: string,
  options: { forUpdate?: boolean } = {},
): Promise<Workspace | undefined> {
  let query = db
    .selectFrom("workspaces")
    .selectAll()
    .where("id", "=", id)
    .where("organization_id", "=", organizationId);
  if (options.forUpdate) query = query.forUpdate();
  const row = await query.executeTakeFirst();
  return row ? toWorkspace(row) : undefined;
}

/**
 * Workspaces by id that belong to the organization of `memberWorkspaceId` (for DataLoaders: the caller's
 * key belongs to that workspace). Others are left out.
 */
export async function findWorkspacesInOrganizationOf(
  db: Executor,
  memberWorkspaceId: string,
  ids: readonly string[],
): Promise<Workspace[]> {
  if (ids.length === 0) return [];
  const rows = await db
    .selectFrom("workspaces")
    .selectAll()
    .where("id", "in", ids)
    .where("organization_id", "=", (eb) =>
      eb
        .selectFrom("workspaces as member")
        .select("member.organization_id")
        .where("member.id", "=", memberWorkspaceId),
    )
    .execute();
  return rows.map(toWorkspace);
}

/** A page of an organization's workspaces, newest first. */
export async function listWorkspacesOfOrganization(
  db: Executor,
  organizationId: string,
  page: PageRequest,
): Promise<Workspace[]> {
  let query = db.selectFrom("workspaces").selectAll().where("organization_id", "=", organizationId);
  if (page.afterId) query = query.where("id", "<", page.afterId);
  if (page.beforeId) query = query.where("id", ">", page.beforeId);
  const rows = await query
    .orderBy("id", page.beforeId ? "asc" : "desc")
    .limit(page.limit)
    .execute();
  return rows.map(toWorkspace);
}

/**
 * Changes a workspace: its name, and settings merged key by key into the stored ones (keys the patch does
 * not set stay as they are). Returns the changed workspace.
 */
export async function updateWorkspaceRow(
  db: Executor,
  id: string,
  change: { name?: string | undefined; settingsPatch?: Record<string, unknown> | undefined },
): Promise<Workspace> {
  if (change.name === undefined && change.settingsPatch === undefined) {
    const found = await findWorkspace(db, id);
    if (!found) throw new Error(`Workspace ${id} does not exist`);
    return found;
  }
  const row = await db
    .updateTable("workspaces")
    .set((eb) => ({
      ...(change.name !== undefined ? { name: change.name } : {}),
      ...(change.settingsPatch !== undefined
        ? { settings: sql`${eb.ref("settings")} || ${JSON.stringify(change.settingsPatch)}::jsonb` }
        : {}),
    }))
    .where("id", "=", id)
    .returningAll()
    .executeTakeFirstOrThrow();
  return toWorkspace(row);
}

function toWorkspace(row: Selectable<WorkspacesTable>): Workspace {
  return {
    id: row.id,
    organizationId: row.organization_id,
    name: row.name,
    settings: readWorkspaceSettings(row.settings),
    createdAt: row.created_at,
  };
}
