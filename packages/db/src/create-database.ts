import { createRequire } from "node:module";
import {
  type Dialect,
  Kysely,
  PGliteDialect,
  type PGlite as PGliteLike,
  PostgresDialect,
  type PostgresDialectConfig,
  sql,
} from "kysely";
import { Migrator } from "kysely/migration";
import type pg from "pg";
import type { BackoffBounds } from "./backoff.ts";
import type { Database, Db } from "./database.ts";
import { DatabaseAvailability } from "./database-availability.ts";
import { asDatabaseUnavailable, DatabaseUnavailableError } from "./database-unavailable.ts";
import { migrationProvider } from "./migrations/index.ts";
import { preparingClient } from "./prepared-statements.ts";
import { ResilientDriver } from "./resilient-driver.ts";
import { SerializedDriver } from "./serialized-driver.ts";

/** How to reach the database. */
export interface DatabaseOptions {
  /** PostgreSQL connection string; when absent an embedded PGlite database is used. */
  url?: string | undefined;
  /** PGlite data directory (created when missing); in memory when absent. Ignored with `url`. */
  dataDir?: string | undefined;
  /**
   * An embedded database already opening (an `EmbeddedDatabaseThread`, or a PGlite instance), used
   * instead of opening `dataDir`; closed with the handle. Ignored with `url`.
   */
  pglite?: PGliteLike | undefined;
  /** Schema to use (PostgreSQL only): becomes the connection's `search_path`. */
  schema?: string | undefined;
  /** Pool size for PostgreSQL (default 10). */
  poolSize?: number | undefined;
  /**
   * How long opening a connection may take before the request fails with `DatabaseUnavailableError`, in
   * ms (PostgreSQL only; default 2000). Waiting for a free pooled connection is not bounded: under load
   * requests queue, as before; during an outage they fail at once (see `DatabaseAvailability`).
   */
  connectTimeoutMs?: number | undefined;
  /** Delays between availability probes while the database is down (default 100 ms up to 1 s). */
  retry?: BackoffBounds | undefined;
  /**
   * Called with connection errors that no query was waiting for (an idle pooled connection that the
   * server closed); they are survived, never thrown. Default: ignore.
   */
  onConnectionError?: ((error: DatabaseUnavailableError) => void) | undefined;
  /**
   * Run parameterized statements as named prepared statements, in transactions too, each prepared once
   * per connection (PostgreSQL only; default true; see `preparingClient`). Off for a connection pooler
   * that does not support them.
   */
  preparedStatements?: boolean | undefined;
}

/** A connected database and how it was made. */
export interface DatabaseHandle {
  db: Db;
  kind: "postgres" | "pglite";
  /** The PostgreSQL schema in use, when one was chosen. */
  schema?: string | undefined;
  /** Whether the database serves; shared by everything that uses `db` (always available on PGlite). */
  availability: DatabaseAvailability;
  /** Closes the pool or the embedded database. */
  close(): Promise<void>;
}

/**
 * `pg` (CommonJS, about 30 modules), loaded when a PostgreSQL connection is first made: a process on the
 * embedded database never needs it, and its cold start does not load it.
 */
export function loadPg(): typeof pg {
  return createRequire(import.meta.url)("pg") as typeof pg;
}

class SerializedPGliteDialect extends PGliteDialect {
  override createDriver() {
    return new SerializedDriver(super.createDriver());
  }
}

class ResilientPostgresDialect extends PostgresDialect {
  readonly #availability: DatabaseAvailability;

  constructor(config: PostgresDialectConfig, availability: DatabaseAvailability) {
    super(config);
    this.#availability = availability;
  }

