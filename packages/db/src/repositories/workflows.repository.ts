import type { RolloutEntry, Tenant, Workflow, WorkflowGraph, WorkflowVersion } from "@flowgate/domain";
import { type Selectable, sql, type Updateable } from "kysely";
import type { Executor } from "../database.ts";
import type { WorkflowsTable, WorkflowVersionsTable } from "../tables/workflows.table.ts";
import type { PageRequest } from "./pagination.ts";
import { inTenant } from "./tenant-filter.ts";

/** Inserts a workflow row (its version rows are inserted separately). */
export async function insertWorkflow(
  db: Executor,
  tenant: Tenant,
  row: {
    id: string;
    name: string;
    description: string | null;
    metadata: Record<string, unknown>;
    currentVersion: number;
  },
): Promise<Workflow> {
  const inserted = await db
    .insertInto("workflows")
    .values({
      id: row.id,
      workspace_id: tenant.workspaceId,
      environment: tenant.environment,
      name: row.name,
      description: row.description,
      metadata: JSON.stringify(row.metadata),
      status: "active",
      current_version: row.currentVersion,
    })
    .returningAll()
    .executeTakeFirstOrThrow();
  return toWorkflow(inserted);
}

/** Inserts an immutable version of a workflow. */
export async function insertWorkflowVersion(
  db: Executor,
  row: { workflowId: string; version: number; graph: WorkflowGraph; publishedBy: string | null },
): Promise<WorkflowVersion> {
  const inserted = await db
    .insertInto("workflow_versions")
    .values({
      workflow_id: row.workflowId,
      version: row.version,
      graph: JSON.stringify(row.graph),
      published_by: row.publishedBy,
    })
    .returningAll()
    .executeTakeFirstOrThrow();
  return toWorkflowVersion(inserted);
}

/** Finds a workflow of the tenant; another tenant's workflow is `undefined`. */
export async function findWorkflow(db: Executor, tenant: Tenant, id: string): Promise<Workflow | undefined> {
  const row = await db
    .selectFrom("workflows")
    .selectAll()
    .where("id", "=", id)
    .where(inTenant(tenant))
    .executeTakeFirst();
  return row ? toWorkflow(row) : undefined;
}

/** Finds workflows of the tenant by id, in any order (for DataLoaders). */
export async function findWorkflowsByIds(
  db: Executor,
  tenant: Tenant,
  ids: readonly string[],
): Promise<Workflow[]> {
  if (ids.length === 0) return [];
  const rows = await db
    .selectFrom("workflows")
    .selectAll()
    .where("id", "in", ids)
    .where(inTenant(tenant))
    .execute();
  return rows.map(toWorkflow);
}

/** The tenant's default workflow, if one is set. */
export async function findDefaultWorkflow(db: Executor, tenant: Tenant): Promise<Workflow | undefined> {
  const row = await db
    .selectFrom("workflows")
    .selectAll()
    .where(inTenant(tenant))
    .where("is_default", "=", true)
    .executeTakeFirst();
  return row ? toWorkflow(row) : undefined;
}

/**
 * Makes `workflowId` the tenant's only default workflow. Call it in a transaction: it first takes a
 * transaction-level advisory lock on the tenant's default, so concurrent switches run one after the other
 * (each then sees the other's committed default) instead of colliding on `workflows_one_default`.
 */
export async function setDefaultWorkflow(db: Executor, tenant: Tenant, workflowId: string): Promise<void> {
  await sql`select pg_advisory_xact_lock(hashtextextended(${`workflows_default:${tenant.workspaceId}:${tenant.environment}`}, 0))`.execute(
    db,
  );
  await db
    .updateTable("workflows")
    .set({ is_default: false, updated_at: new Date() })
    .where(inTenant(tenant))
    .where("is_default", "=", true)
    .where("id", "!=", workflowId)
    .execute();
  await db
    .updateTable("workflows")
    .set({ is_default: true, updated_at: new Date() })
    .where("id", "=", workflowId)
    .execute();
}

/** One version of a workflow. */
export async function findWorkflowVersion(
  db: Executor,
  workflowId: string,
  version: number,
): Promise<WorkflowVersion | undefined> {
  const row = await db
    .selectFrom("workflow_versions")
    .selectAll()
    .where("workflow_id", "=", workflowId)
    .where("version", "=", version)
    .executeTakeFirst();
  return row ? toWorkflowVersion(row) : undefined;
}

/** A page of the tenant's workflows, newest first. */
export async function listWorkflows(
  db: Executor,
  tenant: Tenant,
  page: PageRequest & { status?: "active" | "inactive" | undefined; isDefault?: boolean | undefined },
): Promise<Workflow[]> {
  let query = db.selectFrom("workflows").selectAll().where(inTenant(tenant));
  if (page.status) query = query.where("status", "=", page.status);
  if (page.isDefault !== undefined) query = query.where("is_default", "=", page.isDefault);
  if (page.afterId) query = query.where("id", "<", page.afterId);
  if (page.beforeId) query = query.where("id", ">", page.beforeId);
  const rows = await query
    .orderBy("id", page.beforeId ? "asc" : "desc")
    .limit(page.limit)
    .execute();
  return rows.map(toWorkflow);
}

