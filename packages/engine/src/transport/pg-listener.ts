import pg from "pg";

/** Options of {@link PgListener}. */
export interface PgListenerOptions {
  /** Called after a reconnect: notifications may have been missed, so subscribers should re-read state. */
  onReconnect?: () => void;
  /** Called with connection errors (default: ignore; the listener reconnects by itself). */
  onError?: (error: unknown) => void;
}

/**
 * One dedicated PostgreSQL connection that LISTENs on channels and dispatches notifications; it
 * reconnects with backoff and re-LISTENs. NOTIFY is sent through the normal pool, not this connection.
 */
export class PgListener {
  readonly #url: string;
  readonly #options: PgListenerOptions;
  readonly #handlers = new Map<string, Set<(payload: string) => void>>();
  #client: pg.Client | undefined;
  #connecting: Promise<pg.Client> | undefined;
  #closed = false;

  constructor(url: string, options: PgListenerOptions = {}) {
    this.#url = url;
    this.#options = options;
  }

  /** Listens on `channel`; returns a function that stops this handler. */
  async listen(channel: string, handler: (payload: string) => void): Promise<() => Promise<void>> {
    let handlers = this.#handlers.get(channel);
    const first = !handlers;
    if (!handlers) {
      handlers = new Set();
      this.#handlers.set(channel, handlers);
    }
    handlers.add(handler);
    if (first) {
      const client = await this.#connect();
      await client.query(`LISTEN ${pg.escapeIdentifier(channel)}`);
    }
    return async () => {
      handlers.delete(handler);
      if (handlers.size === 0 && this.#handlers.get(channel) === handlers) {
        this.#handlers.delete(channel);
        await this.#client?.query(`UNLISTEN ${pg.escapeIdentifier(channel)}`).catch(() => {});
      }
    };
  }

  /** Closes the connection. */
  async close(): Promise<void> {
    this.#closed = true;
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

  async #open(): Promise<pg.Client> {
    const client = new pg.Client({ connectionString: this.#url });
    client.on("notification", (message) => {
      const handlers = this.#handlers.get(message.channel);
      if (!handlers) return;
      for (const handler of [...handlers]) handler(message.payload ?? "");
    });
    client.on("error", (error) => {
      this.#options.onError?.(error);
      if (this.#client === client) this.#client = undefined;
      void this.#reconnect();
    });
    await client.connect();
    this.#client = client;
    return client;
  }

  async #reconnect(): Promise<void> {
    for (let attempt = 0; !this.#closed; attempt++) {
      await new Promise((resolve) => setTimeout(resolve, Math.min(5000, 100 * 2 ** attempt)));
      try {
        const client = await this.#connect();
        for (const channel of this.#handlers.keys())
          await client.query(`LISTEN ${pg.escapeIdentifier(channel)}`);
        this.#options.onReconnect?.();
        return;
      } catch (error) {
        this.#options.onError?.(error);
      }
    }
  }
}

/** A channel name for this database schema (`flowgate_<what>_<schema>`), so schemas sharing a database stay apart. */
export function channelName(what: string, schema: string | undefined): string {
  const namespace = (schema ?? "public").replace(/[^a-zA-Z0-9_]/g, "_");
  return `flowgate_${what}_${namespace}`.slice(0, 63);
}
