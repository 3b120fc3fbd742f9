import { PGlite } from "@electric-sql/pglite";
import { type Dialect, Kysely, PGliteDialect, PostgresDialect, sql } from "kysely";
import { Migrator } from "kysely/migration";
import pg from "pg";
import type { Database, Db } from "./database.ts";
import { migrationProvider } from "./migrations/index.ts";
import { SerializedDriver } from "./serialized-driver.ts";

/** How to reach the database. */
export interface DatabaseOptions {
  /** PostgreSQL connection string; when absent an embedded PGlite database is used. */
  url?: string | undefined;
  /** PGlite data directory; in memory when absent. Ignored with `url`. */
  dataDir?: string | undefined;
  /** Schema to use (PostgreSQL only): becomes the connection's `search_path`. */
  schema?: string | undefined;
  /** Pool size for PostgreSQL (default 10). */
  poolSize?: number | undefined;
}

/** A connected database and how it was made. */
export interface DatabaseHandle {
  db: Db;
  kind: "postgres" | "pglite";
  /** The PostgreSQL schema in use, when one was chosen. */
  schema?: string | undefined;
  /** Closes the pool or the embedded database. */
  close(): Promise<void>;
}

class SerializedPGliteDialect extends PGliteDialect {
  override createDriver() {
    return new SerializedDriver(super.createDriver());
  }
}

/** Builds the Kysely dialect: `pg` Pool when a URL is given, embedded PGlite otherwise. */
export function createDialect(options: DatabaseOptions): { dialect: Dialect; kind: DatabaseHandle["kind"] } {
  if (options.url) {
    const pool = new pg.Pool({
      connectionString: options.url,
      max: options.poolSize ?? 10,
      ...(options.schema ? { options: `-c search_path=${options.schema}` } : {}),
    });
    return { dialect: new PostgresDialect({ pool }), kind: "postgres" };
  }
  const pglite = new PGlite(options.dataDir);
  return { dialect: new SerializedPGliteDialect({ pglite }), kind: "pglite" };
}

/** Connects to the database described by `options` (PGlite when `url` is unset). */
export function createDatabase(options: DatabaseOptions = {}): DatabaseHandle {
  const { dialect, kind } = createDialect(options);
  const db = new Kysely<Database>({ dialect });
  return { db, kind, schema: options.schema, close: () => db.destroy() };
}

/**
 * Applies every pending migration; throws with the failing migration's error. With `schema`, Kysely's
 * own migration tables live in that schema too (other schemas of the same database may hold their own).
 * On PostgreSQL, processes starting together take turns through an advisory lock, so only one of them
 * creates the migration tables.
 */
export async function migrateToLatest(db: Db, schema?: string): Promise<void> {
  await db.connection().execute(async (connection) => {
    const lockKey = `flowgate_migrations_${schema ?? "public"}`;
    const postgres = !(await isPGlite(connection));
    if (postgres) await sql`select pg_advisory_lock(hashtext(${lockKey}))`.execute(connection);
    try {
      const migrator = new Migrator({
        db: connection,
        provider: migrationProvider,
        ...(schema ? { migrationTableSchema: schema } : {}),
      });
      const { error, results } = await migrator.migrateToLatest();
      if (error) {
        const failed = results?.find((r) => r.status === "Error");
        throw new Error(`Migration ${failed?.migrationName ?? "(unknown)"} failed: ${String(error)}`, {
          cause: error,
        });
      }
    } finally {
      if (postgres) await sql`select pg_advisory_unlock(hashtext(${lockKey}))`.execute(connection);
    }
  });
}

async function isPGlite(db: Db): Promise<boolean> {
  const { rows } = await sql<{ version: string }>`select version()`.execute(db);
  return /wasm|emscripten/i.test(rows[0]?.version ?? "");
}
