import {
  appendRunEvents,
  deleteRunJob,
  deleteSessionJobs,
  type Executor,
  findActiveLegalHold,
  findRunsBySessionIds,
  hasEnabledWebhookEndpoint,
  insertRunAudit,
  markSessionRedacted,
  redactSubjectRows,
  revokeLinksOfSessions,
  updateRun,
  updateSessionStatus,
} from "@flowgate/db";
import { canCancelRun, type Session as DomainSession, LegalHoldError, newId } from "@flowgate/domain";
import type { AfterCommit } from "../unit-of-work.ts";
import { recordRunWebhookEvents, recordWebhookEvent } from "../webhooks/outbox.ts";

/**
 * What follows the removal of sessions' personal data, in the same transaction: their verification links
 * are revoked (the capture page closes) and each session records a `session.redacted` webhook event —
 * after the scrub, so its body (ids, status, when and by whom; no personal data) stays whole.
 *
 * @param sessions - The sessions as they are now, each with its redaction.
 */
export async function afterSessionsRedacted(
  trx: Executor,
  after: AfterCommit | null,
  sessions: readonly Pick<
    DomainSession,
    "id" | "workspaceId" | "environment" | "status" | "result" | "workflowId" | "createdAt" | "completedAt"
  >[],
  redaction: { at: Date; by: string },
): Promise<void> {
  if (sessions.length === 0) return;
  await revokeLinksOfSessions(
    trx,
    sessions.map((session) => session.id),
    redaction.at,
  );
  const [first] = sessions;
  // Most workspaces have no endpoint: then no event is stored (as for every other event type).
  if (!first || !(await hasEnabledWebhookEndpoint(trx, first))) return;
  for (const session of sessions) {
    await recordWebhookEvent(
      trx,
      after,
      session,
      "session.redacted",
      {
        object: "session",
        id: session.id,
        status: session.status,
        result: session.result,
        workflow_id: session.workflowId,
        created_at: session.createdAt.toISOString(),
        completed_at: session.completedAt?.toISOString() ?? null,
        redacted_at: redaction.at.toISOString(),
        redacted_by: redaction.by,
      },
      { sessionId: session.id },
    );
  }
}

/** What {@link redactSessionData} did. */
export interface SessionRedactionOutcome {
  /** The session as it is now (redacted). */
  session: DomainSession;
  /** False when it had been redacted already (nothing was changed). */
  changed: boolean;
  /** Rows rewritten per table (empty when nothing changed). */
  rows: Record<string, number>;
}

/**
 * Removes a session's personal data in the caller's transaction, following the one personal-data definition
 * (`personalDataPolicy` in `@flowgate/domain`): the session, its runs, node runs (checks and attempts),
 * events, audit data, links (recipient sends) and emails, and every table another feature links to it.
 * The audit skeleton stays (ids, statuses, results, timestamps, who decided and why), and the session is
 * marked redacted with when, by whom and why. A run that has not ended is cancelled first, so nothing
 * writes new data afterwards; the session's own timers are removed.
 *
 * Idempotent: an already redacted session is returned unchanged. The caller has locked the session row
 * (`forUpdate`) within its tenant.
 *
 * @throws LegalHoldError when an active legal hold keeps the session's data.
 */
export async function redactSessionData(
  trx: Executor,
  after: AfterCommit,
  session: DomainSession,
  redaction: { by: string; reason: string; at?: Date },
): Promise<SessionRedactionOutcome> {
  if (session.redaction) return { session, changed: false, rows: {} };
  const hold = await findActiveLegalHold(trx, session.id);
  if (hold) throw new LegalHoldError(session.id, hold.id, hold.reason);
  const at = redaction.at ?? new Date();
  let status = session.status;
  for (const run of await findRunsBySessionIds(trx, [session.id])) {
    if (canCancelRun(run.status)) {
      const appended = await appendRunEvents(trx, run.id, run.lastSeq, [
        { type: "run.cancelled", data: { reason: "session redacted" } },
      ]);
      await updateRun(trx, run.id, {
        status: "cancelled",
        completedAt: at,
        pendingSignal: null,
        lastSeq: appended.lastSeq,
      });
      await deleteRunJob(trx, run.id);
      await recordRunWebhookEvents(trx, after, run, appended.events);
      after.publish(...appended.events.map((event) => ({ channel: `run:${run.id}` as const, event })));
      status = "failed";
    }
    await insertRunAudit(trx, {
      id: newId("evt"),
      runId: run.id,
      action: "redact",
      actor: redaction.by,
      reason: redaction.reason,
      data: { sessionId: session.id },
    });
  }
  const result = status !== session.status ? null : session.result;
  const completedAt = status !== session.status ? at : session.completedAt;
  if (status !== session.status) {
    await updateSessionStatus(trx, session.id, { status, result, completedAt });
  }
  await deleteSessionJobs(trx, session.id);
  const rows = await redactSubjectRows(trx, "session", session.id);
  await markSessionRedacted(trx, session.id, { at, by: redaction.by, reason: redaction.reason });
  await afterSessionsRedacted(trx, after, [{ ...session, status, result, completedAt }], {
    at,
    by: redaction.by,
  });
  after.publish({
    channel: `session:${session.id}`,
    event: { sessionId: session.id, status, result, at: at.toISOString() },
  });
  return {
    session: {
      ...session,
      status,
      result,
      completedAt,
      referenceId: null,
      metadata: {},
      sandbox: null,
      tags: [],
      inviteeEmail: null,
      updatedAt: at,
      redaction: { at, by: redaction.by, reason: redaction.reason },
    },
    changed: true,
    rows,
  };
}
