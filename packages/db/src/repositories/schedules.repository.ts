import type { ScheduleCatchUp, ScheduleStatus, Tenant, WorkflowSchedule } from "@flowgate/domain";
import { type Selectable, sql } from "kysely";
import type { Executor } from "../database.ts";
import type { WorkflowSchedulesTable } from "../tables/schedules-and-inbound-triggers.table.ts";
import { deleteDueBatch } from "./batched-delete.ts";
import { inTenant } from "./tenant-filter.ts";

/** What a new schedule is inserted with. */
export interface NewWorkflowSchedule {
  id: string;
  workflowId: string;
  cron: string;
  timezone: string;
  payload: Record<string, unknown>;
  catchUp: ScheduleCatchUp;
  nextFireAt: Date | null;
  createdBy: string | null;
}

/** Inserts an active schedule. */
export async function insertWorkflowSchedule(
  db: Executor,
  tenant: Tenant,
  row: NewWorkflowSchedule,
): Promise<WorkflowSchedule> {
  const inserted = await db
    .insertInto("workflow_schedules")
    .values({
      id: row.id,
      workspace_id: tenant.workspaceId,
      environment: tenant.environment,
      workflow_id: row.workflowId,
      cron: row.cron,
      timezone: row.timezone,
      payload: JSON.stringify(row.payload),
      catch_up: row.catchUp,
      next_fire_at: row.nextFireAt,
      created_by: row.createdBy,
    })
    .returningAll()
    .executeTakeFirstOrThrow();
  return toSchedule(inserted);
}

/** A change of a schedule: absent fields stay as they are. */
export interface WorkflowScheduleChange {
  cron?: string;
  timezone?: string;
  payload?: Record<string, unknown>;
  catchUp?: ScheduleCatchUp;
  status?: ScheduleStatus;
  nextFireAt?: Date | null;
}

/** Changes a schedule and returns it. */
export async function updateWorkflowSchedule(
  db: Executor,
  id: string,
  change: WorkflowScheduleChange,
): Promise<WorkflowSchedule> {
  const updated = await db
    .updateTable("workflow_schedules")
    .set({
      ...(change.cron !== undefined ? { cron: change.cron } : {}),
      ...(change.timezone !== undefined ? { timezone: change.timezone } : {}),
      ...(change.payload !== undefined ? { payload: JSON.stringify(change.payload) } : {}),
      ...(change.catchUp !== undefined ? { catch_up: change.catchUp } : {}),
      ...(change.status !== undefined ? { status: change.status } : {}),
      ...(change.nextFireAt !== undefined ? { next_fire_at: change.nextFireAt } : {}),
      updated_at: new Date(),
    })
    .where("id", "=", id)
    .returningAll()
    .executeTakeFirstOrThrow();
  return toSchedule(updated);
}

/** Deletes a schedule with its fire history (the runs it started stay). */
export async function deleteWorkflowSchedule(db: Executor, id: string): Promise<void> {
  await db.deleteFrom("workflow_schedules").where("id", "=", id).execute();
}

/** Finds a schedule of the tenant (another tenant's is `undefined`); `forUpdate` locks it. */
export async function findWorkflowSchedule(
  db: Executor,
  tenant: Tenant,
  id: string,
  options: { forUpdate?: boolean } = {},
): Promise<WorkflowSchedule | undefined> {
  let query = db.selectFrom("workflow_schedules").selectAll().where("id", "=", id).where(inTenant(tenant));
  if (options.forUpdate) query = query.forUpdate();
  const row = await query.executeTakeFirst();
  return row ? toSchedule(row) : undefined;
}

/** Schedules of the tenant by id, in any order (for DataLoaders). */
export async function findWorkflowSchedulesByIds(
  db: Executor,
  tenant: Tenant,
  ids: readonly string[],
): Promise<WorkflowSchedule[]> {
  if (ids.length === 0) return [];
  const rows = await db
    .selectFrom("workflow_schedules")
    .selectAll()
    .where("id", "in", ids)
    .where(inTenant(tenant))
    .execute();
  return rows.map(toSchedule);
}

/** The tenant's schedules, of the given workflows or all, oldest first, at most `limit`. */
export async function listWorkflowSchedules(
  db: Executor,
  tenant: Tenant,
  options: { workflowIds?: readonly string[] | undefined; limit: number },
): Promise<WorkflowSchedule[]> {
  if (options.workflowIds && options.workflowIds.length === 0) return [];
  let query = db.selectFrom("workflow_schedules").selectAll().where(inTenant(tenant));
  if (options.workflowIds) query = query.where("workflow_id", "in", options.workflowIds);
  const rows = await query.orderBy("id").limit(options.limit).execute();
  return rows.map(toSchedule);
}

/** How many schedules a workflow has. */
export async function countWorkflowSchedules(db: Executor, workflowId: string): Promise<number> {
  const row = await db
    .selectFrom("workflow_schedules")
    .select((eb) => eb.fn.countAll<string>().as("count"))
    .where("workflow_id", "=", workflowId)
    .executeTakeFirstOrThrow();
  return Number(row.count);
}

/** Schedules claimed by {@link claimDueWorkflowSchedules}, with the time they were judged due at. */
export interface ClaimedSchedules {
  schedules: WorkflowSchedule[];
  /** `now`, or the database's clock when none was given. */
  now: Date;
}

