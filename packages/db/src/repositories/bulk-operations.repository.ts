import type { Environment, SessionStatus, Tenant } from "@flowgate/domain";
import { type Selectable, sql } from "kysely";
import type { Executor } from "../database.ts";
import type { BulkOperationsTable } from "../tables/data-protection.table.ts";
import { inTenant } from "./tenant-filter.ts";

/** Which sessions a bulk redaction takes (all conditions apply; sessions already redacted are left out). */
export interface BulkSessionFilter {
  statuses?: readonly SessionStatus[] | undefined;
  createdBefore?: Date | undefined;
  completedBefore?: Date | undefined;
}

/** A durable bulk job with its progress. */
export interface BulkOperation {
  id: string;
  workspaceId: string;
  environment: Environment;
  kind: string;
  status: "pending" | "running" | "completed" | "failed";
  reason: string;
  filter: Record<string, unknown>;
  total: number;
  processed: number;
  succeeded: number;
  skipped: number;
  failed: number;
  createdBy: string;
  createdAt: Date;
  startedAt: Date | null;
  completedAt: Date | null;
}

/** One session of a bulk job that was skipped or failed, with why. */
export interface BulkOperationFailure {
  sessionId: string;
  status: "skipped" | "failed";
  error: string | null;
}

function toOperation(row: Selectable<BulkOperationsTable>): BulkOperation {
  return {
    id: row.id,
    workspaceId: row.workspace_id,
    environment: row.environment,
    kind: row.kind,
    status: row.status,
    reason: row.reason,
    filter: row.filter,
    total: row.total,
    processed: row.processed,
    succeeded: row.succeeded,
    skipped: row.skipped,
    failed: row.failed,
    createdBy: row.created_by,
    createdAt: row.created_at,
    startedAt: row.started_at,
    completedAt: row.completed_at,
  };
}

/**
 * Creates a bulk operation with one pending item per session: the given ids of the tenant (ids that are not
 * the tenant's become failed items, "not found"), or every not-yet-redacted session the filter matches, in id
 * order. Sets `total`.
 */
export async function insertBulkOperation(
  db: Executor,
  tenant: Tenant,
  operation: { id: string; kind: string; reason: string; createdBy: string },
  target: { sessionIds: readonly string[] } | { filter: BulkSessionFilter },
): Promise<BulkOperation> {
  const filterJson =
    "filter" in target
      ? {
          statuses: target.filter.statuses ?? null,
          createdBefore: target.filter.createdBefore?.toISOString() ?? null,
          completedBefore: target.filter.completedBefore?.toISOString() ?? null,
        }
      : { sessionIds: target.sessionIds.length };
  await db
    .insertInto("bulk_operations")
    .values({
      id: operation.id,
      workspace_id: tenant.workspaceId,
      environment: tenant.environment,
      kind: operation.kind,
      status: "pending",
      reason: operation.reason,
      filter: JSON.stringify(filterJson),
      created_by: operation.createdBy,
    })
    .execute();
  if ("sessionIds" in target) {
    const ids = [...new Set(target.sessionIds)];
    const found = new Set<string>();
    for (let i = 0; i < ids.length; i += 5000) {
      const chunk = ids.slice(i, i + 5000);
      const rows = await db
        .selectFrom("sessions")
        .select("id")
        .where("id", "in", chunk)
        .where(inTenant(tenant))
        .execute();
      for (const row of rows) found.add(row.id);
    }
    for (let i = 0; i < ids.length; i += 2000) {
      await db
        .insertInto("bulk_operation_items")
        .values(
          ids.slice(i, i + 2000).map((sessionId, j) => ({
            operation_id: operation.id,
            position: i + j + 1,
            session_id: sessionId,
            status: found.has(sessionId) ? ("pending" as const) : ("failed" as const),
            error: found.has(sessionId) ? null : `Session ${sessionId} not found`,
            done_at: found.has(sessionId) ? null : new Date(),
          })),
        )
        .execute();
    }
    const missing = ids.length - found.size;
    await db
      .updateTable("bulk_operations")
      .set({ total: ids.length, processed: missing, failed: missing })
      .where("id", "=", operation.id)
      .execute();
  } else {
    const { statuses, createdBefore, completedBefore } = target.filter;
    await sql`insert into bulk_operation_items (operation_id, position, session_id, status)
      select ${operation.id}, row_number() over (order by s.id), s.id, 'pending'
      from sessions s
      where s.workspace_id = ${tenant.workspaceId} and s.environment = ${tenant.environment}
        and s.redacted_at is null
        ${statuses?.length ? sql`and s.status in (${sql.join(statuses)})` : sql``}
        ${createdBefore ? sql`and s.created_at < ${createdBefore}` : sql``}
        ${completedBefore ? sql`and s.completed_at < ${completedBefore}` : sql``}`.execute(db);
    await sql`update bulk_operations set total = (select count(*) from bulk_operation_items
      where operation_id = ${operation.id}) where id = ${operation.id}`.execute(db);
  }
  const row = await db
    .selectFrom("bulk_operations")
    .selectAll()
    .where("id", "=", operation.id)
    .executeTakeFirstOrThrow();
  return toOperation(row);
}

