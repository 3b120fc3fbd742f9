import { type Db, listRunEvents } from "@flowgate/db";
import { sql } from "kysely";
import type { BusMessage, EventBus } from "../event-bus.ts";
import { LocalDispatch } from "./local-dispatch.ts";
import type { PgListener } from "./pg-listener.ts";

/** NOTIFY payloads must stay under 8000 bytes; larger messages travel as a reference. */
const maxPayloadBytes = 7500;

interface RunEventReference {
  ref: { runId: string; seq: number };
}

/**
 * Event bus over PostgreSQL NOTIFY, the default when several processes share one database. Every
 * gateway LISTENs on one channel and dispatches to its local subscribers. A run event too large for
 * NOTIFY is sent as `{runId, seq}` and read back from `run_events` by the receiver, never truncated.
 */
export class PostgresEventBus implements EventBus {
  readonly #db: Db;
  readonly #listener: PgListener;
  readonly #channel: string;
  readonly #local = new LocalDispatch();
  #stop: Promise<() => Promise<void>> | undefined;

  constructor(db: Db, listener: PgListener, channel: string) {
    this.#db = db;
    this.#listener = listener;
    this.#channel = channel;
  }

  async publish(messages: readonly BusMessage[]): Promise<void> {
    if (messages.length === 0) return;
    const payloads = messages.map((message) => {
      const payload = JSON.stringify(message);
      if (Buffer.byteLength(payload) <= maxPayloadBytes || !message.channel.startsWith("run:"))
        return payload;
      const event = message.event as { runId: string; seq: number };
      const reference: RunEventReference = { ref: { runId: event.runId, seq: event.seq } };
      return JSON.stringify({ channel: message.channel, ...reference });
    });
    // One round trip for a step's events; receivers re-order by seq and fill gaps from the store anyway.
    await sql`select pg_notify(${this.#channel}, p) from unnest(${payloads}::text[]) with ordinality as t(p, i) order by i`.execute(
      this.#db,
    );
  }

  async subscribe(channel: string, listener: (message: BusMessage) => void): Promise<() => void> {
    this.#stop ??= this.#listener.listen(this.#channel, (payload) => void this.#receive(payload));
    await this.#stop;
    return this.#local.add(channel, listener);
  }

  async close(): Promise<void> {
    const stop = await this.#stop;
    await stop?.();
    this.#local.clear();
  }

  async #receive(payload: string): Promise<void> {
    const parsed = JSON.parse(payload) as
      | (BusMessage & Partial<RunEventReference>)
      | { channel: string; ref: RunEventReference["ref"] };
    if (!this.#local.has(parsed.channel)) return;
    if ("ref" in parsed && parsed.ref) {
      const { runId, seq } = parsed.ref;
      const [event] = await listRunEvents(this.#db, runId, seq - 1, seq);
      if (event) this.#local.dispatch({ channel: `run:${runId}`, event });
      return;
    }
    this.#local.dispatch(parsed as BusMessage);
  }
}
