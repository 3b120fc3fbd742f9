/**
 * The benchmark: runs every workload of DESIGN §7 on the PostgreSQL of DATABASE_URL, each Flowgate figure
 * beside its anchor measured in the same run, `BENCH_REPETITIONS` times; prints one table and writes it
 * to tooling/bench/results/ (JSON and Markdown). No assertions: the figures are for reading.
 *
 *   DATABASE_URL=postgres://postgres@127.0.0.1:5432/test tooling/flowgate --filter @flowgate/bench bench
 *   BENCH_SCALE=small … (about two minutes), BENCH_ONLY=engine,reads …
 */
import { fileURLToPath } from "node:url";
import { readBenchConfig } from "./config.ts";
import { runBenchmark } from "./run-benchmark.ts";

const config = readBenchConfig();
const resultsDir = fileURLToPath(new URL("../results", import.meta.url));
const { failed } = await runBenchmark(config, {
  resultsDir,
  progress: (message) => process.stderr.write(`  … ${message}\n`),
  print: (text) => process.stdout.write(text),
});
if (failed.length > 0) {
  process.stderr.write(`failed: ${failed.join(", ")}\n`);
  process.exit(1);
}
process.exit(0);
