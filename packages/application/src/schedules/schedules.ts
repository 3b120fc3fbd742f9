import {
  countWorkflowSchedules,
  deleteWorkflowSchedule,
  type Executor,
  findWorkflow,
  findWorkflowPayloadSchema,
  findWorkflowSchedule,
  findWorkflowSchedulesByIds,
  insertWorkflowSchedule,
  listWorkflowSchedules,
  updateWorkflowSchedule,
  type WorkflowScheduleChange,
} from "@flowgate/db";
import {
  cronIssues,
  NotFoundError,
  newId,
  nextCronTime,
  type ScheduleCatchUp,
  ValidationError,
  type ValidationIssue,
  validatePayload,
  type Workflow,
  type WorkflowSchedule,
} from "@flowgate/domain";
import { inTransaction } from "@flowgate/engine";
import { requireScope } from "../access.ts";
import type { Actor } from "../actor.ts";
import { type Application, applicationDeps } from "../application.ts";
import { alignByKey, groupByKey } from "../batch.ts";
import { maxTriggerPayloadBytes } from "../task-workflows/task-workflows.ts";

/** Most schedules one workflow may have. */
export const maxSchedulesPerWorkflow = 50;

/** Input of {@link createSchedule}. */
export interface CreateScheduleInput {
  workflowId: string;
  /** Five-field cron expression (minute hour day-of-month month day-of-week). */
  cron: string;
  /** IANA time zone the expression is read in (default `UTC`). */
  timezone?: string | null | undefined;
  /** The trigger payload of every run (default `{}`), checked against the workflow's payload schema. */
  payload?: Record<string, unknown> | null | undefined;
  /** What happens to fire times missed while no worker ran (default `skip`). */
  catchUp?: ScheduleCatchUp | null | undefined;
}

/** Input of {@link updateSchedule}: absent fields stay as they are. */
export interface UpdateScheduleInput {
  id: string;
  cron?: string | null | undefined;
  timezone?: string | null | undefined;
  payload?: Record<string, unknown> | null | undefined;
  catchUp?: ScheduleCatchUp | null | undefined;
}

/**
 * Creates an active schedule that starts a run of a workspace workflow (of the caller's workspace and
 * environment) with `payload` at every time `cron` matches in `timezone`; `triggeredBy` of those runs is
 * the schedule's id (`sch_…`). Needs `workflows:write`.
 *
 * @throws ValidationError naming `cron`, `timezone`, `payload.<field>` (the workflow's payload schema) or
 *   `workflowId` (too many schedules); NotFoundError for a workflow that is not the caller's.
 */
export async function createSchedule(
  app: Application,
  actor: Actor,
  input: CreateScheduleInput,
): Promise<WorkflowSchedule> {
  requireScope(actor, "workflows:write");
  const deps = applicationDeps(app);
  const now = deps.clock();
  const timezone = input.timezone ?? "UTC";
  const payload = input.payload ?? {};
  const issues = [...cronIssues(input.cron, timezone, now), ...payloadSizeIssues(payload)];
  return inTransaction(deps, async (trx) => {
    const workflow = await requireWorkflow(trx, actor, input.workflowId);
    issues.push(...(await payloadIssues(trx, workflow, payload)));
    if ((await countWorkflowSchedules(trx, workflow.id)) >= maxSchedulesPerWorkflow) {
      issues.push({
        path: ["workflowId"],
        message: `workflow ${workflow.id} already has ${maxSchedulesPerWorkflow} schedules (the most allowed)`,
      });
    }
    if (issues.length > 0) throw new ValidationError("Invalid schedule", issues);
    return insertWorkflowSchedule(trx, actor, {
      id: newId("sch"),
      workflowId: workflow.id,
      cron: input.cron,
      timezone,
      payload,
      catchUp: input.catchUp ?? "skip",
      nextFireAt: nextCronTime(input.cron, timezone, now),
      createdBy: actor.keyId,
    });
  });
}

/**
 * Changes a schedule's expression, zone, payload or catch-up policy (checked as on creation). A new
 * expression or zone of an active schedule moves its next fire time to the first match from now. Needs
 * `workflows:write`.
 *
 * @throws ValidationError naming the field; NotFoundError for a schedule that is not the caller's.
 */
export async function updateSchedule(
  app: Application,
  actor: Actor,
  input: UpdateScheduleInput,
): Promise<WorkflowSchedule> {
  requireScope(actor, "workflows:write");
  const deps = applicationDeps(app);
  const now = deps.clock();
  return inTransaction(deps, async (trx) => {
    const schedule = await requireSchedule(trx, actor, input.id);
    const cron = input.cron ?? schedule.cron;
    const timezone = input.timezone ?? schedule.timezone;
    const issues: ValidationIssue[] = [];
    const change: WorkflowScheduleChange = {};
    if (input.cron != null || input.timezone != null) {
      issues.push(...cronIssues(cron, timezone, now));
      change.cron = cron;
      change.timezone = timezone;
      if (schedule.status === "active" && issues.length === 0)
        change.nextFireAt = nextCronTime(cron, timezone, now);
    }
    if (input.payload != null) {
      issues.push(...payloadSizeIssues(input.payload));
      const workflow = await requireWorkflow(trx, actor, schedule.workflowId);
      issues.push(...(await payloadIssues(trx, workflow, input.payload)));
      change.payload = input.payload;
    }
    if (input.catchUp != null) change.catchUp = input.catchUp;
    if (issues.length > 0) throw new ValidationError("Invalid schedule", issues);
    return updateWorkflowSchedule(trx, schedule.id, change);
  });
}

