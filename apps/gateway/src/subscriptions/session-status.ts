import { type Db, findSession } from "@flowgate/db";
import type { Tenant } from "@flowgate/domain";
import { type EventBus, retryWhileUnavailable, type SessionStatusEvent } from "@flowgate/engine";
import { AsyncQueue } from "./async-queue.ts";

const finalStatuses = new Set(["completed", "failed", "expired"]);

/** Streams a session's status: the current one first, then each change; ends at a final status. */
export async function* sessionStatusStream(
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
