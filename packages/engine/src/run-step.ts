import {
  appendRunEvents,
  type CheckAttemptRecord,
  completeNodeRun,
  deleteRunJob,
  type Executor,
  endCheckAttempt,
  findRunById,
  findSession,
  type JobKind,
  listNodeRunsOfRuns,
  type NewNodeRun,
  type NewRunEvent,
  type RunChange,
  recordCheckAttempts,
  scheduleRunJob,
  updateRun,
  updateSessionStatusReturning,
  updateSessionStatusStoringRisk,
  writeRunStep,
} from "@flowgate/db";
import {
  assertNever,
  assertRunTransition,
  assessSessionRisk,
  type GraphNode,
  getNode,
  isCurrentNodeStarted,
  isFinalRunStatus,
  newId,
  type RiskAssessmentResult,
  type RiskCheckInput,
  type RoutingContext,
  type Run,
  type RunEvent,
  type Session,
  sessionResultForOutcome,
  type Transition,
} from "@flowgate/domain";
import {
  beginNode,
  executeNode,
  isImmediateNode,
  isIoNode,
  type NodeContext,
  type NodeExecution,
  resumeNode,
} from "./nodes/index.ts";
import type { PolicyProviders } from "./policy-provider.ts";
import { signalQuestionnaireRun } from "./questionnaires/questionnaire-signals.ts";
import { type AfterCommit, inTransaction, type UnitOfWorkDeps } from "./unit-of-work.ts";
import {
  noteEnabledWebhookEndpoint,
  recordRunWebhookEvents,
  recordSessionWebhookEvent,
} from "./webhooks/outbox.ts";

/** What one call of {@link advanceRun} did. */
export type StepOutcome =
  /** A node ran (or an I/O node was started) and the run moved on: call again. */
  | "advanced"
  /** The run waits for something outside (a gate decision): its job is gone. */
  | "parked"
  /** The run reached a final status, or no longer exists: its job is gone. */
  | "finished"
  /** The run's next step is scheduled for later (a retry's backoff): its job was rescheduled. */
  | "delayed"
  /** Another worker changed the run while this step ran; nothing was written: call again. */
  | "superseded";

/** A node's execution with the node and when it started. */
interface ExecutedNode extends NodeExecution {
  node: GraphNode;
  startedAt: Date;
  /** Its `node.started` was committed by an earlier step (an I/O node): the commit does not repeat it. */
  startCommitted: boolean;
}

/** Dependencies of the step executor. */
export interface StepDeps extends UnitOfWorkDeps {
  providers: PolicyProviders;
  /** Base delay of retry backoff in ms (default 1000): attempt n waits base·2^(n-1) ± 25 % jitter, at most 5 min. */
  retryBaseMs?: number;
}

/** What happens to the run's job once a step commits. */
type JobPlan =
  /** The run goes on: the worker keeps the job and executes the next node. */
  | { kind: "keep" }
  /** The run parked without a timer or ended: the job is deleted. */
  | { kind: "delete" }
  /** The job is rescheduled (a retry's backoff, or a gate's timeout timer). */
  | {
      kind: "schedule";
      jobKind: JobKind;
      runAt: Date;
      payload?: Record<string, unknown>;
      outcome: "parked" | "delayed";
    };

/** A step's effect on the run row and on its job. */
interface StepResult {
  change: RunChange;
  job: JobPlan;
}

/**
 * Delay before retry `attempt` (1-based: the delay after the first failed attempt is attempt 1):
 * exponential with ±25 % jitter, capped at 5 minutes.
 */
export function retryDelayMs(attempt: number, baseMs = 1000, random: () => number = Math.random): number {
  const exponential = Math.min(300_000, baseMs * 2 ** (attempt - 1));
  return Math.round(exponential * (0.75 + random() * 0.5));
}

/** How {@link stepRun} commits. */
export interface StepOptions {
  /**
   * Whether the step's own statement announces its run events (when the bus can: `EventBus.notificationsOf`),
   * saving the round trip of publishing them after commit. Only for a step that commits alone: a
   * transaction that notifies holds PostgreSQL's notify lock through its commit's WAL flush, so concurrent
   * notifying commits would go one at a time (default false: publish after commit).
   */
  announceInStatement?: boolean;
}

