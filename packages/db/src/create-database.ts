import { PGlite } from "@electric-sql/pglite";
import { type Dialect, Kysely, PGliteDialect, PostgresDialect } from "kysely";
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
  return { db, kind, close: () => db.destroy() };
}

/** Applies every pending migration; throws with the failing migration's error. */
export async function migrateToLatest(db: Db): Promise<void> {
  const migrator = new Migrator({ db, provider: migrationProvider });
  const { error, results } = await migrator.migrateToLatest();
  if (error) {
    const failed = results?.find((r) => r.status === "Error");
    throw new Error(`Migration ${failed?.migrationName ?? "(unknown)"} failed: ${String(error)}`, {
      cause: error,
    });
  }
}
