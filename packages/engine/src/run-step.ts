import {
  appendRunEvents,
  completeNodeRun,
  deleteRunJob,
  type Executor,
  findRunById,
  findSession,
  insertNodeRun,
  listNodeRunsOfRuns,
  type NewRunEvent,
  type RunChange,
  updateRun,
  updateSessionStatus,
} from "@flowgate/db";
import {
  assertRunTransition,
  type GraphNode,
  getNode,
  isFinalRunStatus,
  newId,
  type RoutingContext,
  type Run,
  type Session,
  sessionResultForOutcome,
  type Transition,
} from "@flowgate/domain";
import { executeNode, type NodeContext, type NodeExecution, resumeNode } from "./nodes/index.ts";
import type { PolicyProviders } from "./policy-provider.ts";
import { type AfterCommit, inTransaction, type UnitOfWorkDeps } from "./unit-of-work.ts";

/** What one call of {@link advanceRun} did. */
export type StepOutcome =
  /** A node ran and the run moved on: call again. */
  | "advanced"
  /** The run waits for something outside (a gate decision): its job is gone. */
  | "parked"
  /** The run reached a final status, or no longer exists: its job is gone. */
  | "finished"
  /** Another worker changed the run while this step ran; nothing was written: call again. */
  | "superseded";

/** A node's execution with the node and when it started. */
interface ExecutedNode extends NodeExecution {
  node: GraphNode;
  startedAt: Date;
}

/** Dependencies of the step executor. */
export interface StepDeps extends UnitOfWorkDeps {
  providers: PolicyProviders;
}

/**
 * Advances a run by one node: executes the current node (outside any transaction, since handlers may
 * do I/O), then in one transaction locks the run, checks nobody advanced it meanwhile, and commits the
 * node run, the run's new state, its events and its session's status; publishes the events after commit.
 */
export async function advanceRun(deps: StepDeps, runId: string): Promise<StepOutcome> {
  const run = await findRunById(deps.db, runId);
  if (!run || isFinalRunStatus(run.status)) {
    await deleteRunJob(deps.db, runId);
    return "finished";
  }
  const session = run.sessionId ? await findSession(deps.db, run, run.sessionId) : undefined;

  if (run.status === "paused") {
    if (!run.pendingSignal) {
      await deleteRunJob(deps.db, runId);
      return "parked";
    }
    const node = getNode(run.graphSnapshot, run.pausedAtNode ?? "");
    const resumed = await resumeNode(node, run.pendingSignal, nodeContext(deps, run, session ?? null));
    return commitStep(deps, run, (trx, after, events) =>
      recordResume(trx, after, run, node, resumed, events),
    );
  }

  const node = getNode(run.graphSnapshot, run.currentNode ?? run.graphSnapshot.entry);
  const startedAt = new Date();
  const execution = await executeNode(node, nodeContext(deps, run, session ?? null));
  return commitStep(deps, run, (trx, after, events) =>
    recordExecution(trx, after, run, { ...execution, node, startedAt }, events),
  );
}

type StepWriter = (
  trx: Executor,
  after: AfterCommit,
  events: NewRunEvent[],
) => Promise<RunChange & { parked: boolean }>;

async function commitStep(deps: StepDeps, seen: Run, write: StepWriter): Promise<StepOutcome> {
  return inTransaction(deps, async (trx, after) => {
    const locked = await findRunById(trx, seen.id, { forUpdate: true });
    if (!locked) return "finished";
    if (
      locked.stepCount !== seen.stepCount ||
      locked.status !== seen.status ||
      locked.lastSeq !== seen.lastSeq
    ) {
      return "superseded";
    }
    const events: NewRunEvent[] = [];
    if (locked.status === "pending")
      events.push({
        type: "run.started",
        data: { workflowId: locked.workflowId, workflowVersion: locked.workflowVersion },
      });
    const change = await write(trx, after, events);
    const { parked, ...runChange } = change;
    if (locked.status === "pending") runChange.startedAt ??= new Date();
    if (runChange.status) {
      // A pending run starts and a paused run resumes (both become running) before this step's own change.
      const from = locked.status === "pending" || locked.status === "paused" ? "running" : locked.status;
      assertRunTransition(from, runChange.status);
    }
    const appended = await appendRunEvents(trx, locked.id, locked.lastSeq, events);
    await updateRun(trx, locked.id, { ...runChange, lastSeq: appended.lastSeq });
    after.publish(...appended.events.map((event) => ({ channel: `run:${locked.id}` as const, event })));
    const final = runChange.status !== undefined && isFinalRunStatus(runChange.status);
    if (final || parked) await deleteRunJob(trx, locked.id);
    return final ? "finished" : parked ? "parked" : "advanced";
  });
}

