import {
  advanceWorkflowSchedule,
  claimDueWorkflowSchedules,
  type Executor,
  findWorkflow,
  findWorkflowPayloadSchema,
  insertScheduleFire,
  isDatabaseUnavailableError,
  setScheduleFireOutcome,
} from "@flowgate/db";
import {
  planScheduleFire,
  type Tenant,
  ValidationError,
  validatePayload,
  type WorkflowSchedule,
} from "@flowgate/domain";
import { startRun } from "../start-run.ts";
import { type AfterCommit, inTransaction, type UnitOfWorkDeps } from "../unit-of-work.ts";

/** How a {@link ScheduleRunner} runs. */
export interface ScheduleRunnerOptions {
  /** Pause between passes in ms when nothing was due (default 1000). */
  pollIntervalMs?: number;
  /**
   * How late a fire may be and still count as on time, in ms (default 60,000). A due time older than this
   * when a worker gets to it was missed, and the schedule's catch-up policy decides about it.
   */
  misfireGraceMs?: number;
  /** Schedules fired per pass at most before the pass yields (default 100). */
  batchSize?: number;
  /** The current time (default: the database's clock, which every worker shares); tests move it. */
  clock?: () => Date;
  /** Called with a failure other than the database being unavailable (which only waits for the next pass). */
  onError?: (error: unknown) => void;
}

/** What one fire of a schedule did. */
export interface ScheduleFireResult {
  scheduleId: string;
  /** The fire time the run was started for, or null when the due times were skipped. */
  fireAt: Date | null;
  /** The run started, or null. */
  runId: string | null;
  /** Due times that started no run of their own. */
  missed: number;
  /** Why no run started though one was due (inactive workflow, payload no longer valid), else null. */
  error: string | null;
}

/**
 * Fires the workflow schedules that are due, in the background of each worker process. Each schedule is
 * fired in a transaction of its own that claims its row with `FOR UPDATE SKIP LOCKED` (a worker in another
 * process skips it), records the fire under the unique key (schedule id, fire time), starts the run and
 * moves `next_fire_at` past now, so that a fire happens exactly once however many workers run, and a crash
 * before commit leaves the schedule due for the next worker. Due times that passed while no worker ran are
 * handled by the schedule's catch-up policy (see `planScheduleFire`).
 */
export class ScheduleRunner {
  readonly #deps: UnitOfWorkDeps;
  readonly #pollIntervalMs: number;
  readonly #graceMs: number;
  readonly #batchSize: number;
  readonly #clock: (() => Date) | null;
  readonly #onError: (error: unknown) => void;
  #timer: NodeJS.Timeout | undefined;
  #pass: Promise<unknown> | undefined;
  #running = false;

  constructor(deps: UnitOfWorkDeps, options: ScheduleRunnerOptions = {}) {
    this.#deps = deps;
    this.#pollIntervalMs = options.pollIntervalMs ?? 1000;
    this.#graceMs = options.misfireGraceMs ?? 60_000;
    this.#batchSize = options.batchSize ?? 100;
    this.#clock = options.clock ?? null;
    this.#onError = options.onError ?? (() => {});
  }

