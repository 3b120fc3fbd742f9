import type { AutofilledAnswer, AutofillJob, AutofillJobStatus, Environment, Tenant } from "@flowgate/domain";
import { type Selectable, sql } from "kysely";
import type { Executor } from "../database.ts";
import type { AutofillJobsTable } from "../tables/autofill-jobs.table.ts";
import { inTenant } from "./tenant-filter.ts";

/** The queue job kind that runs an autofill job (its queue job has the autofill job's id). */
export const autofillJobKind = "response.autofill";

/**
 * Stores a QUEUED autofill job of a response and, in the same transaction, its due queue job
 * (`response.autofill`, with the same id), so that a committed request is always picked up by a worker.
 * Lock the response first: a response has at most one QUEUED or RUNNING job (a unique index refuses a
 * second).
 */
export async function insertAutofillJob(
  db: Executor,
  tenant: Tenant,
  row: { id: string; responseId: string; provider: string; deterministic: boolean; requestedBy: string },
): Promise<AutofillJob> {
  const inserted = await db
    .insertInto("autofill_jobs")
    .values({
      id: row.id,
      workspace_id: tenant.workspaceId,
      environment: tenant.environment,
      response_id: row.responseId,
      status: "QUEUED",
      provider: row.provider,
      deterministic: row.deterministic,
      requested_by: row.requestedBy,
    })
    .returningAll()
    .executeTakeFirstOrThrow();
  await db
    .insertInto("jobs")
    .values({ id: row.id, kind: autofillJobKind, payload: JSON.stringify({ responseId: row.responseId }) })
    .execute();
  return toAutofillJob(inserted);
}

/** The QUEUED or RUNNING job of a response of the tenant, if any. */
export async function findActiveAutofillJob(
  db: Executor,
  tenant: Tenant,
  responseId: string,
): Promise<AutofillJob | undefined> {
  const row = await db
    .selectFrom("autofill_jobs")
    .selectAll()
    .where("response_id", "=", responseId)
    .where("status", "in", ["QUEUED", "RUNNING"])
    .where(inTenant(tenant))
    .executeTakeFirst();
  return row ? toAutofillJob(row) : undefined;
}

/**
 * An autofill job by id: of the tenant when one is given (another tenant's is `undefined`), else any (for
 * the worker). `forUpdate` locks the row.
 */
export async function findAutofillJob(
  db: Executor,
  tenant: Tenant | null,
  id: string,
  options: { forUpdate?: boolean } = {},
): Promise<AutofillJob | undefined> {
  let query = db.selectFrom("autofill_jobs").selectAll().where("id", "=", id);
  if (tenant) query = query.where(inTenant(tenant));
  if (options.forUpdate) query = query.forUpdate();
  const row = await query.executeTakeFirst();
  return row ? toAutofillJob(row) : undefined;
}

/** Autofill jobs of the tenant by id (any order; for DataLoaders). */
export async function findAutofillJobsByIds(
  db: Executor,
  tenant: Tenant,
  ids: readonly string[],
): Promise<AutofillJob[]> {
  if (ids.length === 0) return [];
  const rows = await db
    .selectFrom("autofill_jobs")
    .selectAll()
    .where("id", "in", ids)
    .where(inTenant(tenant))
    .execute();
  return rows.map(toAutofillJob);
}

/** The autofill jobs of several responses of the tenant, newest first within each response. */
export async function listAutofillJobsOfResponses(
  db: Executor,
  tenant: Tenant,
  responseIds: readonly string[],
): Promise<AutofillJob[]> {
  if (responseIds.length === 0) return [];
  const rows = await db
    .selectFrom("autofill_jobs")
    .selectAll()
    .where("response_id", "in", responseIds)
    .where(inTenant(tenant))
    .orderBy("response_id")
    .orderBy("id", "desc")
    .execute();
  return rows.map(toAutofillJob);
}

/**
 * Marks a job RUNNING as a worker picks it up (again, after a crash), counting the attempt; a finished job
 * is left as it is. Returns the job as it is now, or `undefined` when it no longer exists.
 */
export async function startAutofillJob(db: Executor, id: string): Promise<AutofillJob | undefined> {
  const row = await db
    .updateTable("autofill_jobs")
    .set((eb) => ({
      status: "RUNNING",
      attempts: eb("attempts", "+", 1),
      started_at: sql<Date>`coalesce(started_at, now())`,
    }))
    .where("id", "=", id)
    .where("status", "in", ["QUEUED", "RUNNING"])
    .returningAll()
    .executeTakeFirst();
  return row ? toAutofillJob(row) : findAutofillJob(db, null, id);
}

/** Records how a job ended (call it in the transaction that applies its outcome). */
export async function finishAutofillJob(
  db: Executor,
  id: string,
  outcome: {
    status: Extract<AutofillJobStatus, "SUCCEEDED" | "FAILED">;
    filled: AutofilledAnswer[];
    error: string | null;
    responseEventId: string | null;
  },
): Promise<AutofillJob> {
  const row = await db
    .updateTable("autofill_jobs")
    .set({
      status: outcome.status,
      filled: JSON.stringify(outcome.filled),
      error: outcome.error,
      response_event_id: outcome.responseEventId,
      finished_at: sql<Date>`now()`,
    })
    .where("id", "=", id)
    .returningAll()
    .executeTakeFirstOrThrow();
  return toAutofillJob(row);
}

function toAutofillJob(row: Selectable<AutofillJobsTable>): AutofillJob {
  return {
    id: row.id,
    workspaceId: row.workspace_id,
    environment: row.environment as Environment,
    responseId: row.response_id,
    status: row.status as AutofillJobStatus,
    provider: row.provider,
    deterministic: row.deterministic,
    requestedBy: row.requested_by,
    filled: row.filled as AutofilledAnswer[],
    error: row.error,
    attempts: row.attempts,
    responseEventId: row.response_event_id,
    createdAt: row.created_at,
    startedAt: row.started_at,
    finishedAt: row.finished_at,
  };
}