/** What a worker remembers about a run between the steps of one claim, to skip re-reading it. */
export interface RunCursor {
  run: Run;
  session: Session | null;
  /** Outputs of completed nodes, loaded on first need and kept current. */
  outputs: Record<string, Record<string, unknown>> | null;
  /** Outputs produced before `outputs` was loaded (merged over it on load). */
  pendingOutputs?: Record<string, Record<string, unknown>>;
}

/**
 * Advances a run by one step; see {@link stepRun}. Returns only the outcome (each call re-reads the run).
 */
export async function advanceRun(deps: StepDeps, runId: string): Promise<StepOutcome> {
  return (await stepRun(deps, runId)).outcome;
}

/** At most this many nodes are committed in one step. */
const maxNodesPerStep = 32;

/**
 * Advances a run by one step. Nodes without I/O (start, conditional, terminal, and the nodes that pause)
 * are executed and committed together with their neighbours; a node that does I/O (a policy check, a task)
 * is split over two commits, so that live progress shows it running while it runs:
 *
 * 1. the step that reaches it commits its `node.started` (and what its `start` hook claims, such as a
 *    task's budget) together with the nodes before it, and records the start on the run (`nodeStarted`);
 * 2. the next step executes it outside any transaction, then commits its node run and `node.completed`
 *    together with the nodes without I/O after it, up to the start of the next I/O node.
 *
 * An I/O node whose execution does no I/O after all (`NodeHandler.immediate`: a sandbox check computed in
 * memory) runs inline like a node without I/O, so a run made of such nodes commits in one step: nothing is
 * awaited that live progress could show running, and subscribers still get every event, in order.
 *
 * Each commit is one transaction that records the node runs, the events, the session's status and the
 * run's new state, and applies only if the run is still at the version the step read (and the
 * `(run_id, step)` / `(run_id, seq)` keys refuse duplicates), so a step that lost a race to another worker
 * or to a cancel writes nothing ("superseded") and its I/O is repeated by whoever runs it next. Events are
 * published after commit. Pass the returned cursor to the next call to skip re-reading the run.
 *
 * Crash safety: a worker that dies after a start and before the completion leaves the run "started" at
 * the node; the worker that takes the run over executes that same attempt again (same attempt number, same
 * task `Idempotency-Key`) without a second `node.started`, so a run's events show one `node.started` per
 * attempt whatever happened to the workers, and the node's `durationMs` counts from the first start.
 */
export async function stepRun(
  deps: StepDeps,
  runId: string,
  cursor?: RunCursor,
  options: StepOptions = {},
): Promise<{ outcome: StepOutcome; cursor?: RunCursor }> {
  const run = cursor?.run ?? (await findRunById(deps.db, runId));
  if (!run || isFinalRunStatus(run.status)) {
    await deleteRunJob(deps.db, runId);
    return { outcome: "finished" };
  }
  const session =
    cursor?.session ?? (run.sessionId ? ((await findSession(deps.db, run, run.sessionId)) ?? null) : null);
  // A run that has not executed a node yet has no outputs: no need to read them.
  const outputs = cursor?.outputs ?? (run.stepCount === 0 ? {} : null);
  const state: RunCursor = { run, session, outputs };

  let resumed: { node: GraphNode; execution: NodeExecution } | null = null;
  let working = run;
  if (run.status === "paused") {
    if (!run.pendingSignal) {
      // Nothing to resume with: drop a stray step job, but keep a gate's timer.
      await deleteRunJob(deps.db, runId, "run.step");
      return { outcome: "parked" };
    }
    const node = getNode(run.graphSnapshot, run.pausedAtNode ?? "");
    const execution = await resumeNode(node, run.pendingSignal, nodeContext(deps, state));
    resumed = { node, execution };
    remember(state, node.id, execution.output);
    if (execution.next.kind !== "goto") return commitStep(deps, state, resumed, [], null, options);
    working = { ...run, status: "running", currentNode: execution.next.nodeId, pausedAtNode: null };
  }

  const executions: ExecutedNode[] = [];
  let toStart: GraphNode | null = null;
  while (executions.length < maxNodesPerStep) {
    const node = getNode(run.graphSnapshot, working.currentNode ?? run.graphSnapshot.entry);
    let startedAt = new Date();
    let startCommitted = false;
    if (isIoNode(node)) {
      // An I/O node runs only once its start is committed, and then first in its step — unless this
      // execution does no I/O after all (a sandbox check): then it runs inline like its neighbours.
      const started = executions.length === 0 && !resumed && isCurrentNodeStarted(working, node.id);
      if (started) {
        startedAt = working.nodeStarted?.at ?? startedAt;
        startCommitted = true;
      } else if (!isImmediateNode(node, nodeContext(deps, state, working))) {
        toStart = node;
        break;
      }
    }
    const execution = await executeNode(node, nodeContext(deps, state, working));
    executions.push({ ...execution, node, startedAt, startCommitted });
    if (execution.next.kind !== "goto" || willRetry(node, execution, working.currentAttempt)) break;
    remember(state, node.id, execution.output);
    working = {
      ...working,
      currentNode: execution.next.nodeId,
      stepCount: working.stepCount + 1,
      currentAttempt: 1,
      nodeStarted: null,
    };
  }
  return commitStep(deps, state, resumed, executions, toStart, options);
}

