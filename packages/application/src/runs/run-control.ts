import {
  appendRunEvents,
  deleteRunJob,
  type Executor,
  findRun,
  findRunById,
  findSession,
  insertRunAudit,
  scheduleRunJob,
  updateRun,
  updateSessionStatus,
} from "@flowgate/db";
import {
  assertSessionNotRedacted,
  ConflictError,
  canCancelRun,
  canRetryRun,
  getNode,
  NotFoundError,
  newId,
  type Run,
  type RunAuditEntry,
  type RunEvent,
  ValidationError,
} from "@flowgate/domain";
import {
  type AfterCommit,
  inTransaction,
  recordRunWebhookEvents,
  recordSessionWebhookEvent,
} from "@flowgate/engine";
import { requireScope } from "../access.ts";
import type { Actor } from "../actor.ts";
import { type Application, applicationDeps } from "../application.ts";

/** Records a control action on a run's audit trail. */
export async function audit(
  trx: Executor,
  runId: string,
  action: RunAuditEntry["action"],
  actor: string | null,
  reason: string | null,
  data: Record<string, unknown> = {},
): Promise<void> {
  await insertRunAudit(trx, { id: newId("evt"), runId, action, actor, reason, data });
}

/** Locks a run of the actor's tenant for the transaction, or throws `NotFoundError`. */
export async function lockRun(trx: Executor, actor: Actor, runId: string): Promise<Run> {
  const visible = await findRun(trx, actor, runId);
  const run = visible ? await findRunById(trx, runId, { forUpdate: true }) : undefined;
  if (!run) throw new NotFoundError("Run", runId);
  return run;
}

function publishRun(after: AfterCommit, appended: { events: RunEvent[] }, run: Run) {
  after.publishRunEvents(run, appended.events);
}

function publishSession(after: AfterCommit, sessionId: string, status: string) {
  after.publish({
    channel: `session:${sessionId}`,
    event: { sessionId, status, result: null, at: new Date().toISOString() },
  });
}

/**
 * Cancels a run that has not ended: it stops before its next node (a step in flight is discarded when
 * it tries to commit), its job is removed, and its session becomes `failed` so it can be re-triggered.
 * Needs `workflows:trigger`.
 */
export async function cancelRun(
  app: Application,
  actor: Actor,
  input: { runId: string; reason?: string | null | undefined },
): Promise<Run> {
  requireScope(actor, "workflows:trigger");
  const deps = applicationDeps(app);
  return inTransaction(deps, async (trx, after) => {
    const run = await lockRun(trx, actor, input.runId);
    if (!canCancelRun(run.status)) {
      throw new ConflictError(
        `Run ${run.id} is ${run.status}; only a run that has not ended can be cancelled`,
        run.status,
      );
    }
    const reason = input.reason ?? null;
    const appended = await appendRunEvents(trx, run.id, run.lastSeq, [
      { type: "run.cancelled", data: { reason } },
    ]);
    const completedAt = new Date();
    await updateRun(trx, run.id, {
      status: "cancelled",
      completedAt,
      pendingSignal: null,
      lastSeq: appended.lastSeq,
    });
    await deleteRunJob(trx, run.id);
    await audit(trx, run.id, "cancel", actor.keyId, reason);
    await recordRunWebhookEvents(trx, after, run, appended.events);
    if (run.sessionId) {
      await updateSessionStatus(trx, run.sessionId, { status: "failed", result: null, completedAt });
      await recordSessionWebhookEvent(trx, after, run.sessionId);
      publishSession(after, run.sessionId, "failed");
    }
    publishRun(after, appended, run);
    return { ...run, status: "cancelled", completedAt, pendingSignal: null, lastSeq: appended.lastSeq };
  });
}

/**
 * Re-executes a finished run (completed, failed or cancelled) from `fromNode` on the same version. Its
 * earlier node runs and events stay as history; new ones follow them; the session is processing again.
 * Needs `workflows:trigger`.
 */
export async function retryRun(
  app: Application,
  actor: Actor,
  input: { runId: string; fromNode: string; reason?: string | null | undefined },
): Promise<Run> {
  requireScope(actor, "workflows:trigger");
  const deps = applicationDeps(app);
  return inTransaction(deps, async (trx, after) => {
    const run = await lockRun(trx, actor, input.runId);
    return retryRunFrom(trx, after, actor, run, {
      fromNode: input.fromNode,
      fromNodeField: "fromNode",
      reason: input.reason ?? null,
    });
  });
}

/**
 * The one code path that re-executes a run from a node, inside the caller's transaction, with the run
 * locked: `retryRun` and `retryCheck` both use it. Refuses a run that has not finished, an unknown node
 * (the error names `fromNodeField`) and a session that expired.
 */
export async function retryRunFrom(
  trx: Executor,
  after: AfterCommit,
  actor: Actor,
  run: Run,
  options: {
    fromNode: string;
    fromNodeField: string;
    reason: string | null;
    auditData?: Record<string, unknown>;
  },
): Promise<Run> {
  if (!canRetryRun(run.status)) {
    throw new ConflictError(`Run ${run.id} is ${run.status}; only a finished run can be retried`, run.status);
  }
  if (!run.graphSnapshot.nodes.some((node) => node.id === options.fromNode)) {
    throw new ValidationError("Unknown node", [
      {
        path: [options.fromNodeField],
        message: `node "${options.fromNode}" is not in version ${run.workflowVersion} of the graph`,
      },
    ]);
  }
  if (run.supersededAt) {
    throw new ConflictError(`Run ${run.id} was superseded by a reprocess; it is kept as history`, run.status);
  }
  const node = getNode(run.graphSnapshot, options.fromNode);
  if (run.sessionId) {
    const session = await findSession(trx, run, run.sessionId, { forUpdate: true });
    if (session) assertSessionNotRedacted(session);
    if (session?.status === "expired") {
      throw new ConflictError(`Session ${run.sessionId} has expired; its run cannot be retried`, "expired");
    }
    await updateSessionStatus(trx, run.sessionId, {
      status: "processing",
      result: null,
      completedAt: null,
    });
    publishSession(after, run.sessionId, "processing");
  }
  const reason = options.reason;
  const appended = await appendRunEvents(trx, run.id, run.lastSeq, [
    { type: "run.retried", data: { fromNode: node.id, reason } },
  ]);
  const change = {
    status: "running" as const,
    currentNode: node.id,
    finalStatus: null,
    errorMessage: null,
    pausedAtNode: null,
    pendingSignal: null,
    completedAt: null,
    currentAttempt: 1,
    lastSeq: appended.lastSeq,
  };
  await updateRun(trx, run.id, change);
  await scheduleRunJob(trx, run.id, "run.step");
  await audit(trx, run.id, "retry", actor.keyId, reason, { fromNode: node.id, ...options.auditData });
  after.wake();
  publishRun(after, appended, run);
  return { ...run, ...change };
}
