import { type Db, findSession } from "@flowgate/db";
import { NotFoundError, type Tenant } from "@flowgate/domain";
import { type EventBus, retryWhileUnavailable, type SessionStatusEvent } from "@flowgate/engine";
import { requireScope } from "../access.ts";
import type { Actor } from "../actor.ts";
import { type Application, applicationDeps } from "../application.ts";
import { AsyncQueue } from "../async-queue.ts";

const finalStatuses = new Set(["completed", "failed", "expired"]);

/**
 * Follows a session's status (the `sessionStatus` subscription): its current status first, then each change,
 * ending at a final status (completed, failed, expired). Needs `sessions:read`; the session must be the
 * caller's, which is checked before the stream is returned.
 *
 * @param app - The application.
 * @param actor - The caller.
 * @param sessionId - Session id (`ses_…`).
 * @throws NotFoundError when the session is not the caller's.
 */
export async function followSessionStatus(
  app: Application,
  actor: Actor,
  sessionId: string,
): Promise<AsyncGenerator<SessionStatusEvent>> {
  requireScope(actor, "sessions:read");
  const { db, bus } = applicationDeps(app);
  if (!(await findSession(db, actor, sessionId))) throw new NotFoundError("Session", sessionId);
  return sessionStatusStream(db, bus, actor, sessionId);
}

/** Streams a session's status: the current one first, then each change; ends at a final status. */
async function* sessionStatusStream(
  db: Db,
  bus: EventBus,
  tenant: Tenant,
  sessionId: string,
): AsyncGenerator<SessionStatusEvent> {
  const live = new AsyncQueue<SessionStatusEvent>();
  const unsubscribe = await bus.subscribe(`session:${sessionId}`, (message) => {
    if (message.channel === `session:${sessionId}`) live.push(message.event as SessionStatusEvent);
  });
  try {
    const session = await retryWhileUnavailable(() => findSession(db, tenant, sessionId), {
      stopped: () => false,
    });
    if (!session) return;
    let last = session.status;
    yield { sessionId, status: session.status, result: session.result, at: session.updatedAt.toISOString() };
    if (finalStatuses.has(session.status)) return;
    for (;;) {
      const event = await live.next();
      if (!event) return;
      if (event.status === last) continue;
      last = event.status as typeof last;
      yield event;
      if (finalStatuses.has(event.status)) return;
    }
  } finally {
    unsubscribe();
    live.close();
  }
}
