import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { sql } from "kysely";
import { afterAll, describe, expect, it } from "vitest";
import { EmbeddedDatabaseThread } from "../src/embedded-database-thread.ts";
import { createDatabase, type DatabaseHandle, findApiKeyByHash, migrateToLatest } from "../src/index.ts";

/**
 * The embedded database on a thread of its own, as `main.ts` opens it: Flowgate's migrations and
 * repositories through Kysely, transactions that commit and roll back, errors with their PostgreSQL
 * fields, values that keep their types across the threads, and a data directory that survives a restart.
 */
describe("embedded database on its own thread", () => {
  const dataDir = mkdtempSync(join(tmpdir(), "flowgate-thread-db-"));
  const open: DatabaseHandle[] = [];
  const openDatabase = () => {
    const database = createDatabase({ pglite: new EmbeddedDatabaseThread(join(dataDir, "pglite")) });
    open.push(database);
    return database;
  };

  afterAll(async () => {
    for (const database of open) await database.close();
    rmSync(dataDir, { recursive: true, force: true });
  });

  it("migrates, reads and writes through Kysely, commits and rolls back transactions", async () => {
    const { db } = openDatabase();
    await migrateToLatest(db);
    expect(await findApiKeyByHash(db, "no such hash")).toBeUndefined();

    await sql`create table thread_probe (id int primary key, at timestamptz, bytes bytea, big int8, doc jsonb)`.execute(
      db,
    );
    const at = new Date("2026-11-30T12:34:56.789Z");
    await db.transaction().execute(async (tx) => {
      await sql`insert into thread_probe values (1, ${at}, ${new Uint8Array([1, 2, 255])}, 9007199254740993, ${JSON.stringify({ a: [1, "b"] })})`.execute(
        tx,
      );
    });
    await expect(
      db.transaction().execute(async (tx) => {
        await sql`insert into thread_probe (id) values (2)`.execute(tx);
        throw new Error("changed my mind");
      }),
    ).rejects.toThrow("changed my mind");

    const { rows } = await sql<{
      id: number;
      at: Date;
      bytes: Uint8Array;
      big: unknown;
      doc: unknown;
    }>`select * from thread_probe order by id`.execute(db);
    expect(rows).toHaveLength(1);
    expect(rows[0]?.at).toEqual(at);
    expect([...(rows[0]?.bytes ?? [])]).toEqual([1, 2, 255]);
    expect(String(rows[0]?.big)).toBe("9007199254740993");
    expect(rows[0]?.doc).toEqual({ a: [1, "b"] });
  });

  it("rejects with the PostgreSQL error's fields, and the connection stays usable", async () => {
    const { db } = open[0]!;
    const failure = await sql`insert into thread_probe (id) values (1)`.execute(db).catch((e: unknown) => e);
    expect(failure).toBeInstanceOf(Error);
    expect(failure).toMatchObject({ code: "23505", constraint: "thread_probe_pkey" });

    // A failed statement inside a transaction rolls the whole transaction back.
    await expect(
      db.transaction().execute(async (tx) => {
        await sql`insert into thread_probe (id) values (3)`.execute(tx);
        await sql`select * from no_such_table`.execute(tx);
      }),
    ).rejects.toMatchObject({ code: "42P01" });
    const { rows } = await sql<{ n: number }>`select count(*)::int as n from thread_probe`.execute(db);
    expect(rows[0]?.n).toBe(1);
  });

  it("keeps the data when closed and opened again", async () => {
    await open.shift()!.close();
    const { db } = openDatabase();
    const { rows } = await sql<{ id: number }>`select id from thread_probe`.execute(db);
    expect(rows).toEqual([{ id: 1 }]);
  });
});