/** A bulk operation of the tenant (undefined for another tenant's). */
export async function findBulkOperation(
  db: Executor,
  tenant: Tenant,
  id: string,
): Promise<BulkOperation | undefined> {
  const row = await db
    .selectFrom("bulk_operations")
    .selectAll()
    .where("id", "=", id)
    .where(inTenant(tenant))
    .executeTakeFirst();
  return row ? toOperation(row) : undefined;
}

/** A bulk operation by id, locked (engine-internal). */
export async function lockBulkOperation(db: Executor, id: string): Promise<BulkOperation | undefined> {
  const row = await db
    .selectFrom("bulk_operations")
    .selectAll()
    .where("id", "=", id)
    .forUpdate()
    .executeTakeFirst();
  return row ? toOperation(row) : undefined;
}

/** The next pending items of an operation, in order, locked (`skip locked`) for the caller's transaction. */
export async function claimPendingBulkItems(
  db: Executor,
  operationId: string,
  limit: number,
): Promise<{ position: number; sessionId: string }[]> {
  const rows = await db
    .selectFrom("bulk_operation_items")
    .select(["position", "session_id"])
    .where("operation_id", "=", operationId)
    .where("status", "=", "pending")
    .orderBy("position")
    .limit(limit)
    .forUpdate()
    .skipLocked()
    .execute();
  return rows.map((row) => ({ position: row.position, sessionId: row.session_id }));
}

/** Records the outcome of items and adds them to the operation's counts, in the caller's transaction. */
export async function completeBulkItems(
  db: Executor,
  operationId: string,
  outcomes: readonly { position: number; status: "succeeded" | "skipped" | "failed"; error: string | null }[],
): Promise<void> {
  if (outcomes.length === 0) return;
  const now = new Date();
  for (const status of ["succeeded", "skipped", "failed"] as const) {
    const group = outcomes.filter((o) => o.status === status);
    if (group.length === 0) continue;
    const withError = group.filter((o) => o.error);
    const plain = group.filter((o) => !o.error);
    if (plain.length > 0) {
      await db
        .updateTable("bulk_operation_items")
        .set({ status, done_at: now })
        .where("operation_id", "=", operationId)
        .where(
          "position",
          "in",
          plain.map((o) => o.position),
        )
        .execute();
    }
    for (const outcome of withError) {
      await db
        .updateTable("bulk_operation_items")
        .set({ status, error: outcome.error, done_at: now })
        .where("operation_id", "=", operationId)
        .where("position", "=", outcome.position)
        .execute();
    }
  }
  const count = (status: string) => outcomes.filter((o) => o.status === status).length;
  await db
    .updateTable("bulk_operations")
    .set((eb) => ({
      processed: eb("processed", "+", outcomes.length),
      succeeded: eb("succeeded", "+", count("succeeded")),
      skipped: eb("skipped", "+", count("skipped")),
      failed: eb("failed", "+", count("failed")),
    }))
    .where("id", "=", operationId)
    .execute();
}

/** Sets an operation's status (and its start or end time). */
export async function setBulkOperationStatus(
  db: Executor,
  id: string,
  status: BulkOperation["status"],
): Promise<void> {
  await db
    .updateTable("bulk_operations")
    .set({
      status,
      ...(status === "running" ? { started_at: sql<Date>`coalesce(started_at, now())` } : {}),
      ...(status === "completed" || status === "failed" ? { completed_at: new Date() } : {}),
    })
    .where("id", "=", id)
    .execute();
}

/** The skipped and failed items of an operation, in order (at most `limit`). */
export async function listBulkOperationFailures(
  db: Executor,
  operationId: string,
  limit: number,
): Promise<BulkOperationFailure[]> {
  const rows = await db
    .selectFrom("bulk_operation_items")
    .select(["session_id", "status", "error"])
    .where("operation_id", "=", operationId)
    .where("status", "in", ["skipped", "failed"])
    .orderBy("position")
    .limit(limit)
    .execute();
  return rows.map((row) => ({
    sessionId: row.session_id,
    status: row.status as "skipped" | "failed",
    error: row.error,
  }));
}

/** Queues the job that works through a bulk operation. */
export async function scheduleBulkOperationJob(
  db: Executor,
  operationId: string,
  kind: "bulk.redact",
): Promise<void> {
  await db
    .insertInto("jobs")
    .values({ id: `job_bulk_${operationId}`, kind, payload: JSON.stringify({ operationId }) })
    .onConflict((oc) => oc.column("id").doNothing())
    .execute();
}