/** Whether the engine will retry this execution rather than follow its route. */
function willRetry(node: GraphNode, execution: NodeExecution, attempt: number): boolean {
  const retries = "retries" in node && typeof node.retries === "number" ? node.retries : 0;
  return execution.result === "error" && attempt <= retries;
}

/** Keeps a node's output for the conditions of the nodes after it (before and after commit). */
function remember(state: RunCursor, nodeId: string, output: Record<string, unknown> | null): void {
  if (!output) return;
  if (state.outputs) {
    state.outputs[nodeId] = output;
  } else {
    state.pendingOutputs = { ...state.pendingOutputs, [nodeId]: output };
  }
}

type StepWriter = (
  trx: Executor,
  after: AfterCommit,
  events: NewRunEvent[],
  nodeRuns: NewNodeRun[],
  checks: StepChecks,
) => Promise<StepResult>;

/**
 * The check attempts a step records (its inline checks, and the start of the check it starts), written
 * together and in order before anything reads them (the risk assessment of a run that ends in this step,
 * and the step's own commit): one statement, unless a check repeats or a start follows ends (see
 * `recordCheckAttempts`). All in the step's transaction: a step that rolls back writes none.
 */
class StepChecks {
  readonly #trx: Executor;
  readonly #tenant: Run;
  readonly #pending: CheckAttemptRecord[] = [];

  constructor(trx: Executor, tenant: Run) {
    this.#trx = trx;
    this.#tenant = tenant;
  }

  /** Records this attempt with the step's other check writes. */
  add(attempt: CheckAttemptRecord): void {
    this.#pending.push(attempt);
  }