/** Locks a workflow of the tenant for the transaction and returns it; another tenant's is `undefined`. */
export async function lockWorkflow(db: Executor, tenant: Tenant, id: string): Promise<Workflow | undefined> {
  const row = await db
    .selectFrom("workflows")
    .selectAll()
    .where("id", "=", id)
    .where(inTenant(tenant))
    .forUpdate()
    .executeTakeFirst();
  return row ? toWorkflow(row) : undefined;
}

/** Changes a workflow's name, description or metadata (absent fields stay) and returns it. */
export async function updateWorkflowMetadata(
  db: Executor,
  id: string,
  change: {
    name?: string | undefined;
    description?: string | null | undefined;
    metadata?: Record<string, unknown> | undefined;
  },
): Promise<Workflow> {
  const set: Updateable<WorkflowsTable> = { updated_at: new Date() };
  if (change.name !== undefined) set.name = change.name;
  if (change.description !== undefined) set.description = change.description;
  if (change.metadata !== undefined) set.metadata = JSON.stringify(change.metadata);
  const row = await db
    .updateTable("workflows")
    .set(set)
    .where("id", "=", id)
    .returningAll()
    .executeTakeFirstOrThrow();
  return toWorkflow(row);
}

/** Sets a workflow's status (`inactive`: no new runs start on it) and returns it. */
export async function setWorkflowStatus(
  db: Executor,
  id: string,
  status: "active" | "inactive",
): Promise<Workflow> {
  const row = await db
    .updateTable("workflows")
    .set({ status, updated_at: new Date() })
    .where("id", "=", id)
    .returningAll()
    .executeTakeFirstOrThrow();
  return toWorkflow(row);
}

/** Replaces a workflow's rollout map (`null`: every new run starts on the current version) and returns it. */
export async function setWorkflowRollout(
  db: Executor,
  id: string,
  rollout: readonly RolloutEntry[] | null,
): Promise<Workflow> {
  const row = await db
    .updateTable("workflows")
    .set({ rollout: rollout === null ? null : JSON.stringify(rollout), updated_at: new Date() })
    .where("id", "=", id)
    .returningAll()
    .executeTakeFirstOrThrow();
  return toWorkflow(row);
}

/**
 * Moves a workflow's current version from `fromVersion` to `toVersion`, only while `fromVersion` is still
 * current (a concurrent publish makes it `undefined`); `clearRollout` also drops the rollout map.
 */
export async function advanceWorkflowVersion(
  db: Executor,
  id: string,
  change: { fromVersion: number; toVersion: number; clearRollout: boolean },
): Promise<Workflow | undefined> {
  const set: Updateable<WorkflowsTable> = { current_version: change.toVersion, updated_at: new Date() };
  if (change.clearRollout) set.rollout = null;
  const row = await db
    .updateTable("workflows")
    .set(set)
    .where("id", "=", id)
    .where("current_version", "=", change.fromVersion)
    .returningAll()
    .executeTakeFirst();
  return row ? toWorkflow(row) : undefined;
}

/**
 * Every version of the given workflows, newest first within each workflow (for DataLoaders); with `tenant`,
 * only versions of its workflows.
 */
export async function listWorkflowVersions(
  db: Executor,
  workflowIds: readonly string[],
  options: { tenant?: Tenant } = {},
): Promise<WorkflowVersion[]> {
  if (workflowIds.length === 0) return [];
  let query = db.selectFrom("workflow_versions").selectAll().where("workflow_id", "in", workflowIds);
  if (options.tenant) {
    const tenant = options.tenant;
    query = query.where("workflow_id", "in", (eb) =>
      eb.selectFrom("workflows").select("id").where(inTenant(tenant)),
    );
  }
  const rows = await query.orderBy("workflow_id").orderBy("version", "desc").execute();
  return rows.map(toWorkflowVersion);
}

/**
 * A workflow from `to_jsonb(workflows.*)`, for a statement that reads one beside a row of another table
 * (see `lockSessionWithWorkflow`): JSON carries its timestamps as strings.
 */
export function workflowFromJson(
  json: Omit<Selectable<WorkflowsTable>, "created_at" | "updated_at"> & {
    created_at: string;
    updated_at: string;
  },
): Workflow {
  return toWorkflow({
    ...json,
    created_at: new Date(json.created_at),
    updated_at: new Date(json.updated_at),
  });
}

function toWorkflow(row: Selectable<WorkflowsTable>): Workflow {
  return {
    id: row.id,
    workspaceId: row.workspace_id,
    environment: row.environment,
    name: row.name,
    description: row.description,
    metadata: row.metadata,
    status: row.status,
    isDefault: row.is_default,
    currentVersion: row.current_version,
    rollout: (row.rollout as RolloutEntry[] | null) ?? null,
    createdAt: row.created_at,
    updatedAt: row.updated_at,
  };
}

function toWorkflowVersion(row: Selectable<WorkflowVersionsTable>): WorkflowVersion {
  return {
    workflowId: row.workflow_id,
    version: row.version,
    graph: row.graph as unknown as WorkflowGraph,
    publishedBy: row.published_by,
    createdAt: row.created_at,
  };
}
