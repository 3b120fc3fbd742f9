import { checkPersonalDataPolicy, personalDataPolicy, type QualifiedColumn } from "@flowgate/domain";
import { sql } from "kysely";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createTestDatabase, type TestDatabase, testBackends } from "../src/testing/index.ts";

/**
 * The data-protection definition covers the live schema: every column of every table the migrations create
 * is classified (personal, with its redaction, or audit), and every classified column exists. A branch that
 * adds a column without classifying it fails here.
 */
describe.each(testBackends())("personal-data definition against the migrated schema (%s)", (backend) => {
  let t: TestDatabase;
  beforeAll(async () => {
    t = await createTestDatabase(backend);
  });
  afterAll(() => t.close());

  it("classifies every column of every table, and nothing that does not exist", async () => {
    const { rows } = await sql<{ table_name: string; column_name: string }>`
      select c.table_name, c.column_name
      from information_schema.columns c
      join information_schema.tables t on t.table_schema = c.table_schema and t.table_name = c.table_name
      where c.table_schema = current_schema() and t.table_type = 'BASE TABLE'
        and c.table_name not like 'kysely_migration%'
      order by c.table_name, c.ordinal_position`.execute(t.db);
    const columns = rows.map((row) => `${row.table_name}.${row.column_name}` as QualifiedColumn);
    expect(columns.length).toBeGreaterThan(100);
    expect(checkPersonalDataPolicy(columns)).toEqual([]);
    expect(new Set(rows.map((row) => row.table_name))).toEqual(new Set(Object.keys(personalDataPolicy)));
  });
});
