/**
 * Checks that workflow analytics stay fast over a million runs. Fills a scratch schema of the PostgreSQL at
 * DATABASE_URL with 1,000,000 runs (800,000 of one workflow, spread over a year) and 5,000,000 node runs
 * using generate_series (the same seed as the benchmark's growth workload), folds their analytics deltas; times `workflowAnalytics` (the repository function behind `Workflow.analytics`)
 * for several windows; prints the plans of its two queries (EXPLAIN ANALYZE, BUFFERS), then the same
 * timings with the lifecycle migration's analytics indexes dropped (inside a transaction that is rolled
 * back). The scratch schema is dropped at the end, also on failure.
 *
 *   DATABASE_URL=postgres://postgres@127.0.0.1:5432/test node tooling/bench/src/analytics-explain.ts
 *
 * Like the benchmark it works in a database of its own (`<database>_bench`, or BENCH_DATABASE_URL), since
 * Kysely's migrator introspects every schema of its database. `BENCH_RUNS` changes the number of runs.
 */
import { randomBytes } from "node:crypto";
import {
  compactAnalyticsDeltas,
  createDialect,
  type Database,
  migrateToLatest,
  vacuumAnalyticsDeltas,
  workflowAnalytics,
} from "@flowgate/db";
import { type CompiledQuery, Kysely, sql } from "kysely";
import pg from "pg";
import { analyzeSeeded, seedRuns, seedWorkflows } from "./support/bulk-seed.ts";
import { ensureBenchDatabase } from "./support/postgres.ts";

if (!process.env.DATABASE_URL) throw new Error("DATABASE_URL is not set");
const url = await ensureBenchDatabase(process.env.DATABASE_URL, process.env.BENCH_DATABASE_URL);
const runCount = Number(process.env.BENCH_RUNS ?? 1_000_000);
const schema = `bench_analytics_${randomBytes(4).toString("hex")}`;
const analyticsIndexes = ["runs_workflow_created", "runs_workflow_version_created", "node_runs_run_stats"];

const admin = new pg.Client({ connectionString: url });
await admin.connect();
await admin.query(`create schema ${schema}`);
let capture: CompiledQuery[] | null = null;
const db = new Kysely<Database>({
  dialect: createDialect({ url, schema, poolSize: 2 }).dialect,
  log: (event) => {
    if (capture && event.level === "query") capture.push(event.query);
  },
});

const day = 86_400_000;
const now = Date.now() + 60_000;
const cases: { label: string; workflowId: string; days: number; version?: number }[] = [
  { label: "hot workflow, last 24 h", workflowId: "wfl_bench_0", days: 1 },
  { label: "hot workflow, last 7 days", workflowId: "wfl_bench_0", days: 7 },
  { label: "hot workflow, last 30 days", workflowId: "wfl_bench_0", days: 30 },
  { label: "hot workflow, last 30 days, version 2", workflowId: "wfl_bench_0", days: 30, version: 2 },
  { label: "cold workflow (~10k runs), 365 days", workflowId: "wfl_bench_7", days: 365 },
  { label: "hot workflow, 365 days (all 800k runs)", workflowId: "wfl_bench_0", days: 365 },
];

function queryOf(c: (typeof cases)[number]) {
  return {
    workflowId: c.workflowId,
    from: new Date(now - c.days * day),
    to: new Date(now),
    version: c.version,
  };
}

try {
  await migrateToLatest(db, schema);
  await fill();
  console.log("\n## with the analytics indexes (median of 3)");
  for (const c of cases) await time(c);

  for (const c of [cases[0]!, cases[2]!]) {
    capture = [];
    await workflowAnalytics(db, queryOf(c));
    const queries = capture;
    capture = null;
    for (const [index, query] of queries.entries()) {
      console.log(`\n## plan of query ${index + 1} (${index === 0 ? "runs" : "node runs"}), ${c.label}`);
      await admin.query(`set search_path = ${schema}`);
      const plan = await admin.query(`explain (analyze, buffers) ${query.sql}`, [...query.parameters]);
      console.log(plan.rows.map((row) => `  ${row["QUERY PLAN"]}`).join("\n"));
    }
  }

  console.log("\n## without the analytics indexes (dropped in a transaction, rolled back)");
  // Capture the SQL first: once the indexes are dropped, the tables stay locked until the rollback.
  const withoutIndexes = cases.slice(0, 4);
  const compiled: CompiledQuery[][] = [];
  for (const c of withoutIndexes) {
    capture = [];
    await workflowAnalytics(db, queryOf(c));
    compiled.push(capture);
    capture = null;
  }
  const client = new pg.Client({ connectionString: url, options: `-c search_path=${schema}` });
  await client.connect();
  try {
    await client.query("begin");
    for (const name of analyticsIndexes) await client.query(`drop index ${name}`);
    for (const [index, c] of withoutIndexes.entries()) {
      const queries = compiled[index]!;
      const t0 = performance.now();
      for (const query of queries) await client.query(query.sql, [...query.parameters]);
      console.log(`${c.label}: ${(performance.now() - t0).toFixed(1)} ms`);
      if (index === 0) {
        for (const query of queries) {
          const plan = await client.query(`explain (analyze, costs off) ${query.sql}`, [...query.parameters]);
          console.log(plan.rows.map((row) => `  ${row["QUERY PLAN"]}`).join("\n"));
        }
      }
    }
  } finally {
    await client.query("rollback");
    await client.end();
  }
} finally {
  await db.destroy();
  await admin.query(`drop schema ${schema} cascade`);
  await admin.end();
  console.log(`\ndropped schema ${schema}`);
}

async function fill(): Promise<void> {
  const started = Date.now();
  const seeder = new pg.Client({ connectionString: url, options: `-c search_path=${schema}` });
  await seeder.connect();
  try {
    await seeder.query("insert into organizations (id, name) values ('org_bench', 'bench')");
    await seeder.query(
      "insert into workspaces (id, organization_id, name) values ('ws_bench', 'org_bench', 'bench')",
    );
    await seedWorkflows(seeder, "ws_bench", {});
    await seedRuns(seeder, "ws_bench", 1, runCount);
    // Fold the seeded rows' deltas as a worker would, so that reads see rollups, not a backlog.
    while ((await compactAnalyticsDeltas(db, 10_000)) > 0) {}
    await vacuumAnalyticsDeltas(db);
    await analyzeSeeded(seeder);
  } finally {
    await seeder.end();
  }
  const counts = await sql<{ runs: number; node_runs: number; hot: number }>`select
      (select count(*)::int from runs) as runs, (select count(*)::int from node_runs) as node_runs,
      (select count(*)::int from runs where workflow_id = 'wfl_bench_0') as hot`.execute(db);
  console.log(`filled in ${((Date.now() - started) / 1000).toFixed(1)} s:`, counts.rows[0]);
}

async function time(c: (typeof cases)[number]): Promise<void> {
  const times: number[] = [];
  let runs = 0;
  for (let i = 0; i < 3; i++) {
    const t0 = performance.now();
    runs = (await workflowAnalytics(db, queryOf(c))).runs;
    times.push(performance.now() - t0);
  }
  times.sort((a, b) => a - b);
  console.log(`${c.label}: ${runs} runs, median ${times[1]!.toFixed(1)} ms`);
}
