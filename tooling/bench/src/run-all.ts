/**
 * Runs every benchmark on the PostgreSQL of `DATABASE_URL` (default: the local test database) and prints
 * one table, with graphile-worker measured on the same database in the same run. No assertions: the
 * figures are for reading (DESIGN §7 lists the targets).
 *
 *   pnpm --filter bench bench            # everything
 *   BENCH_RUNS=2000 BENCH_LATENCY_SAMPLES=1000 pnpm --filter bench bench
 */
import { decisionToNextNode, triggerToCompletion } from "./latency.bench.ts";
import { flowgateBurnDown, graphileWorkerBurnDown, type ThroughputResult } from "./throughput.bench.ts";

const runs = Number(process.env.BENCH_RUNS ?? 2000);
const latencySamples = Number(process.env.BENCH_LATENCY_SAMPLES ?? 1000);
const concurrency = Number(process.env.BENCH_CONCURRENCY ?? 4);
const steps = runs * 5;

console.log(
  `Flowgate benchmarks — PostgreSQL, ${runs} runs × 5 nodes, concurrency ${concurrency} per process\n`,
);

const throughput: ThroughputResult[] = [];
throughput.push(await graphileWorkerBurnDown(steps, concurrency, false));
throughput.push(await graphileWorkerBurnDown(steps, concurrency, true));
throughput.push(await flowgateBurnDown(runs, 1, concurrency));
throughput.push(await flowgateBurnDown(runs, 2, concurrency));

console.log("(a) burn-down throughput (graphile-worker: trivial jobs/s; Flowgate: node steps/s)");
console.table(
  throughput.map((r) => ({
    system: r.label,
    items: r.items,
    seconds: r.seconds.toFixed(2),
    "per second": Math.round(r.perSecond),
  })),
);

const latency = [
  await triggerToCompletion(latencySamples),
  await decisionToNextNode(Math.min(500, latencySamples)),
];
console.log(
  "(b, c) latency in ms (targets: trigger→completed p50 ≤ 10, p99 ≤ 25; decision→next node p99 ≤ 20)",
);
console.table(
  latency.map((r) => ({
    measurement: r.label,
    samples: r.samples,
    p50: r.p50.toFixed(2),
    p95: r.p95.toFixed(2),
    p99: r.p99.toFixed(2),
  })),
);
process.exit(0);
