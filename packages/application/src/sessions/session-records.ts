import { type Executor, findSession, insertSessionAudit } from "@flowgate/db";
import { assertSessionNotRedacted, NotFoundError, newId, type Session, type Tenant } from "@flowgate/domain";
import type { AfterCommit } from "@flowgate/engine";

/** Locks a session of the tenant for the transaction, or throws `NotFoundError`. */
export async function lockSession(trx: Executor, tenant: Tenant, sessionId: string): Promise<Session> {
  const session = await findSession(trx, tenant, sessionId, { forUpdate: true });
  if (!session) throw new NotFoundError("Session", sessionId);
  return session;
}

/**
 * Locks a session of the tenant for a change that would write to it again (update, tags, resume,
 * reprocess, links, invitations, simulations): `NotFoundError`, or `SessionRedactedError` (a conflict)
 * once a redaction removed its personal data.
 */
export async function lockUnredactedSession(
  trx: Executor,
  tenant: Tenant,
  sessionId: string,
): Promise<Session> {
  const session = await lockSession(trx, tenant, sessionId);
  assertSessionNotRedacted(session);
  return session;
}

/** Announces a session's new status to its `sessionStatus` subscribers after commit. */
export function publishSessionStatus(
  after: AfterCommit,
  session: Pick<Session, "id" | "result">,
  status: string,
): void {
  after.publish({
    channel: `session:${session.id}`,
    event: { sessionId: session.id, status, result: session.result, at: new Date().toISOString() },
  });
}

/** Writes an entry on a session's audit trail. */
export async function sessionAudit(
  trx: Executor,
  sessionId: string,
  action: string,
  actor: string | null,
  reason: string | null,
  data: Record<string, unknown> = {},
): Promise<void> {
  await insertSessionAudit(trx, { id: newId("evt"), sessionId, action, actor, reason, data });
}
