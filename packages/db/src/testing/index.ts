import { randomBytes } from "node:crypto";
import { newId } from "@flowgate/domain";
import pg from "pg";
import { createDatabase, type DatabaseHandle, migrateToLatest } from "../create-database.ts";
import type { Executor } from "../database.ts";
import { insertOrganization, insertWorkspace } from "../repositories/workspaces.repository.ts";

/** The databases a suite runs on: always embedded PGlite, and PostgreSQL when `DATABASE_URL` is set. */
export type TestBackend = "pglite" | "postgres";

/** Backends to run database suites on, in order. */
export function testBackends(): TestBackend[] {
  return process.env.DATABASE_URL ? ["pglite", "postgres"] : ["pglite"];
}

/** A migrated, empty database for one test file; `close` drops what it created. */
export interface TestDatabase extends DatabaseHandle {
  backend: TestBackend;
  /** For PostgreSQL: the URL and schema, so other processes can connect to the same data. */
  url?: string;
  schema?: string;
}

/**
 * Creates a fresh migrated database: a new in-memory PGlite, or a new schema in the PostgreSQL of
 * `DATABASE_URL` (dropped on close), so test files never see each other's rows.
 */
export async function createTestDatabase(backend: TestBackend): Promise<TestDatabase> {
  const database = await createEmptyTestDatabase(backend);
  await migrateToLatest(database.db, database.schema);
  return database;
}

/** Like {@link createTestDatabase}, without migrating it. */
export async function createEmptyTestDatabase(backend: TestBackend): Promise<TestDatabase> {
  if (backend === "pglite") return { ...createDatabase({}), backend };
  const url = process.env.DATABASE_URL;
  if (!url) throw new Error("DATABASE_URL is not set");
  const schema = `test_${randomBytes(6).toString("hex")}`;
  await withAdminClient(url, (client) => client.query(`create schema ${schema}`));
  const handle = createDatabase({ url, schema, poolSize: 8 });
  return {
    ...handle,
    backend,
    url,
    schema,
    close: async () => {
      await handle.close();
      await withAdminClient(url, (client) => client.query(`drop schema ${schema} cascade`));
    },
  };
}

/**
 * Inserts an organization with one workspace (no API keys) for suites below the application layer, which
 * provisions workspaces with keys itself.
 */
export async function createTestWorkspace(
  db: Executor,
  names: { organizationName?: string; workspaceName?: string } = {},
): Promise<{ organizationId: string; workspaceId: string }> {
  const organizationId = newId("org");
  const workspaceId = newId("ws");
  await insertOrganization(db, { id: organizationId, name: names.organizationName ?? "Test organization" });
  await insertWorkspace(db, {
    id: workspaceId,
    organizationId,
    name: names.workspaceName ?? "Test workspace",
  });
  return { organizationId, workspaceId };
}

async function withAdminClient<T>(url: string, fn: (client: pg.Client) => Promise<T>): Promise<T> {
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  try {
    return await fn(client);
  } finally {
    await client.end();
  }
}

export { BackendPool, type DatabaseFixtures, once, withDatabase } from "./fixtures.ts";
export { databaseBefore, type MigrationDataTest } from "./migration-data.ts";
