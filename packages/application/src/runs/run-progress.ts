import { type Db, findRun, listRunEvents } from "@flowgate/db";
import { isFinalRunEventType, NotFoundError, type RunEvent } from "@flowgate/domain";
import { type BusMessage, type EventBus, retryWhileUnavailable } from "@flowgate/engine";
import { requireAnyScope } from "../access.ts";
import type { Actor } from "../actor.ts";
import { type Application, applicationDeps } from "../application.ts";
import { AsyncQueue } from "../async-queue.ts";

/**
 * Follows a run's events with seq > `afterSeq` (the `runProgress` subscription): stored ones first, then
 * live ones, in order, without gaps or repeats, ending after the run's final event. Needs `sessions:read` or
 * `workflows:read`; the run must be the caller's, which is checked before the stream is returned.
 *
 * @param app - The application.
 * @param actor - The caller.
 * @param input - The run and the last seq the client has seen (0 for all).
 * @throws NotFoundError when the run is not the caller's.
 */
export async function followRunProgress(
  app: Application,
  actor: Actor,
  input: { runId: string; afterSeq: number },
): Promise<AsyncGenerator<RunEvent>> {
  requireAnyScope(actor, ["sessions:read", "workflows:read"]);
  const { db, bus } = applicationDeps(app);
  const run = await findRun(db, actor, input.runId);
  if (!run) throw new NotFoundError("Run", input.runId);
  return runProgress(db, bus, run.id, input.afterSeq);
}

/**
 * Streams a run's events with seq > `afterSeq`: subscribes to the bus first (buffering), then replays the
 * store, then forwards live events. Every event is delivered once and in order: live events already
 * replayed are dropped, and a gap in the live stream (a lost or reordered message) is filled from the
 * store. Ends after the run's final event. Store reads wait out a database outage (the stream goes on
 * once the database is back) instead of failing the subscription.
 */
async function* runProgress(
  db: Db,
  bus: EventBus,
  runId: string,
  afterSeq: number,
): AsyncGenerator<RunEvent> {
  const live = new AsyncQueue<RunEvent>();
  const unsubscribe = await bus.subscribe(`run:${runId}`, (message: BusMessage) => {
    if (message.channel === `run:${runId}`) live.push(message.event as RunEvent);
  });
  const read = async (after: number, upTo?: number) =>
    (await retryWhileUnavailable(() => listRunEvents(db, runId, after, upTo), { stopped: () => false })) ??
    [];
  try {
    let last = Math.max(0, afterSeq);
    for (const event of await read(last)) {
      yield event;
      last = event.seq;
      if (isFinalRunEventType(event.type)) return;
    }
    for (;;) {
      const event = await live.next();
      if (!event) return;
      if (event.seq <= last) continue;
      const missing = event.seq > last + 1 ? await read(last, event.seq - 1) : [];
      for (const next of [...missing, event]) {
        if (next.seq !== last + 1) continue;
        yield next;
        last = next.seq;
        if (isFinalRunEventType(next.type)) return;
      }
    }
  } finally {
    unsubscribe();
    live.close();
  }
}
