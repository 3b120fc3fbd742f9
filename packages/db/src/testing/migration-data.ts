import type { Kysely } from "kysely";
import { Migrator, NO_MIGRATIONS } from "kysely/migration";
import { migrateToLatest } from "../create-database.ts";
import { migrationProvider } from "../migrations/index.ts";
import { createEmptyTestDatabase, type TestBackend, type TestDatabase } from "./index.ts";

/** A test database stopped just before one migration; see {@link databaseBefore}. */
export interface MigrationDataTest extends TestDatabase {
  /**
   * The database as the migrations before the one under test left it, untyped: seed it the way the
   * schema was then (`db` is typed for the latest schema).
   */
  before: Kysely<any>;
  /** Applies the remaining migrations, the one under test first. */
  finishMigrating(): Promise<void>;
}

/**
 * A migration data test, as GraphQL Hive writes them: a fresh test database migrated to just before
 * `migration`; the test seeds rows as they were, calls `finishMigrating()`, and asserts what became of
 * them. Every migration that touches existing rows (backfills, rewrites, new NOT NULL columns, tightened
 * constraints) gets one (docs/testing.md).
 *
 * @param backend - Where to run.
 * @param migration - The dated name of the migration under test, e.g. `2026-11-22T04-00_workspace-workflows`.
 */
export async function databaseBefore(backend: TestBackend, migration: string): Promise<MigrationDataTest> {
  const names = Object.keys(await migrationProvider.getMigrations()).sort();
  const index = names.indexOf(migration);
  if (index < 0) throw new Error(`No migration named ${migration}`);
  const database = await createEmptyTestDatabase(backend);
  try {
    const migrator = new Migrator({
      db: database.db,
      provider: migrationProvider,
      ...(database.schema ? { migrationTableSchema: database.schema } : {}),
    });
    const { error } = await migrator.migrateTo(index === 0 ? NO_MIGRATIONS : (names[index - 1] as string));
    if (error) throw error;
  } catch (error) {
    await database.close();
    throw error;
  }
  return {
    ...database,
    before: database.db as unknown as Kysely<any>,
    finishMigrating: () => migrateToLatest(database.db, database.schema),
  };
}
