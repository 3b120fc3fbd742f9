import { type Db, findRunsEventsAfter, listRunEvents } from "@flowgate/db";
import { isFinalRunEventType, NotFoundError, type RunEvent, type Tenant, tenantKey } from "@flowgate/domain";
import { type BusMessage, retryWhileUnavailable } from "@flowgate/engine";
import DataLoader from "dataloader";
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
  const runId = input.runId;
  const afterSeq = Math.max(0, input.afterSeq);
  // The bus first (buffering), then one query for both the tenancy check and the replay: every event
  // committed after the query's snapshot is in the buffer, so the join is gapless. Another tenant's events
  // buffered meanwhile are dropped with the buffer.
  const live = new AsyncQueue<RunEvent>();
  const unsubscribe = await bus.subscribe(`run:${runId}`, (message: BusMessage) => {
    if (message.channel === `run:${runId}`) live.push(message.event as RunEvent);
  });
  let released = false;
  const release = () => {
    if (released) return;
    released = true;
    unsubscribe();
    live.close();
  };
  let found: Awaited<ReturnType<typeof readReplay>>;
  try {
    found = await readReplay(db, { tenant: actor, runId, afterSeq });
  } catch (error) {
    release();
    throw error;
  }
  if (!found) {
    release();
    throw new NotFoundError("Run", runId);
  }
  const stream = runProgress(db, runId, afterSeq, found.events, live, release);
  // A generator returned before its first `next` never runs its `finally`: release the bus here too.
  const returnStream = stream.return.bind(stream);
  stream.return = (value) => {
    release();
    return returnStream(value);
  };
  return stream;
}

/** One subscription's set-up read: its run, checked to be the tenant's, and the events after `afterSeq`. */
interface ReplayRequest {
  tenant: Tenant;
  runId: string;
  afterSeq: number;
}

/** The distinct requests of one tenant in a batch, and what was found for each. */
interface ReplayGroup {
  tenant: Tenant;
  positions: Map<string, number>;
  distinct: { runId: string; afterSeq: number }[];
  found: ({ events: RunEvent[] } | undefined)[];
}

/** Most subscriptions one set-up read serves. */
const maxReplayBatch = 500;

/** Per database: the set-up reads of the subscriptions opened in the same turn of the event loop. */
const replayReaders = new WeakMap<Db, DataLoader<ReplayRequest, { events: RunEvent[] } | undefined>>();

/**
 * A subscription's tenancy check and replay (`findRunsEventsAfter`), batched with those of the other
 * subscriptions opened in the same turn of the event loop (clients reconnecting after a deploy, or many
 * watching one run): one query for all of them, and one result for those asking for the same run after
 * the same seq. Still gapless: a request joins a batch only after its bus subscription is in place, and
 * the batch is read after the turn, so after every one of them.
 */
function readReplay(db: Db, request: ReplayRequest): Promise<{ events: RunEvent[] } | undefined> {
  let reader = replayReaders.get(db);
  if (!reader) {
    reader = new DataLoader(
      async (requests: readonly ReplayRequest[]) => {
        // One query per tenant (almost always one), each distinct run and seq once.
        const groups = new Map<string, ReplayGroup>();
        const slots = requests.map((r) => {
          const ofTenant = tenantKey(r.tenant);
          let group = groups.get(ofTenant);
          if (!group) {
            group = { tenant: r.tenant, positions: new Map(), distinct: [], found: [] };
            groups.set(ofTenant, group);
          }
          const key = `${r.runId}:${r.afterSeq}`;
          let position = group.positions.get(key);
          if (position === undefined) {
            position = group.distinct.push({ runId: r.runId, afterSeq: r.afterSeq }) - 1;
            group.positions.set(key, position);
          }
          return { group, position };
        });
        await Promise.all(
          [...groups.values()].map(async (group) => {
            group.found = await findRunsEventsAfter(db, group.tenant, group.distinct);
          }),
        );
        return slots.map(({ group, position }) => group.found[position]);
      },
      // Collected until the event loop has handled the turn's I/O (the other connections' messages).
      { cache: false, maxBatchSize: maxReplayBatch, batchScheduleFn: (dispatch) => setImmediate(dispatch) },
    );
    replayReaders.set(db, reader);
  }
  return reader.load(request);
}

/**
 * Streams a run's events with seq > `afterSeq`: the replayed ones (`stored`, read after the bus
 * subscription that fills `live`), then live ones. Every event is delivered once and in order: live events
 * already replayed are dropped, and a gap in the live stream (a lost or reordered message) is filled from
 * the store. Ends after the run's final event, then `release`s the bus. Store reads wait out a database
 * outage (the stream goes on once the database is back) instead of failing the subscription.
 */
async function* runProgress(
  db: Db,
  runId: string,
  afterSeq: number,
  stored: readonly RunEvent[],
  live: AsyncQueue<RunEvent>,
  release: () => void,
): AsyncGenerator<RunEvent> {
  const read = async (after: number, upTo?: number) =>
    (await retryWhileUnavailable(() => listRunEvents(db, runId, after, upTo), { stopped: () => false })) ??
    [];
  try {
    let last = afterSeq;
    for (const event of stored) {
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
    release();
  }
}
