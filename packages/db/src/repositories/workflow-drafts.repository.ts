import type { Tenant, ValidationIssue, WorkflowDraft, WorkflowDraftStatus } from "@flowgate/domain";
import type { Selectable } from "kysely";
import type { Executor } from "../database.ts";
import type { WorkflowDraftsTable } from "../tables/workflow-drafts.table.ts";
import type { PageRequest } from "./pagination.ts";
import { inTenant } from "./tenant-filter.ts";

/** A draft to insert (status `open`). */
export interface NewWorkflowDraft {
  id: string;
  workflowId: string;
  baseVersion: number;
  sourceVersion: number;
  graph: unknown;
  valid: boolean;
  issues: ValidationIssue[];
  createdBy: string | null;
}

/**
 * Inserts an open draft. The partial unique index `workflow_drafts_one_open` refuses a second open draft
 * of the same workflow (also under concurrency).
 */
export async function insertWorkflowDraft(
  db: Executor,
  tenant: Tenant,
  draft: NewWorkflowDraft,
): Promise<WorkflowDraft> {
  const row = await db
    .insertInto("workflow_drafts")
    .values({
      id: draft.id,
      workspace_id: tenant.workspaceId,
      environment: tenant.environment,
      workflow_id: draft.workflowId,
      status: "open",
      base_version: draft.baseVersion,
      source_version: draft.sourceVersion,
      graph: JSON.stringify(draft.graph),
      valid: draft.valid,
      issues: JSON.stringify(draft.issues),
      created_by: draft.createdBy,
      updated_by: draft.createdBy,
    })
    .returningAll()
    .executeTakeFirstOrThrow();
  return toWorkflowDraft(row);
}

/**
 * Finds a draft of the tenant; another tenant's draft is `undefined`. With `forUpdate` the row stays locked
 * until the transaction ends.
 */
export async function findWorkflowDraft(
  db: Executor,
  tenant: Tenant,
  id: string,
  options: { forUpdate?: boolean } = {},
): Promise<WorkflowDraft | undefined> {
  let query = db.selectFrom("workflow_drafts").selectAll().where("id", "=", id).where(inTenant(tenant));
  if (options.forUpdate) query = query.forUpdate();
  const row = await query.executeTakeFirst();
  return row ? toWorkflowDraft(row) : undefined;
}

/** Finds drafts of the tenant by id, in any order (for DataLoaders). */
export async function findWorkflowDraftsByIds(
  db: Executor,
  tenant: Tenant,
  ids: readonly string[],
): Promise<WorkflowDraft[]> {
  if (ids.length === 0) return [];
  const rows = await db
    .selectFrom("workflow_drafts")
    .selectAll()
    .where("id", "in", ids)
    .where(inTenant(tenant))
    .execute();
  return rows.map(toWorkflowDraft);
}

/** The open drafts of the given workflows of the tenant (at most one each), in any order. */
export async function findOpenWorkflowDrafts(
  db: Executor,
  tenant: Tenant,
  workflowIds: readonly string[],
): Promise<WorkflowDraft[]> {
  if (workflowIds.length === 0) return [];
  const rows = await db
    .selectFrom("workflow_drafts")
    .selectAll()
    .where("workflow_id", "in", workflowIds)
    .where("status", "=", "open")
    .where(inTenant(tenant))
    .execute();
  return rows.map(toWorkflowDraft);
}

/** Saves a new graph on a draft with its validation outcome, and returns it. */
export async function updateWorkflowDraftGraph(
  db: Executor,
  id: string,
  change: { graph: unknown; valid: boolean; issues: ValidationIssue[]; updatedBy: string | null },
): Promise<WorkflowDraft> {
  const row = await db
    .updateTable("workflow_drafts")
    .set({
      graph: JSON.stringify(change.graph),
      valid: change.valid,
      issues: JSON.stringify(change.issues),
      updated_by: change.updatedBy,
      updated_at: new Date(),
    })
    .where("id", "=", id)
    .returningAll()
    .executeTakeFirstOrThrow();
  return toWorkflowDraft(row);
}

/**
 * Closes an open draft as published (with the version it became) or discarded. Only an `open` draft
 * changes: when another transaction closed it first, the result is `undefined`.
 */
export async function closeWorkflowDraft(
  db: Executor,
  id: string,
  change:
    | { status: "published"; publishedVersion: number; actor: string | null }
    | { status: "discarded"; actor: string | null },
): Promise<WorkflowDraft | undefined> {
  const now = new Date();
  const row = await db
    .updateTable("workflow_drafts")
    .set({
      status: change.status,
      closed_at: now,
      updated_at: now,
      updated_by: change.actor,
      ...(change.status === "published"
        ? { published_version: change.publishedVersion, published_by: change.actor }
        : {}),
    })
    .where("id", "=", id)
    .where("status", "=", "open")
    .returningAll()
    .executeTakeFirst();
  return row ? toWorkflowDraft(row) : undefined;
}

/** A page of the tenant's drafts, newest first, optionally of one workflow and/or in one status. */
export async function listWorkflowDrafts(
  db: Executor,
  tenant: Tenant,
  page: PageRequest & {
    workflowId?: string | undefined;
    status?: WorkflowDraftStatus | undefined;
  },
): Promise<WorkflowDraft[]> {
  let query = db.selectFrom("workflow_drafts").selectAll().where(inTenant(tenant));
  if (page.workflowId) query = query.where("workflow_id", "=", page.workflowId);
  if (page.status) query = query.where("status", "=", page.status);
  if (page.afterId) query = query.where("id", "<", page.afterId);
  if (page.beforeId) query = query.where("id", ">", page.beforeId);
  const rows = await query
    .orderBy("id", page.beforeId ? "asc" : "desc")
    .limit(page.limit)
    .execute();
  return rows.map(toWorkflowDraft);
}

function toWorkflowDraft(row: Selectable<WorkflowDraftsTable>): WorkflowDraft {
  return {
    id: row.id,
    workspaceId: row.workspace_id,
    environment: row.environment,
    workflowId: row.workflow_id,
    status: row.status,
    baseVersion: row.base_version,
    sourceVersion: row.source_version,
    graph: row.graph,
    valid: row.valid,
    issues: row.issues as ValidationIssue[],
    publishedVersion: row.published_version,
    createdBy: row.created_by,
    updatedBy: row.updated_by,
    publishedBy: row.published_by,
    createdAt: row.created_at,
    updatedAt: row.updated_at,
    closedAt: row.closed_at,
  };
}
