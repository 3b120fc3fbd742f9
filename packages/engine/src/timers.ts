import {
  appendRunEvents,
  changeJobKind,
  deleteJob,
  deleteRunJob,
  deleteSessionJob,
  type Executor,
  findRunById,
  findRunsBySessionIds,
  insertRunAudit,
  insertSessionAudit,
  type Job,
  updateRun,
  updateSessionStatus,
} from "@flowgate/db";
import { canExpireSession, getNode, isFinalRunStatus, newId, type SessionStatus } from "@flowgate/domain";
import { fireQuestionnaireTimer } from "./questionnaires/questionnaire-signals.ts";
import type { AfterCommit, UnitOfWorkDeps } from "./unit-of-work.ts";
import { inTransaction } from "./unit-of-work.ts";
import { recordRunWebhookEvents, recordSessionWebhookEvent } from "./webhooks/outbox.ts";

/**
 * Fires a paused run's durable timer (a `run.timeout` job): a gate's `timeout_seconds`, or the expiry of a
 * questionnaire node's links. If the run still waits at the same node (same node and step) with no signal:
 * a gate records a `timeout` signal and the job becomes the run's next step; a questionnaire node decides
 * its wait again (see `fireQuestionnaireTimer`). Returns whether the run should now be advanced. A timer
 * that lost the race against a decision or a submit does nothing.
 */
export async function fireRunTimer(deps: UnitOfWorkDeps, job: Job, workerId: string): Promise<boolean> {
  if (!job.runId) return false;
  const runId = job.runId;
  const { nodeId, step } = job.payload as { nodeId?: string; step?: number };
  return inTransaction(deps, async (trx, after) => {
    const run = await findRunById(trx, runId, { forUpdate: true });
    const stillWaiting =
      run?.status === "paused" && run.pausedAtNode === nodeId && run.stepCount === step && !run.pendingSignal;
    if (!run || !stillWaiting) {
      await deleteJob(trx, job.id, workerId);
      return false;
    }
    const node = getNode(run.graphSnapshot, run.pausedAtNode ?? "");
    if (node.type === "questionnaire") return fireQuestionnaireTimer(trx, run, node, job, workerId);
    if (node.type !== "wait") {
      await deleteJob(trx, job.id, workerId);
      return false;
    }
    await updateRun(trx, run.id, { pendingSignal: { kind: "timeout" } });
    await insertRunAudit(trx, {
      id: newId("evt"),
      runId: run.id,
      action: "timeout",
      actor: null,
      reason: `gate "${nodeId}" timed out`,
      data: { nodeId },
    });
    if (run.sessionId) await setProcessing(trx, after, run.sessionId);
    await changeJobKind(trx, job.id, workerId, "run.step");
    return true;
  });
}

async function setProcessing(trx: Executor, after: AfterCommit, sessionId: string): Promise<void> {
  await updateSessionStatus(trx, sessionId, { status: "processing" });
  after.publish({
    channel: `session:${sessionId}`,
    event: { sessionId, status: "processing", result: null, at: new Date().toISOString() },
  });
}

/**
 * Expires a session whose `expiresAt` passed: an open session becomes `expired`; a run paused at its
 * gate is cancelled. Sessions that completed, failed or are processing are left alone.
 */
export async function expireSession(deps: UnitOfWorkDeps, job: Job, workerId: string): Promise<void> {
  const sessionId = job.sessionId;
  if (!sessionId) return;
  await inTransaction(deps, async (trx, after) => {
    const [row] = await trx
      .selectFrom("sessions")
      .select(["id", "status", "expires_at"])
      .where("id", "=", sessionId)
      .forUpdate()
      .execute();
    await deleteJob(trx, job.id, workerId);
    if (!row || !canExpireSession(row.status as SessionStatus)) return;
    if (row.expires_at && row.expires_at.getTime() > Date.now()) return;
    await markSessionExpired(trx, after, sessionId, { actor: null, reason: "session expired" });
  });
}

/**
 * Expires a session now, in the caller's transaction (the caller has locked the session and checked that
 * it may expire): it becomes `expired`, its expiry timer is dropped, the expiry is written on its audit
 * trail, and a run that has not ended (paused at a gate) is cancelled with an audit entry of its own.
 *
 * @param trx - The transaction.
 * @param after - Publishes the session's and the run's events after commit.
 * @param sessionId - The session.
 * @param by - Who expired it (`null` for its timer) and why.
 */
export async function markSessionExpired(
  trx: Executor,
  after: AfterCommit,
  sessionId: string,
  by: { actor: string | null; reason: string },
): Promise<void> {
  await updateSessionStatus(trx, sessionId, { status: "expired" });
  await recordSessionWebhookEvent(trx, after, sessionId);
  await deleteSessionJob(trx, sessionId);
  await insertSessionAudit(trx, {
    id: newId("evt"),
    sessionId,
    action: "expire",
    actor: by.actor,
    reason: by.reason,
    data: { explicit: by.actor !== null },
  });
  after.publish({
    channel: `session:${sessionId}`,
    event: { sessionId, status: "expired", result: null, at: new Date().toISOString() },
  });
  const [run] = await findRunsBySessionIds(trx, [sessionId]);
  if (!run || isFinalRunStatus(run.status)) return;
  const locked = await findRunById(trx, run.id, { forUpdate: true });
  if (!locked || isFinalRunStatus(locked.status)) return;
  const appended = await appendRunEvents(trx, locked.id, locked.lastSeq, [
    { type: "run.cancelled", data: { reason: "session expired" } },
  ]);
  await updateRun(trx, locked.id, {
    status: "cancelled",
    completedAt: new Date(),
    pendingSignal: null,
    lastSeq: appended.lastSeq,
  });
  await insertRunAudit(trx, {
    id: newId("evt"),
    runId: locked.id,
    action: "expire",
    actor: by.actor,
    reason: by.reason,
    data: {},
  });
  await deleteRunJob(trx, locked.id);
  await recordRunWebhookEvents(trx, after, locked, appended.events);
  after.publishRunEvents(locked, appended.events);
}
