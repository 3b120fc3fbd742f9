import { type BackoffBounds, type Db, isDatabaseUnavailableError, listRunEvents } from "@flowgate/db";
import { sql } from "kysely";
import type { BusMessage, EventBus, StatementNotifications } from "../event-bus.ts";
import { LocalDispatch } from "./local-dispatch.ts";
import type { PgListener } from "./pg-listener.ts";
import { reannounce } from "./reannounce.ts";
import { retryWhileUnavailable } from "./retry-while-unavailable.ts";
import { RetryingPublisher } from "./retrying-publisher.ts";

/** NOTIFY payloads must stay under 8000 bytes; larger messages travel as a reference. */
const maxPayloadBytes = 7500;

interface RunEventReference {
  ref: { runId: string; seq: number };
}

/** Options of {@link PostgresEventBus}. */
export interface PostgresEventBusOptions {
  /** Delays between retries while the database is unavailable (default 100 ms up to 1 s). */
  backoff?: BackoffBounds;
  /** Called with errors the bus survives (default: ignore). */
  onError?: (error: unknown) => void;
}

/**
 * Event bus over PostgreSQL NOTIFY, the default when several processes share one database. Every
 * gateway LISTENs on one channel and dispatches to its local subscribers. A run event too large for
 * NOTIFY is sent as `{runId, seq}` and read back from `run_events` by the receiver, never truncated.
 *
 * Database outages: a publish that fails because the database is unavailable is kept and sent again
 * once it is back (the events are committed; the caller is not failed). When the LISTEN connection is
 * re-established, the bus re-announces from the store where its subscribers' runs and sessions stand,
 * so streams that missed notifications during the outage fill the gap from `run_events`.
 */
export class PostgresEventBus implements EventBus {
  readonly #db: Db;
  readonly #listener: PgListener;
  readonly #channel: string;
  readonly #options: PostgresEventBusOptions;
  readonly #local = new LocalDispatch();
  readonly #publisher: RetryingPublisher;
  readonly #stopReconnects: () => void;
  #stop: Promise<() => Promise<void>> | undefined;
  #closed = false;

  constructor(db: Db, listener: PgListener, channel: string, options: PostgresEventBusOptions = {}) {
    this.#db = db;
    this.#listener = listener;
    this.#channel = channel;
    this.#options = options;
    this.#publisher = new RetryingPublisher((messages) => this.#notify(messages), {
      retryable: isDatabaseUnavailableError,
      ...(options.backoff ? { backoff: options.backoff } : {}),
      ...(options.onError ? { onError: options.onError } : {}),
    });
    this.#stopReconnects = listener.onReconnect(() => {
      void this.#publisher.flush();
      void this.#reannounce();
    });
  }

  publish(messages: readonly BusMessage[]): Promise<void> {
    return this.#publisher.publish(messages);
  }

  notificationsOf(messages: readonly BusMessage[]): StatementNotifications | undefined {
    if (this.#closed || this.#publisher.pending > 0) return undefined;
    return { channel: this.#channel, payloads: this.#payloads(messages) };
  }

  async subscribe(channel: string, listener: (message: BusMessage) => void): Promise<() => void> {
    this.#stop ??= this.#listener.listen(this.#channel, (payload) => void this.#receive(payload));
    try {
      await this.#stop;
    } catch (error) {
      this.#stop = undefined;
      throw error;
    }
    return this.#local.add(channel, listener);
  }

  async close(): Promise<void> {
    this.#closed = true;
    this.#stopReconnects();
    await this.#publisher.close();
    const stop = await this.#stop?.catch(() => undefined);
    await stop?.();
    this.#local.clear();
  }

  async #notify(messages: readonly BusMessage[]): Promise<void> {
    const payloads = this.#payloads(messages);
    // One round trip for a step's events; receivers re-order by seq and fill gaps from the store anyway.
    await sql`select pg_notify(${this.#channel}, p) from unnest(${payloads}::text[]) with ordinality as t(p, i) order by i`.execute(
      this.#db,
    );
  }

  #payloads(messages: readonly BusMessage[]): string[] {
    return messages.map((message) => {
      const payload = JSON.stringify(message);
      if (Buffer.byteLength(payload) <= maxPayloadBytes || !message.channel.startsWith("run:"))
        return payload;
      const event = message.event as { runId: string; seq: number };
      const reference: RunEventReference = { ref: { runId: event.runId, seq: event.seq } };
      return JSON.stringify({ channel: message.channel, ...reference });
    });
  }

  /** Re-announces subscribers' runs and sessions after a reconnect, retrying while the database is down. */
  async #reannounce(): Promise<void> {
    await retryWhileUnavailable(() => reannounce(this.#db, this.#local), {
      backoff: this.#options.backoff,
      stopped: () => this.#closed,
    }).catch((error: unknown) => this.#options.onError?.(error));
  }

  async #receive(payload: string): Promise<void> {
    const parsed = JSON.parse(payload) as
      | (BusMessage & Partial<RunEventReference>)
      | { channel: string; ref: RunEventReference["ref"] };
    if (!this.#local.has(parsed.channel)) return;
    if ("ref" in parsed && parsed.ref) {
      const { runId, seq } = parsed.ref;
      try {
        const events = await retryWhileUnavailable(() => listRunEvents(this.#db, runId, seq - 1, seq), {
          backoff: this.#options.backoff,
          stopped: () => this.#closed,
        });
        const event = events?.[0];
        if (event) this.#local.dispatch({ channel: `run:${runId}`, event });
      } catch (error) {
        // The subscriber fills the gap from the store with the next event.
        this.#options.onError?.(error);
      }
      return;
    }
    this.#local.dispatch(parsed as BusMessage);
  }
}
