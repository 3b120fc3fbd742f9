import { sql } from "kysely";
import { test as baseTest, describe, expect } from "vitest";
import { createDatabase } from "../src/index.ts";
import { maxPreparedStatementsPerConnection } from "../src/prepared-statements.ts";
import { testBackends, withDatabase } from "../src/testing/index.ts";

const test = withDatabase(baseTest);

/** The prepared statements of the connection that runs it (PostgreSQL keeps them per connection). */
const preparedNames = sql<{
  name: string;
}>`select name from pg_prepared_statements where name like 'fg\\_%' order by name`;

describe.each(testBackends())("prepared statements (%s)", (backend) => {
  test.override({ backend });

  test("a read answers the same after its table gained a column (a stale statement runs again unnamed)", async ({
    database: t,
  }) => {
    await sql`create table prepared_probe (id int primary key, label text)`.execute(t.db);
    await sql`insert into prepared_probe values (${1}, ${"one"})`.execute(t.db);
    // One connection, so that the statement prepared by the first reads is the one the last read meets.
    await t.db.connection().execute(async (db) => {
      const read = () =>
        sql<Record<string, unknown>>`select * from prepared_probe where id = ${1}`.execute(db);
      for (let i = 0; i < 6; i++) expect((await read()).rows).toEqual([{ id: 1, label: "one" }]);
      await sql`alter table prepared_probe add column extra text default 'x'`.execute(db);
      expect((await read()).rows).toEqual([{ id: 1, label: "one", extra: "x" }]);
      expect((await read()).rows).toEqual([{ id: 1, label: "one", extra: "x" }]);
      // In a transaction the statement is prepared too.
      const readInTransaction = () =>
        db
          .transaction()
          .execute((trx) =>
            sql<Record<string, unknown>>`select * from prepared_probe where id = ${1}`.execute(trx),
          );
      for (let i = 0; i < 6; i++) {
        expect((await readInTransaction()).rows).toEqual([{ id: 1, label: "one", extra: "x" }]);
      }
      await sql`alter table prepared_probe add column more int default 2`.execute(db);
      if (backend === "postgres") {
        // The transaction that meets the stale statement fails (PostgreSQL aborted it; nothing ran) ...
        await expect(readInTransaction()).rejects.toThrow(/cached plan must not change result type/);
      }
      // ... and its retry, like every later statement, is prepared anew against the changed table.
      expect((await readInTransaction()).rows).toEqual([{ id: 1, label: "one", extra: "x", more: 2 }]);
      expect((await read()).rows).toEqual([{ id: 1, label: "one", extra: "x", more: 2 }]);
    });
  });

  test.runIf(backend === "postgres")(
    "parameterized statements are prepared once per connection, in transactions too; the others are not",
    async ({ database: t }) => {
      await t.db.connection().execute(async (db) => {
        const before = (await preparedNames.execute(db)).rows.length;
        for (let i = 0; i < 3; i++) await sql`select ${i}::int + 1 as v`.execute(db);
        await db.transaction().execute(async (trx) => {
          await sql`select ${1}::int + 2 as v`.execute(trx);
        });
        await sql`select 3 as v`.execute(db);
        const { rows } = await preparedNames.execute(db);
        expect(rows).toHaveLength(before + 2);
      });
    },
  );

  test.runIf(backend === "postgres")(
    "a connection prepares at most its bound; further texts run unnamed",
    async ({ database: t }) => {
      await t.db.connection().execute(async (db) => {
        for (let i = 0; i < maxPreparedStatementsPerConnection + 5; i++) {
          const { rows } = await sql<{ v: number }>`select ${i}::int as ${sql.id(`v${i}`)}`.execute(db);
          expect(rows).toEqual([{ [`v${i}`]: i }]);
        }
        const { rows } = await preparedNames.execute(db);
        expect(rows.length).toBeLessThanOrEqual(maxPreparedStatementsPerConnection);
      });
    },
  );

  test.runIf(backend === "postgres")(
    "preparedStatements: false prepares nothing",
    async ({ database: t }) => {
      const unprepared = createDatabase({
        url: t.url,
        schema: t.schema,
        poolSize: 1,
        preparedStatements: false,
      });
      try {
        await unprepared.db.connection().execute(async (db) => {
          for (let i = 0; i < 3; i++) await sql`select ${i}::int + 1 as v`.execute(db);
          expect((await preparedNames.execute(db)).rows).toEqual([]);
        });
      } finally {
        await unprepared.close();
      }
    },
  );
});
