import { fileURLToPath } from "node:url";
import { Logger, makeWorkerUtils } from "graphile-worker";
import type { BenchConfig } from "../config.ts";
import { FlowgateDeployment, fiveNodeGraph } from "../support/flowgate.ts";
import { dropSchema, scratchSchemaName, withClient } from "../support/postgres.ts";
import { type BenchProcess, spawnProcess } from "../support/processes.ts";
import { now, sleep } from "../support/stats.ts";
import type { Workload } from "./workload.ts";

const graphileWorker = fileURLToPath(new URL("../anchors/graphile-chain-worker.ts", import.meta.url));
/** How often the benchmark checks whether the burn-down is over (the same for Flowgate and graphile). */
const pollMs = 10;

/** One burn-down: items finished and the seconds from before the workers' spawn to the last commit seen. */
interface BurnDown {
  perSecond: number;
  seconds: number;
  /** Milliseconds from spawning until every worker process said it was ready. */
  startupMs: number;
}

/**
 * Engine burn-down: `runs` queued 5-node automatic runs executed by Flowgate worker processes, against
 * graphile-worker executing as many chains of 5 jobs (each job adds the next) in its default and batched
 * modes. For both, the clock starts before the worker processes are spawned and stops when the database
 * shows every run (chain) finished; both get the same processes × concurrency and the same polling.
 */
export const engineThroughput: Workload = async (config, progress) => {
  const flowgate: number[] = [];
  const graphileDefault: number[] = [];
  const graphileBatched: number[] = [];
  const startups: string[] = [];
  for (let rep = 1; rep <= config.repetitions; rep++) {
    progress(`engine ${rep}/${config.repetitions}: Flowgate, ${config.runs} runs`);
    const f = await flowgateBurnDown(config);
    flowgate.push(f.perSecond);
    progress(`engine ${rep}/${config.repetitions}: graphile-worker default`);
    const g = await graphileBurnDown(config, false);
    graphileDefault.push(g.perSecond);
    progress(`engine ${rep}/${config.repetitions}: graphile-worker batched`);
    const b = await graphileBurnDown(config, true);
    graphileBatched.push(b.perSecond);
    startups.push(
      `${Math.round(f.startupMs)} / ${Math.round(g.startupMs)} / ${Math.round(b.startupMs)} ms of ${f.seconds.toFixed(1)} / ${g.seconds.toFixed(1)} / ${b.seconds.toFixed(1)} s`,
    );
  }
  const shape = `${config.runs} runs of 5, ${config.workerProcesses} process${config.workerProcesses > 1 ? "es" : ""} × ${config.concurrency}`;
  return {
    figures: [
      {
        workload: "engine burn-down",
        label: `5-node runs/s vs graphile default (${shape})`,
        unit: "runs/s",
        flowgate,
        anchor: { label: "graphile default", values: graphileDefault },
        targets: [{ kind: "ratioAtLeast", value: 1 }],
      },
      {
        workload: "engine burn-down",
        label: `5-node runs/s vs graphile batched (localQueue ${config.graphileLocalQueue}, batch delays 0)`,
        unit: "runs/s",
        flowgate,
        anchor: { label: "graphile batched", values: graphileBatched },
        targets: [{ kind: "ratioAtLeast", value: 0.5 }],
      },
    ],
    notes: [
      `Engine: a graphile "run" is a chain of 5 jobs, each adding the next (${config.runs * 5} jobs per burn-down); both clocks start before the worker processes are spawned and stop when the database shows all ${config.runs} finished (polled every ${pollMs} ms). Worker start-up inside the clock, Flowgate / graphile default / batched, per repetition: ${startups.join("; ")}.`,
    ],
  };
};

async function flowgateBurnDown(config: BenchConfig): Promise<BurnDown> {
  const deployment = await FlowgateDeployment.create(config.databaseUrl, "bench_engine");
  try {
    // Queue the runs through the API with no worker running, then stop the gateway before the clock starts.
    const gateway = await deployment.start("gateway");
    const workflowId = await deployment.createWorkflow(gateway.url!, "burn-down", fiveNodeGraph);
    await deployment.startRuns(gateway.url!, workflowId, config.runs);
    await deployment.stop(gateway);
    const pending = await deployment.scalar("select count(*) as v from runs where status = 'pending'");
    if (pending !== config.runs) throw new Error(`expected ${config.runs} pending runs, found ${pending}`);

    const started = now();
    let readyAt = 0;
    const workers = Promise.all(
      Array.from({ length: config.workerProcesses }, () =>
        deployment.start("worker", { FLOWGATE_WORKER_CONCURRENCY: String(config.concurrency) }),
      ),
    ).then((all) => {
      readyAt = now();
      return all;
    });
    await deployment.until(
      async () =>
        (await deployment.scalar(
          "select count(*) as v from runs where status in ('completed', 'failed', 'cancelled')",
        )) >= config.runs,
      600_000,
      "the Flowgate burn-down",
      pollMs,
    );
    const seconds = (now() - started) / 1000;
    await workers;
    const failed = await deployment.scalar("select count(*) as v from runs where status <> 'completed'");
    if (failed > 0) throw new Error(`${failed} of ${config.runs} Flowgate runs did not complete`);
    return { perSecond: config.runs / seconds, seconds, startupMs: readyAt - started };
  } finally {
    await deployment.close();
  }
}

async function graphileBurnDown(config: BenchConfig, batched: boolean): Promise<BurnDown> {
  const url = config.databaseUrl;
  const schema = scratchSchemaName("bench_graphile");
  const processes: BenchProcess[] = [];
  try {
    const utils = await makeWorkerUtils({
      connectionString: url,
      schema,
      logger: new Logger(() => () => {}),
    });
    try {
      await utils.migrate();
      for (let i = 0; i < config.runs; i += 1000) {
        const chunk = Array.from({ length: Math.min(1000, config.runs - i) }, (_, j) => ({
          identifier: "step",
          payload: { run: i + j, step: 1 },
        }));
        await utils.addJobs(chunk);
      }
    } finally {
      await utils.release();
    }
    return await withClient(url, async (client) => {
      const remaining = async () =>
        Number((await client.query(`select count(*) as v from ${schema}._private_jobs`)).rows[0].v);
      const started = now();
      let readyAt = 0;
      const spawned = Promise.all(
        Array.from({ length: config.workerProcesses }, async () => {
          const child = await spawnProcess({
            script: graphileWorker,
            env: {
              DATABASE_URL: url,
              GRAPHILE_SCHEMA: schema,
              GRAPHILE_CONCURRENCY: String(config.concurrency),
              GRAPHILE_LOCAL_QUEUE: batched ? String(config.graphileLocalQueue) : undefined,
            },
            readyWhen: (line) => line === "ready",
          });
          processes.push(child);
          return child;
        }),
      ).then(() => {
        readyAt = now();
      });
      const deadline = Date.now() + 600_000;
      while ((await remaining()) > 0) {
        if (Date.now() > deadline) throw new Error("timed out waiting for the graphile-worker burn-down");
        const dead = processes.find((p) => p.child.exitCode !== null);
        if (dead) {
          throw new Error(
            `graphile-worker process exited (${dead.child.exitCode ?? dead.child.signalCode}):\n${dead.output()}`,
          );
        }
        await sleep(pollMs);
      }
      const seconds = (now() - started) / 1000;
      await spawned;
      return { perSecond: config.runs / seconds, seconds, startupMs: readyAt - started };
    });
  } finally {
    await Promise.all(processes.map((p) => p.stop()));
    await dropSchema(url, schema);
  }
}
