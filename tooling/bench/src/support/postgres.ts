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
