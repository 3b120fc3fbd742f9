import {
  asDatabaseUnavailable,
  type BackoffBounds,
  backoffDelay,
  type DatabaseAvailability,
  DatabaseUnavailableError,
  loadPg,
} from "@flowgate/db";
import type pg from "pg";

/** Options of {@link PgListener}. */
export interface PgListenerOptions {
  /** Called after a reconnect: notifications may have been missed, so subscribers should re-read state. */
  onReconnect?: () => void;
  /** Called with connection errors (default: ignore; the listener reconnects by itself). */
  onError?: (error: unknown) => void;
  /** Delays between reconnect attempts (default 100 ms up to 1 s). */
  backoff?: BackoffBounds;
  /** How long opening the connection may take, in ms (default 2000). */
  connectTimeoutMs?: number;
  /**
   * The process's database availability: a lost LISTEN connection is often the first sign of an outage,
   * so it is reported there, and a reconnect is tried at once when the database is reported back.
   */
  availability?: DatabaseAvailability;
}

/**
 * One dedicated PostgreSQL connection that LISTENs on channels and dispatches notifications. When the
 * connection is lost (the server restarted, the network failed) it reconnects with exponential backoff
 * and jitter, LISTENs on every channel again and then tells its reconnect listeners, since notifications
 * sent meanwhile are gone: buses re-announce where their subscribers' runs stand, job wake-ups wake the
 * workers. NOTIFY is sent through the normal pool, not this connection.
 */
export class PgListener {
  readonly #url: string;
  readonly #options: PgListenerOptions;
  readonly #handlers = new Map<string, Set<(payload: string) => void>>();
  readonly #reconnectListeners = new Set<() => void>();
  #client: pg.Client | undefined;
  #connecting: Promise<pg.Client> | undefined;
  #reconnecting: Promise<void> | undefined;
  #wakeReconnect: (() => void) | undefined;
  #stopAvailabilityWatch: (() => void) | undefined;
  #closed = false;

  constructor(url: string, options: PgListenerOptions = {}) {
    this.#url = url;
    this.#options = options;
    if (options.onReconnect) this.#reconnectListeners.add(options.onReconnect);
    this.#stopAvailabilityWatch = options.availability?.onChange((change) => {
      if (change.available) this.#wakeReconnect?.();
    });
  }

  /** Whether the LISTEN connection is up (false while it reconnects). */
  get connected(): boolean {
    return this.#client !== undefined;
  }

  /**
   * Listens on `channel`; returns a function that stops this handler. While the connection is being
   * re-established the handler is registered at once and LISTENed on when it is back; the very first
   * connection, though, must succeed (it throws a `DatabaseUnavailableError` otherwise).
   */
  async listen(channel: string, handler: (payload: string) => void): Promise<() => Promise<void>> {
    let handlers = this.#handlers.get(channel);
    const first = !handlers;
    if (!handlers) {
      handlers = new Set();
      this.#handlers.set(channel, handlers);
    }
    handlers.add(handler);
    if (first && !this.#reconnecting) {
      try {
        const client = await this.#connect();
        await client.query(`LISTEN ${loadPg().escapeIdentifier(channel)}`);
      } catch (error) {
        // A connection lost under this LISTEN is being re-established (with this channel); otherwise
        // nothing was set up, so the caller learns it failed.
        if (!this.#reconnecting) {
          handlers.delete(handler);
          if (handlers.size === 0) this.#handlers.delete(channel);
          throw asDatabaseUnavailable(error) ?? error;
        }
      }
    }
    return async () => {
      handlers.delete(handler);
      if (handlers.size === 0 && this.#handlers.get(channel) === handlers) {
        this.#handlers.delete(channel);
        await this.#client?.query(`UNLISTEN ${loadPg().escapeIdentifier(channel)}`).catch(() => {});
      }
    };
  }

  /** Calls `listener` after every reconnect (once every channel is LISTENed on again); returns its removal. */
  onReconnect(listener: () => void): () => void {
    this.#reconnectListeners.add(listener);
    return () => this.#reconnectListeners.delete(listener);
  }

  /** Closes the connection and stops reconnecting. */
  async close(): Promise<void> {
    this.#closed = true;
    this.#stopAvailabilityWatch?.();
    this.#wakeReconnect?.();
    const client = this.#client;
    this.#client = undefined;
    await client?.end().catch(() => {});
  }

  #connect(): Promise<pg.Client> {
    if (this.#client) return Promise.resolve(this.#client);
    this.#connecting ??= this.#open().finally(() => {
      this.#connecting = undefined;
    });
    return this.#connecting;
  }

  /** Opens a connection and LISTENs on every channel that has handlers. */
  async #open(): Promise<pg.Client> {
    const client = new (loadPg().Client)({
      connectionString: this.#url,
      connectionTimeoutMillis: this.#options.connectTimeoutMs ?? 2000,
      keepAlive: true,
    });
    client.on("notification", (message) => {
      const handlers = this.#handlers.get(message.channel);
      if (!handlers) return;
      for (const handler of [...handlers]) handler(message.payload ?? "");
    });
    // `pg` reports a broken connection as 'error' and then 'end' (or only 'end'); both lead here once.
    client.on("error", (error) => this.#lost(client, error));
    client.on("end", () => this.#lost(client, new DatabaseUnavailableError("connection_lost")));
    try {
      await client.connect();
      for (const channel of this.#handlers.keys())
        await client.query(`LISTEN ${loadPg().escapeIdentifier(channel)}`);
    } catch (error) {
      await client.end().catch(() => {});
      throw asDatabaseUnavailable(error) ?? error;
    }
    if (this.#closed) {
      await client.end().catch(() => {});
      throw new Error("The listener is closed");
    }
    this.#client = client;
    return client;
  }

  #lost(client: pg.Client, error: unknown): void {
    if (this.#closed || this.#client !== client) return;
    this.#client = undefined;
    const unavailable =
      asDatabaseUnavailable(error) ?? new DatabaseUnavailableError("connection_lost", error);
    this.#options.onError?.(unavailable);
    this.#options.availability?.reportFailure(unavailable);
    void client.end().catch(() => {});
    this.#reconnecting ??= this.#reconnect().finally(() => {
      this.#reconnecting = undefined;
    });
  }

  async #reconnect(): Promise<void> {
    for (let attempt = 0; !this.#closed; attempt++) {
      await new Promise<void>((resolve) => {
        const timer = setTimeout(
          done,
          backoffDelay(attempt, this.#options.backoff ?? { minMs: 100, maxMs: 1000 }),
        );
        const self = this;
        function done() {
          clearTimeout(timer);
          self.#wakeReconnect = undefined;
          resolve();
        }
        this.#wakeReconnect = done;
      });
      if (this.#closed) return;
      try {
        await this.#connect();
      } catch (error) {
        this.#options.onError?.(error);
        continue;
      }
      // The server accepts connections again: let the pool's monitor find out now.
      this.#options.availability?.probeNow();
      for (const listener of [...this.#reconnectListeners]) {
        try {
          listener();
        } catch (error) {
          this.#options.onError?.(error);
        }
      }
      return;
    }
  }
}

/** A channel name for this database schema (`flowgate_<what>_<schema>`), so schemas sharing a database stay apart. */
export function channelName(what: string, schema: string | undefined): string {
  const namespace = (schema ?? "public").replace(/[^a-zA-Z0-9_]/g, "_");
  return `flowgate_${what}_${namespace}`.slice(0, 63);
}