  override createDriver() {
    return new ResilientDriver(super.createDriver(), this.#availability);
  }
}

/**
 * Builds the Kysely dialect: a `pg` Pool when a URL is given, embedded PGlite otherwise. On PostgreSQL
 * every connection carries an error listener (a connection the server closes, idle or in use, never
 * becomes an unhandled `'error'` event), connects with a timeout and TCP keep-alive, and its failures
 * reach `availability` as `DatabaseUnavailableError`s.
 */
export function createDialect(
  options: DatabaseOptions,
  availability: DatabaseAvailability = new DatabaseAvailability(),
): { dialect: Dialect; kind: DatabaseHandle["kind"] } {
  if (options.url) {
    const config = connectionConfig(options);
    // The connect timeout goes to each connection, not to the pool, where it would also bound the wait
    // for a free connection and turn a busy pool into failed requests.
    const { Client: PgClient, Pool } = loadPg();
    const Client =
      options.preparedStatements === false ? PgClient : preparingClient(PgClient, options.schema ?? "");
    class TimedClient extends Client {
      constructor() {
        super(config);
      }
    }
    const { connectionTimeoutMillis: _perConnection, ...poolConfig } = config;
    const pool = new Pool({ ...poolConfig, max: options.poolSize ?? 10, Client: TimedClient });
    const survive = (error: unknown) => {
      const unavailable =
        asDatabaseUnavailable(error) ?? new DatabaseUnavailableError("connection_lost", error);
      availability.reportFailure(unavailable);
      options.onConnectionError?.(unavailable);
    };
    // The pool re-emits errors of idle connections; a connection in use emits on itself.
    pool.on("error", survive);
    pool.on("connect", (client) => client.on("error", survive));
    return { dialect: new ResilientPostgresDialect({ pool }, availability), kind: "postgres" };
  }
  // PGlite itself loads when the first query needs it (`openEmbeddedDatabase`), not with this module.
  const pglite =
    options.pglite ??
    (async () => (await import("./embedded-database.ts")).openEmbeddedDatabase(options.dataDir));
  return { dialect: new SerializedPGliteDialect({ pglite }), kind: "pglite" };
}

/** The connection settings shared by the pool and the availability probe. */
function connectionConfig(options: DatabaseOptions): pg.ClientConfig {
  return {
    connectionString: options.url,
    connectionTimeoutMillis: options.connectTimeoutMs ?? 2000,
    keepAlive: true,
    ...(options.schema ? { options: `-c search_path=${options.schema}` } : {}),
  };
}

/**
 * Opens one connection of its own, runs `select 1` and closes it; rejects when the database does not
 * serve. Used to find out that the database is back without going through the (refusing) pool.
 */
async function probeConnection(options: DatabaseOptions): Promise<void> {
  const client = new (loadPg().Client)(connectionConfig(options));
  client.on("error", () => {});
  try {
    await client.connect();
    await client.query("select 1");
  } finally {
    await client.end().catch(() => {});
  }
}

/** Connects to the database described by `options` (PGlite when `url` is unset). */
export function createDatabase(options: DatabaseOptions = {}): DatabaseHandle {
  const availability = new DatabaseAvailability(
    options.url
      ? { probe: () => probeConnection(options), ...(options.retry ? { backoff: options.retry } : {}) }
      : {},
  );
  const { dialect, kind } = createDialect(options, availability);
  const db = new Kysely<Database>({ dialect });
  return {
    db,
    kind,
    schema: options.schema,
    availability,
    close: async () => {
      availability.close();
      await db.destroy();
    },
  };
}

/**
 * Applies every pending migration; throws with the failing migration's error. With `schema`, Kysely's
 * own migration tables live in that schema too (other schemas of the same database may hold their own).
 * On PostgreSQL, processes starting together take turns through an advisory lock, so only one of them
 * creates the migration tables.
 *
 * Kysely's migrator looks for its tables by introspecting every table of every schema of the database,
 * which fails (`3F000` schema, `42P01` table or `42703` column does not exist) when another client drops
 * or alters tables elsewhere in the same database meanwhile — test suites sharing one database do, all the
 * time. That says nothing about our schema, so the introspection runs without parallel workers (which
 * widen the race) and the attempt is repeated a few times.
 */
export async function migrateToLatest(db: Db, schema?: string): Promise<void> {
  if (await upToDate(db, schema)) return;
  for (let attempt = 1; ; attempt++) {
    try {
      await migrateOnce(db, schema);
      return;
    } catch (error) {
      const code = (error as { cause?: { code?: unknown } }).cause?.code;
      const raced = code === "3F000" || code === "42P01" || code === "42703";
      if (!raced || attempt >= 5) throw error;
    }
  }
}

async function migrateOnce(db: Db, schema: string | undefined): Promise<void> {
  await db.connection().execute(async (connection) => {
    const lockKey = `flowgate_migrations_${schema ?? "public"}`;
    const postgres = !(await isPGlite(connection));
    if (postgres) {
      await sql`select pg_advisory_lock(hashtext(${lockKey}))`.execute(connection);
      await sql`set max_parallel_workers_per_gather = 0`.execute(connection);
    }
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
      if (postgres) {
        await sql`reset max_parallel_workers_per_gather`.execute(connection);
        await sql`select pg_advisory_unlock(hashtext(${lockKey}))`.execute(connection);
      }
    }
  });
}

/**
 * Whether every migration is already applied: one look at Kysely's migration table, so that a process
 * starting on an up-to-date database (every restart) skips the migrator's lock and its introspection of
 * every table of every schema.
 */
async function upToDate(db: Db, schema: string | undefined): Promise<boolean> {
  const table = schema ? `${schema}.kysely_migration` : "kysely_migration";
  const { rows: found } = await sql<{
    found: string | null;
  }>`select to_regclass(${table})::text as found`.execute(db);
  if (!found[0]?.found) return false;
  const migrationTable = schema ? sql.id(schema, "kysely_migration") : sql.id("kysely_migration");
  const { rows } = await sql<{ name: string }>`select name from ${migrationTable}`.execute(db);
  const applied = new Set(rows.map((row) => row.name));
  const all = Object.keys(await migrationProvider.getMigrations());
  return all.every((name) => applied.has(name));
}

async function isPGlite(db: Db): Promise<boolean> {
  const { rows } = await sql<{ version: string }>`select version()`.execute(db);
  return /wasm|emscripten/i.test(rows[0]?.version ?? "");
}
