/**
 * A graphile-worker process running the engine benchmark's shape: job `step` with `{ run, step }` adds
 * the next step until step 5, so one "run" is a chain of 5 jobs, each job adding the next. Started by
 * the benchmark after its clock started; prints "ready" once the runner is up and stops on SIGTERM.
 *
 * Environment: DATABASE_URL, GRAPHILE_SCHEMA, GRAPHILE_CONCURRENCY, GRAPHILE_LOCAL_QUEUE (batched mode
 * when set: `localQueue.size`, complete/fail batch delays 0).
 */
import { Logger, run } from "graphile-worker";

const localQueue = Number(process.env.GRAPHILE_LOCAL_QUEUE ?? 0);
const runner = await run({
  connectionString: process.env.DATABASE_URL!,
  schema: process.env.GRAPHILE_SCHEMA!,
  concurrency: Number(process.env.GRAPHILE_CONCURRENCY ?? 4),
  noHandleSignals: true,
  // Errors and warnings only, so that a failing anchor says why in the benchmark's notes.
  logger: new Logger(() => (level, message) => {
    if (level === "error" || level === "warning")
      process.stderr.write(`graphile-worker ${level}: ${message}\n`);
  }),
  taskList: {
    step: async (payload, helpers) => {
      const { run: chain, step } = payload as { run: number; step: number };
      if (step < 5) await helpers.addJob("step", { run: chain, step: step + 1 });
    },
  },
  ...(localQueue > 0
    ? {
        preset: {
          worker: { localQueue: { size: localQueue }, completeJobBatchDelay: 0, failJobBatchDelay: 0 },
        },
      }
    : {}),
});
let stopping = false;
runner.promise.then(
  () => {
    if (!stopping) process.stderr.write("graphile-worker runner stopped by itself\n");
  },
  (error: unknown) => {
    process.stderr.write(`graphile-worker runner failed: ${String(error)}\n`);
    process.exit(1);
  },
);
process.stdout.write("ready\n");
process.once("SIGTERM", () => {
  stopping = true;
  void runner.stop().then(() => process.exit(0));
});
