import { createServer, type Server, Socket } from "node:net";
import { sql } from "kysely";
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import {
  type AvailabilityChange,
  createDatabase,
  type DatabaseHandle,
  DatabaseUnavailableError,
  isDatabaseUnavailableError,
} from "../src/index.ts";

/**
 * A TCP proxy in front of the PostgreSQL of `DATABASE_URL`, on a port of its own: closing it stands for
 * the database going away (refused connections), cutting its sockets for connections dropped mid-use.
 */
class TcpProxy {
  readonly #target: { host: string; port: number };
  readonly #sockets = new Set<Socket>();
  #server: Server | undefined;
  port = 0;

  constructor(target: { host: string; port: number }) {
    this.#target = target;
  }

  async open(): Promise<void> {
    this.#server = createServer((client) => {
      const upstream = new Socket();
      for (const socket of [client, upstream]) {
        this.#sockets.add(socket);
        socket.on("error", () => {});
        socket.on("close", () => {
          this.#sockets.delete(socket);
          client.destroy();
          upstream.destroy();
        });
      }
      upstream.connect(this.#target.port, this.#target.host, () => {
        client.pipe(upstream);
        upstream.pipe(client);
      });
    });
    await new Promise<void>((resolve) => this.#server!.listen(this.port, "127.0.0.1", resolve));
    this.port = (this.#server.address() as { port: number }).port;
  }

  /** Stops accepting and drops every open connection. */
  async close(): Promise<void> {
    for (const socket of this.#sockets) socket.destroy();
    await new Promise<void>((resolve) => (this.#server ? this.#server.close(() => resolve()) : resolve()));
    this.#server = undefined;
  }
}

const url = process.env.DATABASE_URL;

describe.skipIf(!url)("database availability (PostgreSQL behind a proxy that the test cuts)", () => {
  let proxy: TcpProxy;
  let database: DatabaseHandle;
  const changes: AvailabilityChange[] = [];
  const connectionErrors: DatabaseUnavailableError[] = [];

  beforeAll(async () => {
    const target = new URL(url!);
    proxy = new TcpProxy({ host: target.hostname, port: Number(target.port || 5432) });
    await proxy.open();
    target.host = `127.0.0.1:${proxy.port}`;
    database = createDatabase({
      url: target.toString(),
      poolSize: 2,
      connectTimeoutMs: 1000,
      retry: { minMs: 20, maxMs: 100 },
      onConnectionError: (error) => connectionErrors.push(error),
    });
    database.availability.onChange((change) => changes.push(change));
  });
  afterAll(async () => {
    await database?.close();
    await proxy?.close();
  });
  afterEach(async () => {
    // Every test leaves the database reachable.
    if (!database.availability.available) await database.availability.waitUntilAvailable();
  });

  it("passes statement errors through unchanged and stays available", async () => {
    const error = await sql`select 1 / 0`.execute(database.db).catch((e: unknown) => e);
    expect(isDatabaseUnavailableError(error)).toBe(false);
    expect((error as { code?: string }).code).toBe("22012");
    expect(database.availability.available).toBe(true);
  });

  it("turns refused connections into DatabaseUnavailableError, then fails fast until a probe succeeds", async () => {
    await proxy.close();
    const refused = await sql`select 1`.execute(database.db).catch((e: unknown) => e);
    expect(refused).toBeInstanceOf(DatabaseUnavailableError);
    // Idle pooled connections dropped by the proxy either surfaced here or as a survived connection error.
    expect(["unreachable", "connection_lost"]).toContain((refused as DatabaseUnavailableError).reason);
    expect(database.availability.available).toBe(false);
    expect(changes.at(-1)).toMatchObject({ available: false });

    const fast = await sql`select 1`.execute(database.db).catch((e: unknown) => e);
    expect(fast).toBeInstanceOf(DatabaseUnavailableError);
    expect((fast as DatabaseUnavailableError).reason).toBe("circuit_open");
    expect((fast as DatabaseUnavailableError).code).toBe("DATABASE_UNAVAILABLE");

    await proxy.open();
    await database.availability.waitUntilAvailable();
    expect(changes.at(-1)).toMatchObject({ available: true });
    expect((changes.at(-1) as { unavailableForMs: number }).unavailableForMs).toBeGreaterThanOrEqual(0);
    const { rows } = await sql<{ one: number }>`select 1 as one`.execute(database.db);
    expect(rows).toEqual([{ one: 1 }]);
  });

  it("survives connections dropped while idle and while in a transaction, without an unhandled 'error'", async () => {
    // Fill the pool with connections, keep one busy in a transaction, then cut every connection.
    await Promise.all([sql`select 1`.execute(database.db), sql`select 1`.execute(database.db)]);
    const inTransaction = database.db.transaction().execute(async (trx) => {
      await sql`select 1`.execute(trx);
      await proxy.close();
      await sql`select pg_sleep(0.05)`.execute(trx);
    });
    const error = await inTransaction.catch((e: unknown) => e);
    expect(error).toBeInstanceOf(DatabaseUnavailableError);
    expect(database.availability.available).toBe(false);
    await proxy.open();
    await database.availability.waitUntilAvailable();
    const { rows } = await sql<{ one: number }>`select 1 as one`.execute(database.db);
    expect(rows).toEqual([{ one: 1 }]);
    expect(connectionErrors.every((e) => e instanceof DatabaseUnavailableError)).toBe(true);
  });
});
