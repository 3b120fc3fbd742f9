import { type Executor, findSession, insertSessionAudit } from "@flowgate/db";
import { NotFoundError, newId, type Session, type Tenant } from "@flowgate/domain";
import type { AfterCommit } from "@flowgate/engine";

/** Locks a session of the tenant for the transaction, or throws `NotFoundError`. */
export async function lockSession(trx: Executor, tenant: Tenant, sessionId: string): Promise<Session> {
  const session = await findSession(trx, tenant, sessionId, { forUpdate: true });
  if (!session) throw new NotFoundError("Session", sessionId);
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
