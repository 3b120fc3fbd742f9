import {
  addSessionTagRow,
  findRunsBySessionIds,
  findSession,
  findSessionsByIds,
  findWorkflow,
  listRunHistoryOfSession,
  listSessionAudit,
  removeSessionTagRow,
  revokeLinksOfSession,
  type SessionDetailsChange,
  scheduleSessionExpiry,
  supersedeRun,
  updateSessionDetails,
  updateSessionStatus,
} from "@flowgate/db";
import {
  assertSessionExpiry,
  assertSessionTransition,
  ConflictError,
  canExpireSession,
  canReprocessSession,
  canResumeSession,
  maxSessionTags,
  NotFoundError,
  normalizeSessionTags,
  type Run,
  type Session,
  type SessionAuditEntry,
  tagIssues,
  ValidationError,
} from "@flowgate/domain";
import { inTransaction, markSessionExpired, recordSessionWebhookEvent, startRun } from "@flowgate/engine";
import { requireScope } from "../access.ts";
import type { Actor } from "../actor.ts";
import { type Application, applicationDeps } from "../application.ts";
import { groupByKey } from "../batch.ts";
import { audit } from "../runs/run-control.ts";
import { lockSession, lockUnredactedSession, publishSessionStatus, sessionAudit } from "./session-records.ts";
import { defaultSessionLifetimeSeconds } from "./sessions.ts";
import { type IssuedVerificationLink, issueVerificationLink } from "./verification-links.ts";

/** Input of {@link updateSession}: only the fields given change; `null` clears a reference or expiry. */
export interface UpdateSessionInput {
  id: string;
  referenceId?: string | null | undefined;
  /** Replaces the metadata object. */
  metadata?: Record<string, unknown> | null | undefined;
  /** Replaces the tags. */
  tags?: readonly string[] | null | undefined;
  /** A new expiry, 60 s to 30 days from now; only while the session is still open. */
  expiresAt?: Date | null | undefined;
}

/**
 * Updates a session's reference, metadata, tags or expiry (the seed's PATCH). An expired session is not
 * updated (resume it); the expiry changes only while the session is open for capture, and its durable timer
 * moves with it. Writes an `update` entry on the session's audit trail and records the `session.updated`
 * webhook event in the same transaction. Needs `sessions:write`.
 */
export async function updateSession(
  app: Application,
  actor: Actor,
  input: UpdateSessionInput,
): Promise<Session> {
  requireScope(actor, "sessions:write");
  const change: SessionDetailsChange = {};
  if (input.referenceId !== undefined) {
    if (input.referenceId !== null && (input.referenceId.length === 0 || input.referenceId.length > 200)) {
      throw new ValidationError("Invalid session", [
        { path: ["referenceId"], message: "1 to 200 characters" },
      ]);
    }
    change.referenceId = input.referenceId;
  }
  if (input.metadata !== undefined) {
    if (input.metadata === null) {
      throw new ValidationError("Invalid session", [{ path: ["metadata"], message: "must be an object" }]);
    }
    change.metadata = input.metadata;
  }
  if (input.tags !== undefined) {
    if (input.tags === null) {
      throw new ValidationError("Invalid session", [
        { path: ["tags"], message: "must be a list (empty to clear)" },
      ]);
    }
    change.tags = normalizeSessionTags(input.tags);
  }
  if (input.expiresAt !== undefined) {
    if (input.expiresAt === null) {
      throw new ValidationError("Invalid session", [
        { path: ["expiresAt"], message: "a session always expires" },
      ]);
    }
    assertSessionExpiry(input.expiresAt, new Date());
    change.expiresAt = input.expiresAt;
  }
  if (Object.keys(change).length === 0) {
    throw new ValidationError("Nothing to update", [
      { path: ["id"], message: "give at least one of referenceId, metadata, tags, expiresAt" },
    ]);
  }
  return inTransaction(applicationDeps(app), async (trx, after) => {
    const session = await lockUnredactedSession(trx, actor, input.id);
    if (session.status === "expired") {
      throw new ConflictError(`Session ${session.id} has expired; resume it before updating it`, "expired");
    }
    if (change.expiresAt && !canExpireSession(session.status)) {
      throw new ConflictError(
        `Session ${session.id} is ${session.status}; its expiry changes only while it is open`,
        session.status,
      );
    }
    const updated = await updateSessionDetails(trx, session.id, change);
    if (change.expiresAt) await scheduleSessionExpiry(trx, session.id, change.expiresAt);
    await sessionAudit(trx, session.id, "update", actor.keyId, null, {
      fields: Object.keys(change),
      ...(change.expiresAt ? { expiresAt: change.expiresAt.toISOString() } : {}),
    });
    await recordSessionWebhookEvent(trx, after, updated, "session.updated");
    return updated;
  });
}

/**
 * Adds a tag to a session (no change, and no event, when it is there already); records `session.updated`.
 * Needs `sessions:write`.
 */
