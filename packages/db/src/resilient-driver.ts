import type {
  CompiledQuery,
  DatabaseConnection,
  Driver,
  QueryCompiler,
  QueryResult,
  TransactionSettings,
} from "kysely";
import type { DatabaseAvailability } from "./database-availability.ts";
import { asDatabaseUnavailable } from "./database-unavailable.ts";

/**
 * Wraps the `pg` driver so that the rest of Flowgate sees one error type for an outage: every
 * connection-level failure (acquiring a connection, a query, a transaction statement) is rethrown as a
 * `DatabaseUnavailableError` and reported to the process's {@link DatabaseAvailability}; while that says
 * the database is down, acquiring a connection fails at once. Statement errors pass through unchanged.
 */
export class ResilientDriver implements Driver {
  readonly #inner: Driver;
  readonly #availability: DatabaseAvailability;

  constructor(inner: Driver, availability: DatabaseAvailability) {
    this.#inner = inner;
    this.#availability = availability;
  }

  init(): Promise<void> {
    return this.#guard(() => this.#inner.init());
  }

  async acquireConnection(): Promise<DatabaseConnection> {
    if (!this.#availability.available) throw this.#availability.circuitOpenError();
    const connection = await this.#guard(() => this.#inner.acquireConnection());
    return new GuardedConnection(connection, (run) => this.#guard(run));
  }

  beginTransaction(connection: DatabaseConnection, settings: TransactionSettings): Promise<void> {
    return this.#guard(() => this.#inner.beginTransaction(unwrap(connection), settings));
  }

  commitTransaction(connection: DatabaseConnection): Promise<void> {
    return this.#guard(() => this.#inner.commitTransaction(unwrap(connection)));
  }

  rollbackTransaction(connection: DatabaseConnection): Promise<void> {
    return this.#guard(() => this.#inner.rollbackTransaction(unwrap(connection)));
  }

  savepoint(connection: DatabaseConnection, name: string, compile: QueryCompiler["compileQuery"]) {
    return this.#guard(() => this.#inner.savepoint!(unwrap(connection), name, compile));
  }

  rollbackToSavepoint(connection: DatabaseConnection, name: string, compile: QueryCompiler["compileQuery"]) {
    return this.#guard(() => this.#inner.rollbackToSavepoint!(unwrap(connection), name, compile));
  }

  releaseSavepoint(connection: DatabaseConnection, name: string, compile: QueryCompiler["compileQuery"]) {
    return this.#guard(() => this.#inner.releaseSavepoint!(unwrap(connection), name, compile));
  }

  releaseConnection(connection: DatabaseConnection): Promise<void> {
    return this.#inner.releaseConnection(unwrap(connection));
  }

  destroy(): Promise<void> {
    return this.#inner.destroy();
  }

  async #guard<T>(run: () => Promise<T>): Promise<T> {
    try {
      return await run();
    } catch (error) {
      const unavailable = asDatabaseUnavailable(error);
      if (!unavailable) throw error;
      this.#availability.reportFailure(unavailable);
      throw unavailable;
    }
  }
}

/** A pooled connection whose query errors go through the driver's classification. */
class GuardedConnection implements DatabaseConnection {
  readonly inner: DatabaseConnection;
  readonly #guard: <T>(run: () => Promise<T>) => Promise<T>;

  constructor(inner: DatabaseConnection, guard: <T>(run: () => Promise<T>) => Promise<T>) {
    this.inner = inner;
    this.#guard = guard;
  }

  executeQuery<R>(compiledQuery: CompiledQuery): Promise<QueryResult<R>> {
    return this.#guard(() => this.inner.executeQuery<R>(compiledQuery));
  }

  async *streamQuery<R>(
    compiledQuery: CompiledQuery,
    chunkSize: number,
  ): AsyncIterableIterator<QueryResult<R>> {
    const iterator = this.inner.streamQuery<R>(compiledQuery, chunkSize);
    for (;;) {
      const next = await this.#guard(() => iterator.next());
      if (next.done) return;
      yield next.value;
    }
  }
}

function unwrap(connection: DatabaseConnection): DatabaseConnection {
  return connection instanceof GuardedConnection ? connection.inner : connection;
}
