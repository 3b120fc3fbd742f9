import { Worker } from "node:worker_threads";
import type { PGlite as PGliteLike, PGliteQueryResults, PGliteTransaction } from "kysely";

/** A request to the embedded database's thread. */
export type ThreadRequest = { id: number } & (
  | { op: "query"; sql: string; params: unknown[]; inTransaction: boolean }
  | { op: "begin" | "commit" | "rollback" | "close" }
);

/** The thread's reply to the request with the same `id` (0: the database opened, or failed to). */
export type ThreadReply =
  | { id: number; ok: true; result: unknown }
  | { id: number; ok: false; error: Record<string, unknown> };

/** The thread's program: TypeScript when running the sources, JavaScript once built. */
const threadMain = new URL(
  import.meta.url.endsWith(".ts")
    ? "./embedded-database-thread-main.ts"
    : "./embedded-database-thread-main.js",
  import.meta.url,
);

/**
 * Flowgate's embedded PostgreSQL (PGlite, opened as `openEmbeddedDatabase` opens it) in a worker thread of
 * its own, behind the PGlite interface Kysely's dialect uses. PGlite runs PostgreSQL as WebAssembly on the
 * thread that opened it; on its own thread its start-up (about half a second of CPU) runs beside the
 * loading of the rest of the process instead of after it, and its queries leave the event loop that serves
 * HTTP free. Rows, parameters and errors cross the threads as structured clones, so dates, byte arrays and
 * big integers arrive as they left; errors keep their fields (`code`, `detail`, `constraint`, …).
 *
 * Kysely's driver holds the connection for one query or transaction at a time (`SerializedDriver`), which
 * is what this expects: one transaction open at a time.
 */
export class EmbeddedDatabaseThread implements PGliteLike {
  ready = false;
  closed = false;
  readonly waitReady: Promise<void>;
  readonly #worker: Worker;
  readonly #pending = new Map<
    number,
    { resolve: (value: unknown) => void; reject: (error: Error) => void }
  >();
  #nextId = 1;
  #exited: Promise<void>;

  /** Starts the thread, which opens the database in `dataDir` (created when missing; in memory without). */
  constructor(dataDir?: string) {
    this.#worker = new Worker(threadMain, { workerData: { dataDir } });
    this.waitReady = new Promise<void>((resolve, reject) => {
      this.#pending.set(0, {
        resolve: () => {
          this.ready = true;
          resolve();
        },
        reject,
      });
    });
    // A failure to open reaches whoever uses the database first; until then it is not unhandled.
    this.waitReady.catch(() => {});
    this.#worker.on("message", (reply: ThreadReply) => {
      const waiting = this.#pending.get(reply.id);
      if (!waiting) return;
      this.#pending.delete(reply.id);
      if (reply.ok) waiting.resolve(reply.result);
      else waiting.reject(toError(reply.error));
    });
    this.#worker.on("error", (error) => this.#failAll(error));
    this.#exited = new Promise((resolve) => {
      this.#worker.once("exit", () => {
        this.closed = true;
        this.#failAll(new Error("The embedded database's thread exited"));
        resolve();
      });
    });
  }

  query<T>(sql: string, params: unknown[] = []): Promise<PGliteQueryResults<T>> {
    return this.#request({ op: "query", sql, params, inTransaction: false }) as Promise<
      PGliteQueryResults<T>
    >;
  }

  /** Runs `callback` in a transaction: committed when it returns, rolled back when it throws. */
  async transaction<T>(callback: (tx: PGliteTransaction) => Promise<T>): Promise<T> {
    await this.#request({ op: "begin" });
    let ended = false;
    const tx: PGliteTransaction = {
      query: <R>(sql: string, params: unknown[] = []) =>
        this.#request({ op: "query", sql, params, inTransaction: true }) as Promise<PGliteQueryResults<R>>,
      rollback: async () => {
        ended = true;
        await this.#request({ op: "rollback" });
      },
    };
    let result: T;
    try {
      result = await callback(tx);
    } catch (error) {
      if (!ended) await this.#request({ op: "rollback" }).catch(() => {});
      throw error;
    }
    if (!ended) await this.#request({ op: "commit" });
    return result;
  }

  /** Closes the database (PostgreSQL shuts down cleanly) and ends the thread. */
  async close(): Promise<void> {
    if (this.closed) return;
    try {
      await this.#request({ op: "close" });
    } finally {
      this.closed = true;
      await this.#worker.terminate();
      await this.#exited;
    }
  }

  #request(request: DistributiveOmit<ThreadRequest, "id">): Promise<unknown> {
    if (this.closed) return Promise.reject(new Error("The embedded database is closed"));
    const id = this.#nextId++;
    return new Promise((resolve, reject) => {
      this.#pending.set(id, { resolve, reject });
      this.#worker.postMessage({ ...request, id });
    });
  }

  #failAll(error: Error): void {
    for (const waiting of this.#pending.values()) waiting.reject(error);
    this.#pending.clear();
  }
}

type DistributiveOmit<T, K extends PropertyKey> = T extends unknown ? Omit<T, K> : never;

/** The thread's error fields back as an `Error` with the same name, message and fields. */
function toError(fields: Record<string, unknown>): Error {
  const { name, message, stack, ...rest } = fields;
  const error = Object.assign(new Error(String(message)), rest);
  if (typeof name === "string") error.name = name;
  if (typeof stack === "string") error.stack = stack;
  return error;
}
