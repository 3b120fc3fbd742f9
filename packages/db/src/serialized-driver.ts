import type { DatabaseConnection, Driver, TransactionSettings } from "kysely";

/**
 * Wraps a single-connection driver (PGlite) so that one query or one transaction holds the connection
 * at a time. Kysely's PGlite driver hands the same connection to every caller, so without this a plain
 * query issued while another caller's transaction is open would run inside that transaction.
 */
export class SerializedDriver implements Driver {
  readonly #inner: Driver;
  #tail: Promise<void> = Promise.resolve();
  #release: (() => void) | undefined;

  constructor(inner: Driver) {
    this.#inner = inner;
  }

  init(): Promise<void> {
    return this.#inner.init();
  }

  async acquireConnection(): Promise<DatabaseConnection> {
    const previous = this.#tail;
    let release!: () => void;
    this.#tail = new Promise<void>((resolve) => {
      release = resolve;
    });
    await previous;
    this.#release = release;
    return this.#inner.acquireConnection();
  }

  async releaseConnection(connection: DatabaseConnection): Promise<void> {
    await this.#inner.releaseConnection(connection);
    const release = this.#release;
    this.#release = undefined;
    release?.();
  }

  beginTransaction(connection: DatabaseConnection, settings: TransactionSettings): Promise<void> {
    return this.#inner.beginTransaction(connection, settings);
  }

  commitTransaction(connection: DatabaseConnection): Promise<void> {
    return this.#inner.commitTransaction(connection);
  }

  rollbackTransaction(connection: DatabaseConnection): Promise<void> {
    return this.#inner.rollbackTransaction(connection);
  }

  savepoint: Driver["savepoint"] = (connection, name, compile) =>
    this.#inner.savepoint!(connection, name, compile);
  rollbackToSavepoint: Driver["rollbackToSavepoint"] = (connection, name, compile) =>
    this.#inner.rollbackToSavepoint!(connection, name, compile);
  releaseSavepoint: Driver["releaseSavepoint"] = (connection, name, compile) =>
    this.#inner.releaseSavepoint!(connection, name, compile);

  destroy(): Promise<void> {
    return this.#inner.destroy();
  }
}