  /** Writes the attempts added so far. */
  async flush(): Promise<void> {
    if (this.#pending.length > 0) await recordCheckAttempts(this.#trx, this.#tenant, this.#pending.splice(0));
  }

  /** Writes the attempts added so far and returns the risk inputs of `runId` (its checks, with them). */
  async flushReturningRiskInputs(runId: string): Promise<RiskCheckInput[]> {
    return recordCheckAttempts(this.#trx, this.#tenant, this.#pending.splice(0), { riskInputsOf: runId });
  }
}

/** Thrown inside a step's transaction to roll it back when the run moved on meanwhile. */
class SupersededStep extends Error {}

function isUniqueViolation(error: unknown): boolean {
  return typeof error === "object" && error !== null && (error as { code?: unknown }).code === "23505";
}

async function commitStep(
  deps: StepDeps,
  state: RunCursor,
  resumed: { node: GraphNode; execution: NodeExecution } | null,
  executions: readonly ExecutedNode[],
  toStart: GraphNode | null,
  options: StepOptions,
): Promise<{ outcome: StepOutcome; cursor?: RunCursor }> {
  const seen = state.run;
  const { bus } = deps;
  const announce =
    options.announceInStatement && bus.notificationsOf
      ? (events: readonly RunEvent[]) =>
          bus.notificationsOf?.(events.map((event) => ({ channel: `run:${seen.id}` as const, event })))
      : undefined;
  const write: StepWriter = async (trx, after, events, nodeRuns, checks) => {
    let current = seen;
    let combined: StepResult = { change: {}, job: { kind: "keep" } };
    const merge = (result: StepResult) => {
      const addCostCents = (combined.change.addCostCents ?? 0) + (result.change.addCostCents ?? 0);
      combined = {
        change: { ...combined.change, ...result.change, ...(addCostCents ? { addCostCents } : {}) },
        job: result.job,
      };
      current = applyChange(current, result.change, current.lastSeq);
    };
    if (resumed)
      merge(await recordResume(trx, after, current, resumed.node, resumed.execution, events, checks));
    for (const execution of executions)
      merge(await recordExecution(deps, trx, after, current, execution, events, nodeRuns, checks));
    if (toStart) {
      const attempt = current.currentAttempt;
      const refusal = await beginNode(toStart, { run: current, attempt, trx });
      if (refusal) {
        // The start hook ended the node before any I/O (its budget is spent): record that instead.
        const ended = { ...refusal, node: toStart, startedAt: new Date(), startCommitted: false };
        merge(await recordExecution(deps, trx, after, current, ended, events, nodeRuns, checks));
      } else {
        events.push({ type: "node.started", data: { nodeId: toStart.id, nodeType: toStart.type, attempt } });
        // The start is the step's last event: its seq marks the run as started at this node.
        const nodeStarted = { seq: seen.lastSeq + events.length, at: new Date() };
        if (toStart.type === "policy" && seen.sessionId) {
          // A session's policy node is a verification check: its attempt starts with the same commit.
          checks.add({
            start: {
              sessionId: seen.sessionId,
              runId: seen.id,
              nodeId: toStart.id,
              policy: toStart.policy,
              startedSeq: nodeStarted.seq,
              startedAt: nodeStarted.at,
            },
          });
        }
        merge({
          change: { status: "running", currentNode: toStart.id, nodeStarted },
          job: { kind: "keep" },
        });
      }
    }
    return combined;
  };
  /** The step's events, node runs, run change and job plan, written through `trx`. */
  const prepare = async (trx: Executor, after: AfterCommit): Promise<PreparedStep> => {
    const events: NewRunEvent[] = [];
    if (seen.status === "pending") {
      events.push({
        type: "run.started",
        data: { workflowId: seen.workflowId, workflowVersion: seen.workflowVersion },
      });
    }
    const nodeRuns: NewNodeRun[] = [];
    const checks = new StepChecks(trx, seen);
    const { change, job } = await write(trx, after, events, nodeRuns, checks);
    await checks.flush();
    if (seen.status === "pending") change.startedAt ??= new Date();
    if (change.status) {
      // A pending run starts and a paused run resumes (both become running) before this step's own change.
      const from = seen.status === "pending" || seen.status === "paused" ? "running" : seen.status;
      assertRunTransition(from, change.status);
    }
    return { events, nodeRuns, change, job };
  };
  const nextCursor = (change: RunChange, lastSeq: number): RunCursor => ({
    run: applyChange(seen, change, lastSeq),
    session: state.session,
    outputs: state.outputs,
    ...(state.pendingOutputs ? { pendingOutputs: state.pendingOutputs } : {}),
  });
  try {
    return await inTransaction(deps, async (trx, after) => {
      const { events, nodeRuns, change, job } = await prepare(trx, after);
      // Node runs, events, the guarded run update (and the job's delete) go to the database as one
      // statement. The events are published after commit, not with `pg_notify` in this statement: a
      // transaction that notifies holds PostgreSQL's notify lock through its commit's WAL flush, so
      // notifying writes commit one at a time, while the bus's separate NOTIFY (a read-only transaction,
      // no flush) lets concurrent steps share their flushes. The engine's lanes do not wait for it. A step
      // that commits alone (`announceInStatement`) has no one to share a flush with: its statement
      // notifies, and the events go out with the commit, one round trip sooner.
      const appended = await writeRunStep(trx, {
        runId: seen.id,
        expected: seen,
        change,
        events,
        nodeRuns,
        // A run that parks without a timer or ends loses its job in the same statement.
        ...(job.kind === "delete" ? { deleteJob: true } : {}),
        ...(announce ? { notify: announce } : {}),
      });
      if (!appended.applied) throw new SupersededStep();
      await recordRunWebhookEvents(trx, after, seen, appended.events);
      if (appended.notified) after.reportRunEvents(seen, appended.events);
      else after.publishRunEvents(seen, appended.events);
      const next = nextCursor(change, appended.lastSeq);
      switch (job.kind) {
        case "keep":
          return { outcome: "advanced" as const, cursor: next };
        case "delete":
          // Deleted by the step's statement (`deleteJob`).
          // A run pausing at a questionnaire node may be done waiting already (its response was submitted
          // before it got here); otherwise it waits with a durable link-expiry timer.
          if (
            change.status === "paused" &&
            change.pausedAtNode &&
            getNode(seen.graphSnapshot, change.pausedAtNode).type === "questionnaire"
          ) {
            await signalQuestionnaireRun(trx, after, seen.id);
          }
          return {
            outcome:
              change.status !== undefined && isFinalRunStatus(change.status)
                ? ("finished" as const)
                : ("parked" as const),
          };
        case "schedule":
          await scheduleRunJob(trx, seen.id, job.jobKind, {
            runAt: job.runAt,
            ...(job.payload ? { payload: job.payload } : {}),
          });
          after.wake();
          return { outcome: job.outcome };
        default:
          return assertNever(job);
      }
    });
  } catch (error) {
    if (error instanceof SupersededStep || isUniqueViolation(error)) return { outcome: "superseded" };
    throw error;
  }
}

/** What a step writes, computed inside the transaction that writes it. */
interface PreparedStep extends StepResult {
  events: NewRunEvent[];
  nodeRuns: NewNodeRun[];
}

/** The run as it is after a committed step (what the database now holds). */
function applyChange(run: Run, change: RunChange, lastSeq: number): Run {
  const { addCostCents, ...fields } = change;
  const next: Run = { ...run, lastSeq, totalCostCents: run.totalCostCents + (addCostCents ?? 0) };
  for (const [key, value] of Object.entries(fields)) {
    if (value !== undefined) (next as unknown as Record<string, unknown>)[key] = value;
  }
  return next;
}

/** The context a handler sees: the run as it stands before this node (`run`, default the cursor's). */
function nodeContext(deps: StepDeps, state: RunCursor, run: Run = state.run): NodeContext {
  return {
    run,
    session: state.session,
    attempt: run.currentAttempt,
    providers: deps.providers,
    routingContext: () => routingContext(deps, state),
    db: deps.db,
  };
}

/** Outputs of the run's completed nodes (cached on the cursor), the session's metadata and the payload. */
async function routingContext(deps: StepDeps, state: RunCursor): Promise<RoutingContext> {
  if (!state.outputs) {
    const outputs: Record<string, Record<string, unknown>> = {};
    for (const nodeRun of await listNodeRunsOfRuns(deps.db, [state.run.id])) {
      if (nodeRun.outputData) outputs[nodeRun.workflowNodeId] = nodeRun.outputData;
    }
    state.outputs = { ...outputs, ...state.pendingOutputs };
    delete state.pendingOutputs;
  }
  const { session, run } = state;
  return {
    outputs: state.outputs ?? {},
    session: session ? { ...session.metadata, id: session.id, referenceId: session.referenceId } : {},
    payload: run.triggerPayload,
  };
}

async function recordExecution(
  deps: StepDeps,
  trx: Executor,
  after: AfterCommit,
  run: Run,
  execution: ExecutedNode,
  events: NewRunEvent[],
  nodeRuns: NewNodeRun[],
  checks: StepChecks,
): Promise<StepResult> {
  const { node, next } = execution;
  const attempt = run.currentAttempt;
  if (!execution.startCommitted) {
    events.push({ type: "node.started", data: { nodeId: node.id, nodeType: node.type, attempt } });
  }
  // The attempt ends here (completed, paused, or retried later): the run is no longer "started" at it.
  const startEnded: RunChange = execution.startCommitted ? { nodeStarted: null } : {};

  const retries = "retries" in node && typeof node.retries === "number" ? node.retries : 0;
  const retrying = execution.result === "error" && attempt <= retries;
  if (node.type === "policy" && run.sessionId) {
    const ended = {
      runId: run.id,
      nodeId: node.id,
      outcome: execution.result ?? "error",
      error: execution.error,
      providerReference: execution.providerReference ?? null,
      output: execution.output,
      completedAt: new Date(),
      checkStatus: retrying ? "retrying" : checkStatusOf(execution.result),
    } as const;
    if (execution.startCommitted) {
      if (run.nodeStarted) {
        await checks.flush();
        await endCheckAttempt(trx, { ...ended, startedSeq: run.nodeStarted.seq });
      }
    } else {
      // Executed inline (its provider answered at once): the attempt starts and ends in this commit, keyed
      // by the `node.started` just appended; written with the step's other inline checks.
      checks.add({
        start: {
          runId: run.id,
          nodeId: node.id,
          sessionId: run.sessionId,
          policy: node.policy,
          startedSeq: run.lastSeq + events.length,
          startedAt: execution.startedAt,
        },
        end: ended,
      });
    }
  }
  if (retrying) {
    const nextAttemptAt = new Date(Date.now() + retryDelayMs(attempt, deps.retryBaseMs));
    events.push({
      type: "node.retrying",
      data: { nodeId: node.id, attempt, nextAttemptAt: nextAttemptAt.toISOString(), error: execution.error },
    });
    return {
      change: { ...startEnded, status: "running", currentNode: node.id, currentAttempt: attempt + 1 },
      job: { kind: "schedule", jobKind: "run.step", runAt: nextAttemptAt, outcome: "delayed" },
    };
  }

  const step = run.stepCount + 1;
  const completedAt = new Date();
  const paused = next.kind === "pause";
  const routedTo = next.kind === "goto" ? next.nodeId : null;
  nodeRuns.push({
    id: newId("nrn"),
    runId: run.id,
    step,
    workflowNodeId: node.id,
    nodeType: node.type,
    status: paused ? "paused" : next.kind === "fail" ? "failed" : "completed",
    taskId: execution.taskId ?? null,
    inputData: execution.input ?? null,
    outputData: execution.output,
    attempts: attempt,
    result: execution.result,
    routedTo,
    error: execution.error,
    costCents: execution.costCents ?? 0,
    startedAt: execution.startedAt,
    completedAt: paused ? null : completedAt,
  });
  if (paused) {
    events.push({ type: "run.paused", data: { nodeId: node.id, reason: next.reason } });
    // A session waits "externally" only at an external gate; other pauses keep it processing.
    if (run.sessionId && next.reason === "external_gate") {
      await setSessionStatus(trx, after, run.sessionId, "awaiting_external", null);
    }
    const change: RunChange = {
      ...startEnded,
      status: "paused",
      currentNode: node.id,
      pausedAtNode: node.id,
      stepCount: step,
      currentAttempt: 1,
    };
    // A gate with a timeout parks with a durable timer: its job waits in the queue until then.
    if (node.type === "wait" && node.timeout_seconds) {
      const runAt = new Date(Date.now() + node.timeout_seconds * 1000);
      return {
        change,
        job: {
          kind: "schedule",
          jobKind: "run.timeout",
          runAt,
          payload: { nodeId: node.id, step },
          outcome: "parked",
        },
      };
    }
    return { change, job: { kind: "delete" } };
  }
  events.push({
    type: "node.completed",
    data: {
      nodeId: node.id,
      nodeType: node.type,
      result: execution.result ?? "",
      routedTo,
      durationMs: completedAt.getTime() - execution.startedAt.getTime(),
    },
  });
  const cost = execution.costCents ? { addCostCents: execution.costCents } : {};
  const transition = await applyTransition(trx, after, run, next, events, checks);
  return {
    change: { ...startEnded, ...transition.change, ...cost, stepCount: step, currentAttempt: 1 },
    job: transition.job,
  };
}

/** A finished check's status for its outcome. */
function checkStatusOf(result: string | null): "passed" | "failed" | "errored" {
  if (result === "pass") return "passed";
  if (result === "fail") return "failed";
  return "errored";
}

async function recordResume(
  trx: Executor,
  after: AfterCommit,
  run: Run,
  node: GraphNode,
  resumed: NodeExecution,
  events: NewRunEvent[],
  checks: StepChecks,
): Promise<StepResult> {
  const next = resumed.next;
  if (next.kind === "pause") throw new Error(`node "${node.id}" paused again while resuming`);
  const routedTo = next.kind === "goto" ? next.nodeId : null;
  const completedAt = new Date();
  await completeNodeRun(trx, run.id, run.stepCount, {
    result: resumed.result ?? "",
    routedTo,
    outputData: resumed.output,
    completedAt,
  });
  const decision = run.pendingSignal?.kind === "decision" ? run.pendingSignal.decision : null;
  events.push({
    type: "run.resumed",
    data: { nodeId: node.id, decision, signal: run.pendingSignal?.kind ?? null },
  });
  events.push({
    type: "node.completed",
    data: { nodeId: node.id, nodeType: node.type, result: resumed.result ?? "", routedTo, durationMs: 0 },
  });
  const transition = await applyTransition(trx, after, run, next, events, checks);
  return {
    change: { ...transition.change, pausedAtNode: null, pendingSignal: null },
    job: transition.job,
  };
}

async function applyTransition(
  trx: Executor,
  after: AfterCommit,
  run: Run,
  transition: Transition | { kind: "fail"; errorMessage: string },
  events: NewRunEvent[],
  checks: StepChecks,
): Promise<StepResult> {
  if (transition.kind === "goto") {
    return { change: { status: "running", currentNode: transition.nodeId }, job: { kind: "keep" } };
  }
  const completedAt = new Date();
  // A session's run that ends gets its risk assessment from its checks, stored with the session's status
  // in the same commit.
  const risk = run.sessionId ? await assessRunRisk(checks, run, run.sessionId) : undefined;
  if (transition.kind === "fail") {
    events.push({ type: "run.failed", data: { errorMessage: transition.errorMessage } });
    if (run.sessionId) await setSessionStatus(trx, after, run.sessionId, "failed", null, completedAt, risk);
    return {
      change: { status: "failed", errorMessage: transition.errorMessage, completedAt },
      job: { kind: "delete" },
    };
  }
  events.push({ type: "run.completed", data: { finalStatus: transition.outcome } });
  if (run.sessionId) {
    await setSessionStatus(
      trx,
      after,
      run.sessionId,
      "completed",
      sessionResultForOutcome(transition.outcome),
      completedAt,
      risk,
    );
  }
  return {
    change: { status: "completed", finalStatus: transition.outcome, completedAt },
    job: { kind: "delete" },
  };
}

/** A session's run's risk assessment, to store with the session's status. */
interface RunRisk {
  run: Run & { sessionId: string };
  assessment: RiskAssessmentResult;
}

/**
 * Computes the risk of a session's run with the domain's rules (versioned; see `assessSessionRisk`) from
 * its checks: those of this run's earlier commits, and this step's, which the same statement writes.
 */
async function assessRunRisk(checks: StepChecks, run: Run, sessionId: string): Promise<RunRisk> {
  const inputs = await checks.flushReturningRiskInputs(run.id);
  return { run: { ...run, sessionId }, assessment: assessSessionRisk(inputs) };
}

async function setSessionStatus(
  trx: Executor,
  after: AfterCommit,
  sessionId: string,
  status: "awaiting_external" | "completed" | "failed",
  result: ReturnType<typeof sessionResultForOutcome> | null,
  completedAt?: Date,
  risk?: RunRisk,
): Promise<void> {
  // The update returns the session and whether its tenant has a webhook endpoint, so its webhook event
  // (and the run's) need no read of their own; a run that ends stores its risk assessment with it.
  const change = { status, result, ...(completedAt ? { completedAt } : {}) };
  const updated = risk
    ? await updateSessionStatusStoringRisk(trx, sessionId, change, risk)
    : await updateSessionStatusReturning(trx, sessionId, change);
  if (updated) {
    noteEnabledWebhookEndpoint(after, updated.session, updated.hasEnabledWebhookEndpoint);
    await recordSessionWebhookEvent(trx, after, updated.session);
  }
  after.publish({
    channel: `session:${sessionId}`,
    event: { sessionId, status, result, at: new Date().toISOString() },
  });
}

/** Marks a run failed with `errorMessage` (its graph cannot proceed) and fails its session. */
export async function failRun(deps: UnitOfWorkDeps, runId: string, errorMessage: string): Promise<void> {
  await inTransaction(deps, async (trx, after) => {
    const run = await findRunById(trx, runId, { forUpdate: true });
    if (!run || isFinalRunStatus(run.status)) return;
    const appended = await appendRunEvents(trx, run.id, run.lastSeq, [
      { type: "run.failed", data: { errorMessage } },
    ]);
    await updateRun(trx, run.id, {
      status: "failed",
      errorMessage,
      completedAt: new Date(),
      lastSeq: appended.lastSeq,
      pendingSignal: null,
    });
    await recordRunWebhookEvents(trx, after, run, appended.events);
    if (run.sessionId) await setSessionStatus(trx, after, run.sessionId, "failed", null, new Date());
    await deleteRunJob(trx, run.id);
    after.publishRunEvents(run, appended.events);
  });
}