function nodeContext(deps: StepDeps, run: Run, session: Session | null): NodeContext {
  return {
    run,
    session,
    attempt: 1,
    providers: deps.providers,
    routingContext: () => routingContext(deps, run, session),
  };
}

/** Outputs of the run's completed nodes, the session's metadata and the trigger payload. */
async function routingContext(deps: StepDeps, run: Run, session: Session | null): Promise<RoutingContext> {
  const outputs: Record<string, Record<string, unknown>> = {};
  for (const nodeRun of await listNodeRunsOfRuns(deps.db, [run.id])) {
    if (nodeRun.outputData) outputs[nodeRun.workflowNodeId] = nodeRun.outputData;
  }
  return {
    outputs,
    session: session ? { ...session.metadata, id: session.id, referenceId: session.referenceId } : {},
    payload: run.triggerPayload,
  };
}

async function recordExecution(
  trx: Executor,
  after: AfterCommit,
  run: Run,
  execution: ExecutedNode,
  events: NewRunEvent[],
): Promise<RunChange & { parked: boolean }> {
  const { node, next } = execution;
  const step = run.stepCount + 1;
  const completedAt = new Date();
  const paused = next.kind === "pause";
  const routedTo = next.kind === "goto" ? next.nodeId : null;
  await insertNodeRun(trx, {
    id: newId("nrn"),
    runId: run.id,
    step,
    workflowNodeId: node.id,
    nodeType: node.type,
    status: paused ? "paused" : next.kind === "fail" ? "failed" : "completed",
    taskId: execution.taskId ?? null,
    inputData: execution.input ?? null,
    outputData: execution.output,
    result: execution.result,
    routedTo,
    error: execution.error,
    costCents: execution.costCents ?? 0,
    startedAt: execution.startedAt,
    completedAt: paused ? null : completedAt,
  });
  events.push({ type: "node.started", data: { nodeId: node.id, nodeType: node.type, attempt: 1 } });
  if (paused) {
    events.push({ type: "run.paused", data: { nodeId: node.id, reason: next.reason } });
    // A session waits "externally" only at an external gate; other pauses keep it processing.
    if (run.sessionId && next.reason === "external_gate") {
      await setSessionStatus(trx, after, run.sessionId, "awaiting_external", null);
    }
    return { status: "paused", currentNode: node.id, pausedAtNode: node.id, stepCount: step, parked: true };
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
  return { ...(await applyTransition(trx, after, run, next, events)), ...cost, stepCount: step };
}

async function recordResume(
  trx: Executor,
  after: AfterCommit,
  run: Run,
  node: GraphNode,
  resumed: NodeExecution,
  events: NewRunEvent[],
): Promise<RunChange & { parked: boolean }> {
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
  events.push({ type: "run.resumed", data: { nodeId: node.id, decision: resumed.result } });
  events.push({
    type: "node.completed",
    data: { nodeId: node.id, nodeType: node.type, result: resumed.result ?? "", routedTo, durationMs: 0 },
  });
  const change = await applyTransition(trx, after, run, next, events);
  return { ...change, pausedAtNode: null, pendingSignal: null, status: change.status ?? "running" };
}

async function applyTransition(
  trx: Executor,
  after: AfterCommit,
  run: Run,
  transition: Transition | { kind: "fail"; errorMessage: string },
  events: NewRunEvent[],
): Promise<RunChange & { parked: boolean }> {
  if (transition.kind === "goto") {
    return { status: "running", currentNode: transition.nodeId, parked: false };
  }
  const completedAt = new Date();
  if (transition.kind === "fail") {
    events.push({ type: "run.failed", data: { errorMessage: transition.errorMessage } });
    if (run.sessionId) await setSessionStatus(trx, after, run.sessionId, "failed", null, completedAt);
    return { status: "failed", errorMessage: transition.errorMessage, completedAt, parked: false };
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
    );
  }
  return { status: "completed", finalStatus: transition.outcome, completedAt, parked: false };
}

async function setSessionStatus(
  trx: Executor,
  after: AfterCommit,
  sessionId: string,
  status: "awaiting_external" | "completed" | "failed",
  result: ReturnType<typeof sessionResultForOutcome> | null,
  completedAt?: Date,
): Promise<void> {
  await updateSessionStatus(trx, sessionId, {
    status,
    result,
    ...(completedAt ? { completedAt } : {}),
  });
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
    if (run.sessionId) await setSessionStatus(trx, after, run.sessionId, "failed", null, new Date());
    await deleteRunJob(trx, run.id);
    after.publish(...appended.events.map((event) => ({ channel: `run:${run.id}` as const, event })));
  });
}