export async function addSessionTag(
  app: Application,
  actor: Actor,
  input: { sessionId: string; tag: string },
): Promise<Session> {
  requireScope(actor, "sessions:write");
  const issues = tagIssues(input.tag, ["tag"]);
  if (issues.length > 0) throw new ValidationError("Invalid tag", issues);
  return inTransaction(applicationDeps(app), async (trx, after) => {
    const session = await lockUnredactedSession(trx, actor, input.sessionId);
    const updated = await addSessionTagRow(trx, session.id, input.tag, maxSessionTags);
    if (!updated) {
      throw new ValidationError("Too many tags", [
        { path: ["tag"], message: `at most ${maxSessionTags} tags` },
      ]);
    }
    if (!session.tags.includes(input.tag)) {
      await sessionAudit(trx, session.id, "tag.add", actor.keyId, null, { tag: input.tag });
      await recordSessionWebhookEvent(trx, after, updated, "session.updated");
    }
    return updated;
  });
}

/**
 * Removes a tag from a session (no change, and no event, when it is absent); records `session.updated`.
 * Needs `sessions:write`.
 */
export async function removeSessionTag(
  app: Application,
  actor: Actor,
  input: { sessionId: string; tag: string },
): Promise<Session> {
  requireScope(actor, "sessions:write");
  return inTransaction(applicationDeps(app), async (trx, after) => {
    const session = await lockUnredactedSession(trx, actor, input.sessionId);
    const updated = await removeSessionTagRow(trx, session.id, input.tag);
    if (session.tags.includes(input.tag)) {
      await sessionAudit(trx, session.id, "tag.remove", actor.keyId, null, { tag: input.tag });
      await recordSessionWebhookEvent(trx, after, updated, "session.updated");
    }
    return updated;
  });
}

/**
 * Replaces all tags of a session (an empty list clears them); records `session.updated` when the tags
 * changed. Needs `sessions:write`.
 */
export async function replaceSessionTags(
  app: Application,
  actor: Actor,
  input: { sessionId: string; tags: readonly string[] },
): Promise<Session> {
  requireScope(actor, "sessions:write");
  const tags = normalizeSessionTags(input.tags);
  return inTransaction(applicationDeps(app), async (trx, after) => {
    const session = await lockUnredactedSession(trx, actor, input.sessionId);
    const updated = await updateSessionDetails(trx, session.id, { tags });
    await sessionAudit(trx, session.id, "tag.replace", actor.keyId, null, {
      before: session.tags,
      after: tags,
    });
    if (!sameTags(session.tags, tags)) {
      await recordSessionWebhookEvent(trx, after, updated, "session.updated");
    }
    return updated;
  });
}

/**
 * Expires a session now (the seed's "Expire a session"): it must still be open (created, in progress,
 * submitted or awaiting an external decision); a run waiting at a gate is cancelled. The expiry is on the
 * session's audit trail with the caller and reason. An expired session refuses submit and trigger with a
 * conflict, as after its timer. Needs `sessions:write`.
 */
export async function expireSession(
  app: Application,
  actor: Actor,
  input: { id: string; reason?: string | null | undefined },
): Promise<Session> {
  requireScope(actor, "sessions:write");
  return inTransaction(applicationDeps(app), async (trx, after) => {
    const session = await lockSession(trx, actor, input.id);
    if (!canExpireSession(session.status)) {
      throw new ConflictError(
        `Session ${session.id} is ${session.status}; only an open session (created, in_progress, submitted or awaiting_external) can be expired`,
        session.status,
      );
    }
    await markSessionExpired(trx, after, session.id, {
      actor: actor.keyId,
      reason: input.reason ?? "expired by the API",
    });
    return (await findSession(trx, actor, session.id)) as Session;
  });
}

/**
 * Re-opens a session that expired or was abandoned in capture and has not been decided (the seed's
 * "Resume a session"): an expired session goes back to `created`, and it gets a new expiry (default 7
 * days) with its durable timer; its earlier one-time links are revoked and a fresh one is issued (returned
 * once, with its token); records `session.resumed`. Refused with a conflict for a session that was submitted, is being
 * processed or was decided. Needs `sessions:write`.
 */
export async function resumeSession(
  app: Application,
  actor: Actor,
  input: { id: string; expiresInSeconds?: number | null | undefined },
): Promise<{ session: Session; verificationLink: IssuedVerificationLink }> {
  requireScope(actor, "sessions:write");
  const lifetime = input.expiresInSeconds ?? defaultSessionLifetimeSeconds;
  const expiresAt = new Date(Date.now() + lifetime * 1000);
  if (!Number.isInteger(lifetime)) {
    throw new ValidationError("Invalid session expiry", [
      { path: ["expiresInSeconds"], message: "must be a whole number of seconds" },
    ]);
  }
  assertSessionExpiry(expiresAt, new Date(), "expiresInSeconds");
  return inTransaction(applicationDeps(app), async (trx, after) => {
    const session = await lockUnredactedSession(trx, actor, input.id);
    if (!canResumeSession(session.status, session.result)) {
      throw new ConflictError(
        `Session ${session.id} is ${session.status}; only an expired or abandoned session that has not been decided can be resumed`,
        session.status,
      );
    }
    const from = session.status;
    if (from === "expired") {
      assertSessionTransition("expired", "created");
      await updateSessionStatus(trx, session.id, { status: "created", expiresAt });
      publishSessionStatus(after, session, "created");
    } else {
      await updateSessionDetails(trx, session.id, { expiresAt });
    }
    await scheduleSessionExpiry(trx, session.id, expiresAt);
    const resumed = (await findSession(trx, actor, session.id)) as Session;
    // The earlier links stop working; the person gets a fresh one that lasts as long as the session.
    await revokeLinksOfSession(trx, session.id, new Date());
    const hours = Math.max(1, Math.min(720, Math.ceil(lifetime / 3600)));
    const link = await issueVerificationLink(
      trx,
      actor,
      resumed,
      { expiresInHours: hours, maxUses: 1 },
      applicationDeps(app).linkBaseUrl,
    );
    await sessionAudit(trx, session.id, "resume", actor.keyId, null, {
      from,
      expiresAt: expiresAt.toISOString(),
      verificationLinkId: link.link.id,
    });
    await recordSessionWebhookEvent(trx, after, resumed, "session.resumed");
    return { session: resumed, verificationLink: link };
  });
}

