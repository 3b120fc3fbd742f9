import { randomBytes } from "node:crypto";
import { type Actor, Application, authenticateApiKey, provisionWorkspace } from "@flowgate/application";
import { createDatabase, type DatabaseHandle, migrateToLatest } from "@flowgate/db";
import { Engine } from "@flowgate/engine";
import pg from "pg";

/** The 5-node automatic graph every benchmark runs: start → document → aml → rule → terminal. */
export const fiveNodeGraph = {
  entry: "start",
  nodes: [
    { id: "start", type: "start", next: "document" },
    { id: "document", type: "policy", policy: "document", routes: { pass: "aml", fail: "rejected" } },
    { id: "aml", type: "policy", policy: "aml_screening", routes: { pass: "rule", fail: "rejected" } },
    {
      id: "rule",
      type: "conditional",
      conditions: [{ field: "aml.output.score", operator: ">=", value: 80, next: "rejected" }],
      default: "approved",
    },
    { id: "approved", type: "terminal", outcome: "approved" },
    { id: "rejected", type: "terminal", outcome: "rejected" },
  ],
};

/** A gate in the middle: start → gate → document → terminal. */
export const gateGraph = {
  entry: "start",
  nodes: [
    { id: "start", type: "start", next: "gate" },
    { id: "gate", type: "wait", on_continue: "after" },
    { id: "after", type: "policy", policy: "document", routes: { pass: "approved", fail: "rejected" } },
    { id: "approved", type: "terminal", outcome: "approved" },
    { id: "rejected", type: "terminal", outcome: "rejected" },
  ],
};

/** A fresh schema with Flowgate's tables and a workspace, dropped by `close`. */
export interface BenchDatabase extends DatabaseHandle {
  url: string;
  schema: string;
  actor: Actor;
}

/** The PostgreSQL URL to benchmark on (`DATABASE_URL`, default the local test database). */
export function benchUrl(): string {
  return process.env.DATABASE_URL ?? "postgres://postgres@127.0.0.1:5432/test";
}

/** Creates a fresh schema in the benchmark database and migrates it. */
export async function createBenchDatabase(poolSize = 10): Promise<BenchDatabase> {
  const url = benchUrl();
  const schema = `bench_${randomBytes(4).toString("hex")}`;
  await adminQuery(url, `create schema ${schema}`);
  const handle = createDatabase({ url, schema, poolSize });
  await migrateToLatest(handle.db, schema);
  const app = new Application({ engine: new Engine({ db: handle.db, worker: false }) });
  const ws = await provisionWorkspace(app, { organizationName: "bench", workspaceName: "bench" });
  const authenticated = await authenticateApiKey(app, ws.keys.sandbox);
  if (!authenticated.ok) throw new Error(`the bench key was refused: ${authenticated.reason}`);
  return {
    ...handle,
    url,
    schema,
    actor: authenticated.actor,
    close: async () => {
      await handle.close();
      await adminQuery(url, `drop schema ${schema} cascade`);
    },
  };
}

/** Runs one statement on its own connection. */
export async function adminQuery(url: string, text: string): Promise<void> {
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  try {
    await client.query(text);
  } finally {
    await client.end();
  }
}

/** The p-th percentile (0–100) of `values`. */
export function percentile(values: readonly number[], p: number): number {
  const sorted = [...values].sort((a, b) => a - b);
  const index = Math.min(sorted.length - 1, Math.max(0, Math.ceil((p / 100) * sorted.length) - 1));
  return sorted[index] ?? Number.NaN;
}