  /** Starts firing due schedules every `pollIntervalMs`. */
  start(): void {
    if (this.#running) return;
    this.#running = true;
    this.#schedule(0);
  }

  /** Stops scheduling passes and waits for the one in progress. */
  async stop(): Promise<void> {
    this.#running = false;
    clearTimeout(this.#timer);
    await this.#pass;
  }

  /**
   * One pass: fires every schedule due at the clock's time (up to the batch size), each in its own
   * transaction, and returns what each fire did. A schedule whose fire fails unexpectedly (reported to
   * `onError`) is left for the next pass.
   */
  async fireDue(): Promise<ScheduleFireResult[]> {
    const results: ScheduleFireResult[] = [];
    const failed: string[] = [];
    for (let attempt = 0; attempt < this.#batchSize; attempt++) {
      let result: ScheduleFireResult | null;
      try {
        result = await inTransaction(this.#deps, async (trx, after) => {
          const claimed = await claimDueWorkflowSchedules(trx, this.#clock?.() ?? null, 1, failed);
          const [schedule] = claimed.schedules;
          if (!schedule) return null;
          const now = claimed.now;
          try {
            return await fireSchedule(trx, after, schedule, now, this.#graceMs);
          } catch (error) {
            failed.push(schedule.id);
            throw error;
          }
        });
      } catch (error) {
        if (isDatabaseUnavailableError(error)) throw error;
        this.#onError(error);
        continue;
      }
      if (!result) break;
      results.push(result);
    }
    return results;
  }

  #schedule(delayMs: number): void {
    if (!this.#running) return;
    this.#timer = setTimeout(() => {
      this.#pass = this.fireDue()
        .catch((error: unknown) => {
          if (!isDatabaseUnavailableError(error)) this.#onError(error);
        })
        .finally(() => this.#schedule(this.#pollIntervalMs));
    }, delayMs);
    this.#timer.unref();
  }
}

/**
 * Fires one claimed (locked) due schedule at `now`: plans the fire, records it under its unique key,
 * starts the run unless the workflow is inactive or the payload no longer fits its schema (then the fire
 * records why), and moves the schedule's next fire time past `now`.
 */
async function fireSchedule(
  trx: Executor,
  after: AfterCommit,
  schedule: WorkflowSchedule,
  now: Date,
  graceMs: number,
): Promise<ScheduleFireResult> {
  const nextFireAt = schedule.nextFireAt ?? now;
  const plan = planScheduleFire({ ...schedule, nextFireAt }, now, graceMs);
  const result: ScheduleFireResult = {
    scheduleId: schedule.id,
    fireAt: plan.fireAt,
    runId: null,
    missed: plan.missed,
    error: null,
  };
  if (plan.fireAt === null) {
    await advanceWorkflowSchedule(trx, schedule.id, { nextFireAt: plan.nextFireAt });
    return result;
  }
  const fireAt = plan.fireAt;
  if (!(await insertScheduleFire(trx, { scheduleId: schedule.id, fireAt, missed: plan.missed }))) {
    // Fired before (the row's time was moved back by hand, say): never a second run for the same time.
    await advanceWorkflowSchedule(trx, schedule.id, { nextFireAt: plan.nextFireAt });
    return { ...result, fireAt: null };
  }
  const tenant: Tenant = { workspaceId: schedule.workspaceId, environment: schedule.environment };
  result.error = await startScheduledRun(trx, after, tenant, schedule, fireAt, (runId) => {
    result.runId = runId;
  });
  await setScheduleFireOutcome(trx, {
    scheduleId: schedule.id,
    fireAt,
    runId: result.runId,
    error: result.error,
  });
  await advanceWorkflowSchedule(trx, schedule.id, {
    nextFireAt: plan.nextFireAt,
    fired: { at: fireAt, runId: result.runId, error: result.error },
  });
  return result;
}

/** Starts the run of a fire; answers why it started none, or null. */
async function startScheduledRun(
  trx: Executor,
  after: AfterCommit,
  tenant: Tenant,
  schedule: WorkflowSchedule,
  fireAt: Date,
  started: (runId: string) => void,
): Promise<string | null> {
  const workflow = await findWorkflow(trx, tenant, schedule.workflowId);
  if (!workflow) return `workflow ${schedule.workflowId} not found`;
  if (workflow.status !== "active") return `workflow ${workflow.id} is inactive`;
  const payloadSchema = await findWorkflowPayloadSchema(trx, workflow.id);
  if (payloadSchema !== null) {
    const issues = validatePayload(payloadSchema, schedule.payload, ["payload"]);
    if (issues.length > 0) {
      return `payload no longer fits the workflow's payload schema: ${issues
        .map((issue) => `${issue.path.join(".")} ${issue.message}`)
        .join("; ")}`;
    }
  }
  try {
    const run = await startRun(trx, after, tenant, {
      workflow,
      session: null,
      triggerPayload: schedule.payload,
      triggeredBy: schedule.id,
      rolloutKey: `${schedule.id}:${fireAt.toISOString()}`,
    });
    started(run.id);
    return null;
  } catch (error) {
    if (error instanceof ValidationError) return error.issues.map((issue) => issue.message).join("; ");
    throw error;
  }
}
