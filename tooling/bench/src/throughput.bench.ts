import { spawn } from "node:child_process";
import { fileURLToPath } from "node:url";
import { Engine } from "@flowgate/engine";
import { Logger, makeWorkerUtils, run as runGraphileWorker } from "graphile-worker";
import { sql } from "kysely";
import { adminQuery, benchUrl, createBenchDatabase, fiveNodeGraph } from "./setup.ts";

const workerScript = fileURLToPath(new URL("./flowgate-worker.ts", import.meta.url));

/** One throughput measurement. */
export interface ThroughputResult {
  label: string;
  items: number;
  seconds: number;
  perSecond: number;
}

/**
 * Burn-down of `runs` queued 5-node automatic runs by `processes` Flowgate worker processes: node steps
 * per second between the first step's start and the last run's completion (database timestamps).
 */
export async function flowgateBurnDown(
  runs: number,
  processes: number,
  concurrency: number,
): Promise<ThroughputResult> {
  const bench = await createBenchDatabase();
  try {
    const engine = new Engine({ db: bench.db, worker: false });
    const workflow = await engine.createWorkflow(bench.actor, { name: "burn-down", graph: fiveNodeGraph });
    for (let i = 0; i < runs; i++) {
      const session = await engine.createSession(bench.actor, { workflowId: workflow.id });
      await engine.submitSession(bench.actor, { sessionId: session.id });
    }
    const children = await Promise.all(
      Array.from({ length: processes }, () => startWorker(bench.url, bench.schema, concurrency)),
    );
    for (;;) {
      const { rows } = await sql<{
        n: string;
      }>`select count(*) as n from runs where status = 'completed'`.execute(bench.db);
      if (Number(rows[0]?.n) >= runs) break;
      await new Promise((r) => setTimeout(r, 25));
    }
    for (const child of children) child.kill("SIGTERM");
    const { rows } = await sql<{ first: Date; last: Date; steps: string }>`
      select (select min(started_at) from node_runs) as first,
             (select max(completed_at) from runs) as last,
             (select count(*) from node_runs) as steps`.execute(bench.db);
    const seconds = (rows[0]!.last.getTime() - rows[0]!.first.getTime()) / 1000;
    const steps = Number(rows[0]!.steps);
    return {
      label: `Flowgate, ${processes} worker process${processes > 1 ? "es" : ""} × ${concurrency}`,
      items: steps,
      seconds,
      perSecond: steps / seconds,
    };
  } finally {
    await bench.close();
  }
}

function startWorker(url: string, schema: string, concurrency: number) {
  // `--conditions=source`: the worker runs the workspace packages from their TypeScript sources, as this process does.
  const child = spawn(process.execPath, ["--conditions=source", workerScript], {
    env: { ...process.env, DATABASE_URL: url, BENCH_SCHEMA: schema, BENCH_CONCURRENCY: String(concurrency) },
    stdio: ["ignore", "pipe", "inherit"],
  });
  return new Promise<typeof child>((resolve, reject) => {
    child.stdout.once("data", () => resolve(child));
    child.once("exit", (code) => reject(new Error(`worker exited with ${code}`)));
  });
}

/**
 * graphile-worker's burn-down of `jobs` trivial jobs on the same database, in its default mode or with
 * batching (`localQueue`, batch delays 0): jobs per second from starting the runner to the last job's end.
 */
export async function graphileWorkerBurnDown(
  jobs: number,
  concurrency: number,
  batched: boolean,
): Promise<ThroughputResult> {
  const connectionString = benchUrl();
  const schema = `gw_bench_${Math.random().toString(36).slice(2, 8)}`;
  const utils = await makeWorkerUtils({ connectionString, schema, logger: new Logger(() => () => {}) });
  await utils.migrate();
  const specs = Array.from({ length: jobs }, (_, i) => ({ identifier: "trivial", payload: { i } }));
  for (let i = 0; i < specs.length; i += 1000) await utils.addJobs(specs.slice(i, i + 1000));
  await utils.release();

  const silent = new Logger(() => () => {});
  let done = 0;
  const first = performance.now();
  let last = 0;
  let finish!: () => void;
  const finished = new Promise<void>((resolve) => {
    finish = resolve;
  });
  const runner = await runGraphileWorker({
    connectionString,
    schema,
    concurrency,
    noHandleSignals: true,
    pollInterval: 1000,
    logger: silent,
    taskList: {
      trivial: async () => {
        done++;
        last = performance.now();
        if (done === jobs) finish();
      },
    },
    ...(batched
      ? { preset: { worker: { localQueue: { size: 500 }, completeJobBatchDelay: 0, failJobBatchDelay: 0 } } }
      : {}),
  });
  await finished;
  await runner.stop();
  await adminQuery(connectionString, `drop schema ${schema} cascade`);
  const seconds = (last - first) / 1000;
  return {
    label: `graphile-worker ${batched ? "batched (localQueue 500, batch delays 0)" : "default (unbatched)"} × ${concurrency}`,
    items: jobs,
    seconds,
    perSecond: jobs / seconds,
  };
}
