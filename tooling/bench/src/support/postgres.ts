import { randomBytes } from "node:crypto";
import pg from "pg";

/** Runs `fn` with a client of its own on `url`, closed afterwards. */
export async function withClient<T>(url: string, fn: (client: pg.Client) => Promise<T>): Promise<T> {
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  try {
    return await fn(client);
  } finally {
    await client.end();
  }
}

/** A scratch schema name with the given prefix (`bench_engine_1a2b3c4d`). */
export function scratchSchemaName(prefix: string): string {
  return `${prefix}_${randomBytes(4).toString("hex")}`;
}

/** Creates an empty schema. */
export async function createSchema(url: string, schema: string): Promise<void> {
  await withClient(url, (client) => client.query(`create schema ${schema}`));
}

/** Drops a schema and everything in it (no error when it does not exist). */
export async function dropSchema(url: string, schema: string): Promise<void> {
  await withClient(url, (client) => client.query(`drop schema if exists ${schema} cascade`));
}

/** The server's version, e.g. "PostgreSQL 15.8". */
export async function serverVersion(url: string): Promise<string> {
  return withClient(url, async (client) => {
    const { rows } = await client.query<{ server_version: string }>("show server_version");
    return `PostgreSQL ${rows[0]?.server_version ?? "?"}`;
  });
}

/**
 * The database the benchmark runs in: `BENCH_DATABASE_URL` when set, otherwise a database named
 * `<DATABASE_URL's database>_bench` on the same server, created when missing. A database of its own keeps
 * the benchmark away from test suites that create and drop schemas in the shared database all the time:
 * Flowgate's migrator (Kysely) introspects every schema of its database and fails when a table of another
 * schema changes at that moment.
 */
export async function ensureBenchDatabase(serverUrl: string, explicitUrl?: string): Promise<string> {
  if (explicitUrl) return explicitUrl;
  const url = new URL(serverUrl);
  const name = `${decodeURIComponent(url.pathname.slice(1)) || "postgres"}_bench`;
  if (!/^[a-z_][a-z0-9_]{0,62}$/.test(name))
    throw new Error(`cannot derive a database name from ${url.pathname}`);
  await withClient(serverUrl, async (client) => {
    const { rowCount } = await client.query("select 1 from pg_database where datname = $1", [name]);
    if (rowCount) return;
    try {
      await client.query(`create database ${name}`);
    } catch (error) {
      // Another benchmark created it in the meantime.
      if ((error as { code?: string }).code !== "42P04") throw error;
    }
  });
  url.pathname = `/${name}`;
  return url.toString();
}