/**
 * Runs a decided session's workflow again from the start (the seed's "Reprocess a session"): the session
 * must be `completed` or `failed`; its current run is kept as history (`supersededAt`, with a `reprocess`
 * entry on its audit trail and on the session's), and a new run of the same workflow starts on the version
 * the workflow assigns now. The session becomes `processing`; `session.reprocessed` is recorded with the
 * change. Needs `workflows:trigger`.
 */
export async function reprocessSession(
  app: Application,
  actor: Actor,
  input: { id: string; reason?: string | null | undefined },
): Promise<{ session: Session; run: Run; previousRunId: string | null }> {
  requireScope(actor, "workflows:trigger");
  const reason = input.reason ?? null;
  if (reason !== null && reason.length > 1000) {
    throw new ValidationError("Invalid reason", [{ path: ["reason"], message: "at most 1000 characters" }]);
  }
  return inTransaction(applicationDeps(app), async (trx, after) => {
    const session = await lockUnredactedSession(trx, actor, input.id);
    if (!canReprocessSession(session.status)) {
      throw new ConflictError(
        `Session ${session.id} is ${session.status}; only a completed or failed session can be reprocessed`,
        session.status,
      );
    }
    const [previous] = await findRunsBySessionIds(trx, [session.id]);
    const workflowId = session.workflowId ?? previous?.workflowId;
    const workflow = workflowId ? await findWorkflow(trx, actor, workflowId) : undefined;
    if (!workflow) throw new NotFoundError("Workflow", workflowId ?? "(none)");
    if (workflow.status !== "active") {
      throw new ConflictError(`Workflow ${workflow.id} is inactive; it cannot start new runs`, "inactive");
    }
    const now = new Date();
    if (previous) {
      await supersedeRun(trx, previous.id, now);
      await audit(trx, previous.id, "reprocess", actor.keyId, reason, { supersededBy: "new run" });
    }
    const run = await startRun(trx, after, actor, { workflow, session, triggeredBy: actor.keyId });
    await audit(trx, run.id, "reprocess", actor.keyId, reason, {
      sessionId: session.id,
      previousRunId: previous?.id ?? null,
    });
    await updateSessionStatus(trx, session.id, {
      status: "processing",
      result: null,
      completedAt: null,
      workflowId: workflow.id,
    });
    await sessionAudit(trx, session.id, "reprocess", actor.keyId, reason, {
      previousRunId: previous?.id ?? null,
      runId: run.id,
      previousStatus: session.status,
      previousResult: session.result,
    });
    publishSessionStatus(after, { id: session.id, result: null }, "processing");
    const updated = (await findSession(trx, actor, session.id)) as Session;
    await recordSessionWebhookEvent(trx, after, updated, "session.reprocessed");
    return { session: updated, run, previousRunId: previous?.id ?? null };
  });
}

/**
 * The audit trails of sessions (update, tags, expire, resume, reprocess, …), aligned with the ids. Needs
 * `sessions:read`; sessions not of the caller have empty trails.
 */
export async function getSessionAuditTrails(
  app: Application,
  actor: Actor,
  sessionIds: readonly string[],
): Promise<SessionAuditEntry[][]> {
  requireScope(actor, "sessions:read");
  const { db } = applicationDeps(app);
  const visible = (await findSessionsByIds(db, actor, sessionIds)).map((session) => session.id);
  return groupByKey(sessionIds, await listSessionAudit(db, visible), (entry) => entry.sessionId);
}

/**
 * Every run of a session, oldest first: the runs a reprocess superseded (kept as history) and the current
 * one. Needs `sessions:read`.
 */
export async function listSessionRunHistory(
  app: Application,
  actor: Actor,
  sessionId: string,
): Promise<Run[]> {
  requireScope(actor, "sessions:read");
  return listRunHistoryOfSession(applicationDeps(app).db, actor, sessionId);
}

/** Whether two tag lists hold the same tags in the same order. */
function sameTags(a: readonly string[], b: readonly string[]): boolean {
  return a.length === b.length && a.every((tag, index) => tag === b[index]);
}