/**
 * Pauses a schedule: it fires no more (times that pass while paused are not caught up) until resumed.
 * Pausing a paused schedule changes nothing. Needs `workflows:write`.
 */
export async function pauseSchedule(
  app: Application,
  actor: Actor,
  input: { id: string },
): Promise<WorkflowSchedule> {
  requireScope(actor, "workflows:write");
  return inTransaction(applicationDeps(app), async (trx) => {
    const schedule = await requireSchedule(trx, actor, input.id);
    if (schedule.status === "paused") return schedule;
    return updateWorkflowSchedule(trx, schedule.id, { status: "paused", nextFireAt: null });
  });
}

/**
 * Resumes a paused schedule: it fires next at the first match from now. Resuming an active schedule
 * changes nothing. Needs `workflows:write`.
 */
export async function resumeSchedule(
  app: Application,
  actor: Actor,
  input: { id: string },
): Promise<WorkflowSchedule> {
  requireScope(actor, "workflows:write");
  const deps = applicationDeps(app);
  const now = deps.clock();
  return inTransaction(deps, async (trx) => {
    const schedule = await requireSchedule(trx, actor, input.id);
    if (schedule.status === "active") return schedule;
    return updateWorkflowSchedule(trx, schedule.id, {
      status: "active",
      nextFireAt: nextCronTime(schedule.cron, schedule.timezone, now),
    });
  });
}

/** Deletes a schedule and its fire history; the runs it started stay. Needs `workflows:write`. */
export async function deleteSchedule(
  app: Application,
  actor: Actor,
  input: { id: string },
): Promise<WorkflowSchedule> {
  requireScope(actor, "workflows:write");
  return inTransaction(applicationDeps(app), async (trx) => {
    const schedule = await requireSchedule(trx, actor, input.id);
    await deleteWorkflowSchedule(trx, schedule.id);
    return schedule;
  });
}

/**
 * The caller's schedules, of one workflow or all, oldest first (at most
 * {@link maxSchedulesPerWorkflow} per workflow; at most 500 in all). Needs `workflows:read`.
 */
export async function listSchedules(
  app: Application,
  actor: Actor,
  filter: { workflowId?: string | null | undefined } = {},
): Promise<WorkflowSchedule[]> {
  requireScope(actor, "workflows:read");
  return listWorkflowSchedules(applicationDeps(app).db, actor, {
    workflowIds: filter.workflowId != null ? [filter.workflowId] : undefined,
    limit: 500,
  });
}

/** The schedules of each workflow, aligned with `workflowIds` (for DataLoaders). Needs `workflows:read`. */
export async function getSchedulesOfWorkflows(
  app: Application,
  actor: Actor,
  workflowIds: readonly string[],
): Promise<WorkflowSchedule[][]> {
  requireScope(actor, "workflows:read");
  const rows = await listWorkflowSchedules(applicationDeps(app).db, actor, {
    workflowIds,
    limit: workflowIds.length * maxSchedulesPerWorkflow,
  });
  return groupByKey(workflowIds, rows, (row) => row.workflowId);
}

/** Schedules by id, aligned with `ids` (`undefined` where not the caller's). Needs `workflows:read`. */
export async function getSchedulesByIds(
  app: Application,
  actor: Actor,
  ids: readonly string[],
): Promise<(WorkflowSchedule | undefined)[]> {
  requireScope(actor, "workflows:read");
  const rows = await findWorkflowSchedulesByIds(applicationDeps(app).db, actor, ids);
  return alignByKey(ids, rows, (row) => row.id);
}

async function requireWorkflow(trx: Executor, actor: Actor, workflowId: string): Promise<Workflow> {
  const workflow = await findWorkflow(trx, actor, workflowId);
  if (!workflow) throw new NotFoundError("Workflow", workflowId);
  return workflow;
}

async function requireSchedule(trx: Executor, actor: Actor, id: string): Promise<WorkflowSchedule> {
  const schedule = await findWorkflowSchedule(trx, actor, id, { forUpdate: true });
  if (!schedule) throw new NotFoundError("Schedule", id);
  return schedule;
}

function payloadSizeIssues(payload: Record<string, unknown>): ValidationIssue[] {
  const size = Buffer.byteLength(JSON.stringify(payload), "utf8");
  if (size <= maxTriggerPayloadBytes) return [];
  return [
    { path: ["payload"], message: `must be at most ${maxTriggerPayloadBytes} bytes of JSON (is ${size})` },
  ];
}

async function payloadIssues(
  trx: Executor,
  workflow: Workflow,
  payload: Record<string, unknown>,
): Promise<ValidationIssue[]> {
  const schema = await findWorkflowPayloadSchema(trx, workflow.id);
  return schema === null ? [] : validatePayload(schema, payload, ["payload"]);
}
