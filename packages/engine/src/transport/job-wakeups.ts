import type { Db } from "@flowgate/db";
import { sql } from "kysely";
import type { PgListener } from "./pg-listener.ts";

/** Tells workers in other processes that jobs were queued. */
export interface JobWakeups {
  /**
   * The NOTIFY channel of the wake-ups (PostgreSQL), for a statement that queues work to notify itself
   * (see `UnitOfWorkDeps.wakeChannel`); absent when wake-ups do not travel by NOTIFY.
   */
  readonly channel?: string;
  /** Sends a wake-up (debounced: bursts coalesce into one NOTIFY). */
  notify(): void;
  /** Calls `wake` whenever another process queued jobs; returns the stop function. */
  onWake(wake: () => void): Promise<() => Promise<void>>;
}

/**
 * Job wake-ups over PostgreSQL LISTEN/NOTIFY. Notifications are sent after commit, at most one in flight
 * with one more pending, so a burst of commits costs two NOTIFYs. Polling stays the correctness path:
 * a lost wake-up only delays work until the next poll. When the LISTEN connection comes back after an
 * outage the workers are woken at once, since wake-ups sent meanwhile were lost.
 */
export class PgJobWakeups implements JobWakeups {
  readonly #db: Db;
  readonly #listener: PgListener;
  readonly #channel: string;
  #inFlight = false;
  #pending = false;

  constructor(db: Db, listener: PgListener, channel: string) {
    this.#db = db;
    this.#listener = listener;
    this.#channel = channel;
  }

  get channel(): string {
    return this.#channel;
  }

  notify(): void {
    if (this.#inFlight) {
      this.#pending = true;
      return;
    }
    this.#inFlight = true;
    void sql`select pg_notify(${this.#channel}, '')`
      .execute(this.#db)
      .catch(() => {})
      .finally(() => {
        this.#inFlight = false;
        if (this.#pending) {
          this.#pending = false;
          this.notify();
        }
      });
  }

  async onWake(wake: () => void): Promise<() => Promise<void>> {
    const stopListening = await this.#listener.listen(this.#channel, () => wake());
    const stopReconnects = this.#listener.onReconnect(wake);
    return async () => {
      stopReconnects();
      await stopListening();
    };
  }
}
