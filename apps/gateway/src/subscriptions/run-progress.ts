import { type Db, listRunEvents } from "@flowgate/db";
import { isFinalRunEventType, type RunEvent } from "@flowgate/domain";
import { type BusMessage, type EventBus, retryWhileUnavailable } from "@flowgate/engine";
import { AsyncQueue } from "./async-queue.ts";

/**
 * Streams a run's events with seq > `afterSeq`: subscribes to the bus first (buffering), then replays the
 * store, then forwards live events. Every event is delivered once and in order: live events already
 * replayed are dropped, and a gap in the live stream (a lost or reordered message) is filled from the
 * store. Ends after the run's final event. Store reads wait out a database outage (the stream goes on
 * once the database is back) instead of failing the subscription.
 */
export async function* runProgress(
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
