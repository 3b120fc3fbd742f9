import type { Tenant } from "@flowgate/domain";
import { sql } from "kysely";
import type { Executor } from "../database.ts";

/** How long a workspace and environment keeps session data (null: kept until redacted by hand). */
export interface RetentionPolicy extends Tenant {
  /** Redact a session this many days after it reached a final status (completed, failed, expired). */
  redactAfterDays: number | null;
  /** Delete a session never submitted (created, in progress) this many days after it was created. */
  deleteAbandonedAfterDays: number | null;
  updatedBy: string | null;
  updatedAt: Date;
}

/** Sets a tenant's retention policy. */
export async function upsertRetentionPolicy(
  db: Executor,
  tenant: Tenant,
  policy: { redactAfterDays: number | null; deleteAbandonedAfterDays: number | null; updatedBy: string },
): Promise<void> {
  await db
    .insertInto("retention_policies")
    .values({
      workspace_id: tenant.workspaceId,
      environment: tenant.environment,
      redact_after_days: policy.redactAfterDays,
      delete_abandoned_after_days: policy.deleteAbandonedAfterDays,
      updated_by: policy.updatedBy,
    })
    .onConflict((oc) =>
      oc.columns(["workspace_id", "environment"]).doUpdateSet({
        redact_after_days: policy.redactAfterDays,
        delete_abandoned_after_days: policy.deleteAbandonedAfterDays,
        updated_by: policy.updatedBy,
        updated_at: new Date(),
      }),
    )
    .execute();
}

/** Every retention policy that does something (for the daily job), or the tenant's. */
export async function listRetentionPolicies(db: Executor, tenant?: Tenant): Promise<RetentionPolicy[]> {
  let query = db.selectFrom("retention_policies").selectAll();
  if (tenant) {
    query = query
      .where("workspace_id", "=", tenant.workspaceId)
      .where("environment", "=", tenant.environment);
  }
  const rows = await query.execute();
  return rows.map((row) => ({
    workspaceId: row.workspace_id,
    environment: row.environment,
    redactAfterDays: row.redact_after_days,
    deleteAbandonedAfterDays: row.delete_abandoned_after_days,
    updatedBy: row.updated_by,
    updatedAt: row.updated_at,
  }));
}

const noActiveHold = sql`not exists (select 1 from legal_holds h where h.session_id = s.id and h.released_at is null)`;

/** Ids of the tenant's sessions the policy redacts at `now` (final for long enough, not redacted, not held). */
export async function sessionsDueForRedaction(
  db: Executor,
  policy: RetentionPolicy,
  now: Date,
  limit: number,
): Promise<string[]> {
  if (!policy.redactAfterDays) return [];
  const cutoff = new Date(now.getTime() - policy.redactAfterDays * 86_400_000);
  const { rows } = await sql<{ id: string }>`select s.id from sessions s
    where s.workspace_id = ${policy.workspaceId} and s.environment = ${policy.environment}
      and s.redacted_at is null and s.status in ('completed', 'failed', 'expired')
      and coalesce(s.completed_at, s.updated_at) < ${cutoff} and ${noActiveHold}
    order by s.id limit ${limit}`.execute(db);
  return rows.map((row) => row.id);
}

/** Ids of the tenant's abandoned sessions (never submitted) the policy deletes at `now` (not held). */
export async function sessionsDueForDeletion(
  db: Executor,
  policy: RetentionPolicy,
  now: Date,
  limit: number,
): Promise<string[]> {
  if (!policy.deleteAbandonedAfterDays) return [];
  const cutoff = new Date(now.getTime() - policy.deleteAbandonedAfterDays * 86_400_000);
  const { rows } = await sql<{ id: string }>`select s.id from sessions s
    where s.workspace_id = ${policy.workspaceId} and s.environment = ${policy.environment}
      and s.status in ('created', 'in_progress') and s.created_at < ${cutoff} and ${noActiveHold}
    order by s.id limit ${limit}`.execute(db);
  return rows.map((row) => row.id);
}

/** Deletes sessions (their runs, jobs and links' references go with them by foreign key). */
export async function deleteSessions(db: Executor, ids: readonly string[]): Promise<number> {
  if (ids.length === 0) return 0;
  const result = await db.deleteFrom("sessions").where("id", "in", ids).executeTakeFirst();
  return Number(result.numDeletedRows);
}