/**
 * Claims up to `limit` active schedules due at `now` (default: the database's clock, so that workers'
 * clocks need not agree) with `FOR UPDATE SKIP LOCKED`, in the caller's transaction, leaving out
 * `skipIds`: another worker's pass skips them, and they stay locked until the caller has fired them and
 * moved their next fire time on (in the same transaction).
 */
export async function claimDueWorkflowSchedules(
  trx: Executor,
  now: Date | null,
  limit: number,
  skipIds: readonly string[] = [],
): Promise<ClaimedSchedules> {
  const at = now ?? (await sql<{ now: Date }>`select now() as now`.execute(trx)).rows[0]?.now ?? new Date();
  const rows = await trx
    .selectFrom("workflow_schedules")
    .selectAll()
    .where("status", "=", "active")
    .where("next_fire_at", "<=", at)
    .$if(skipIds.length > 0, (q) => q.where("id", "not in", skipIds))
    .orderBy("next_fire_at")
    .limit(limit)
    .forUpdate()
    .skipLocked()
    .execute();
  return { schedules: rows.map(toSchedule), now: new Date(at) };
}

/**
 * Records one fire of a schedule, keyed by (schedule, fire time). Returns false when that fire was already
 * recorded (it started its run then), so that no fire starts two runs.
 */
export async function insertScheduleFire(
  db: Executor,
  fire: { scheduleId: string; fireAt: Date; missed: number },
): Promise<boolean> {
  const rows = await db
    .insertInto("schedule_fires")
    .values({
      schedule_id: fire.scheduleId,
      fire_at: fire.fireAt,
      missed: fire.missed,
      run_id: null,
      error: null,
    })
    .onConflict((oc) => oc.columns(["schedule_id", "fire_at"]).doNothing())
    .returning("schedule_id")
    .execute();
  return rows.length > 0;
}

/** Sets the outcome of a recorded fire: the run it started, or why it started none. */
export async function setScheduleFireOutcome(
  db: Executor,
  fire: { scheduleId: string; fireAt: Date; runId: string | null; error: string | null },
): Promise<void> {
  await db
    .updateTable("schedule_fires")
    .set({ run_id: fire.runId, error: fire.error })
    .where("schedule_id", "=", fire.scheduleId)
    .where("fire_at", "=", fire.fireAt)
    .execute();
}

/** One fire of a schedule. */
export interface ScheduleFire {
  scheduleId: string;
  fireAt: Date;
  runId: string | null;
  missed: number;
  error: string | null;
}

/** The latest fires of a schedule, newest first. */
export async function listScheduleFires(
  db: Executor,
  scheduleId: string,
  limit: number,
): Promise<ScheduleFire[]> {
  const rows = await db
    .selectFrom("schedule_fires")
    .selectAll()
    .where("schedule_id", "=", scheduleId)
    .orderBy("fire_at", "desc")
    .limit(limit)
    .execute();
  return rows.map((row) => ({
    scheduleId: row.schedule_id,
    fireAt: row.fire_at,
    runId: row.run_id,
    missed: row.missed,
    error: row.error,
  }));
}

/**
 * Deletes up to `limit` fires of any schedule whose fire time is before `before` and returns how many, so
 * that a backlog is cleared in short transactions (the `maintenance.purge` job calls it until fewer than
 * `limit` go). A fire at or after its schedule's next fire time is kept whatever its age: its row is what
 * stops that time from firing twice (rows before the next fire time can never be needed again). Rows are
 * picked through the `fire_at` index and deleted by `ctid`.
 *
 * @param db - The database.
 * @param before - Fires before this time go.
 * @param limit - The most rows deleted.
 */
export async function purgeScheduleFires(db: Executor, before: Date, limit: number): Promise<number> {
  return deleteDueBatch(
    db,
    "schedule_fires",
    sql`schedule_fires.fire_at < ${before}`,
    limit,
    sql`not exists (select 1 from workflow_schedules s where s.id = schedule_fires.schedule_id and s.next_fire_at <= schedule_fires.fire_at)`,
  );
}

/** After a pass: the next fire time and the outcome of the latest fire. */
export async function advanceWorkflowSchedule(
  db: Executor,
  id: string,
  change: { nextFireAt: Date | null; fired?: { at: Date; runId: string | null; error: string | null } },
): Promise<void> {
  await db
    .updateTable("workflow_schedules")
    .set({
      next_fire_at: change.nextFireAt,
      ...(change.fired
        ? { last_fired_at: change.fired.at, last_run_id: change.fired.runId, last_error: change.fired.error }
        : {}),
    })
    .where("id", "=", id)
    .execute();
}

function toSchedule(row: Selectable<WorkflowSchedulesTable>): WorkflowSchedule {
  return {
    id: row.id,
    workspaceId: row.workspace_id,
    environment: row.environment,
    workflowId: row.workflow_id,
    cron: row.cron,
    timezone: row.timezone,
    payload: typeof row.payload === "string" ? JSON.parse(row.payload) : row.payload,
    catchUp: row.catch_up,
    status: row.status,
    nextFireAt: row.next_fire_at,
    lastFiredAt: row.last_fired_at,
    lastRunId: row.last_run_id,
    lastError: row.last_error,
    createdBy: row.created_by,
    createdAt: row.created_at,
    updatedAt: row.updated_at,
  };
}
