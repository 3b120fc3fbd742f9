/**
 * A worker-only Flowgate process for the throughput benchmark: joins the schema given in the
 * environment, executes runs, and exits on SIGTERM.
 */
import { createDatabase } from "@flowgate/db";
import { Engine } from "@flowgate/engine";

const database = createDatabase({
  url: process.env.DATABASE_URL,
  schema: process.env.BENCH_SCHEMA,
  poolSize: Number(process.env.BENCH_POOL ?? 10),
});
const engine = new Engine({
  db: database.db,
  worker: { concurrency: Number(process.env.BENCH_CONCURRENCY ?? 4), pollIntervalMs: 50 },
});
await engine.start();
process.stdout.write("ready\n");
process.on("SIGTERM", async () => {
  await engine.stop();
  await database.close();
  process.exit(0);
});
