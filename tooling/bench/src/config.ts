import { z } from "zod";

/** The workloads, in the order they run and print. */
export const workloadNames = [
  "engine",
  "latency",
  "reads",
  "fanout",
  "growth",
  "coldstart",
  "webhooks",
] as const;

/** One workload of the benchmark. */
export type WorkloadName = (typeof workloadNames)[number];

/** Every size and knob of a benchmark run. */
export interface BenchConfig {
  /** `full` gives the DESIGN §7 sizes; `small` a run of about two minutes. */
  scale: "small" | "full";
  /**
   * PostgreSQL every workload runs on, each in its own schema: `BENCH_DATABASE_URL`, or `DATABASE_URL`'s
   * server with a database of the benchmark's own (see `ensureBenchDatabase`), resolved when the run starts.
   */
  databaseUrl: string;
  /** `BENCH_DATABASE_URL`, when given. */
  benchDatabaseUrl: string | undefined;
  /** How often each workload is measured; the table shows min / median / max over them. */
  repetitions: number;
  /** The workloads to run. */
  only: readonly WorkloadName[];
  /** Engine burn-down: runs (each a chain of 5 nodes, or 5 graphile jobs). */
  runs: number;
  /** Engine burn-down: worker processes for Flowgate and for graphile-worker alike. */
  workerProcesses: number;
  /** Engine burn-down: concurrency per worker process, for both. */
  concurrency: number;
  /** graphile-worker's `localQueue.size` in batched mode. */
  graphileLocalQueue: number;
  /** Gateway path: measured samples per repetition (after `latencyWarmup` unmeasured ones). */
  latencySamples: number;
  latencyWarmup: number;
  /** Reads: concurrent HTTP clients and seconds per measurement. */
  readClients: number;
  readSeconds: number;
  /** Fan-out: graphql-ws subscribers in all, and per run. */
  subscribers: number;
  subscribersPerRun: number;
  /** Fan-out: connections being opened at once while subscribing. */
  subscribeConcurrency: number;
  /** Fan-out: gate decisions in flight at once. */
  decisionConcurrency: number;
  /** Growth: run counts to seed and measure at (ascending); the last is compared with the first. */
  growthSizes: readonly number[];
  /** Growth: timed calls per query and repetition (the median is kept). */
  growthCalls: number;
  /** Webhooks: deliveries per burn-down. */
  webhookDeliveries: number;
  /** Webhooks: sequential commit → delivery samples per repetition. */
  webhookLatencySamples: number;
}

const defaults = {
  small: {
    runs: 200,
    latencySamples: 30,
    latencyWarmup: 5,
    readSeconds: 2,
    subscribers: 500,
    subscribersPerRun: 50,
    growthSizes: "2000,20000",
    growthCalls: 3,
    webhookDeliveries: 400,
    webhookLatencySamples: 30,
  },
  full: {
    runs: 3000,
    latencySamples: 300,
    latencyWarmup: 20,
    readSeconds: 10,
    subscribers: 10_000,
    subscribersPerRun: 100,
    growthSizes: "100000,1000000",
    growthCalls: 3,
    webhookDeliveries: 4000,
    webhookLatencySamples: 200,
  },
} as const;

const count = z.coerce.number().int().positive();

/**
 * Reads the configuration from `BENCH_*` variables (see tooling/bench/README.md); `BENCH_SCALE` picks the
 * defaults of every size, a variable of its own overrides one. Throws naming the variable on bad input.
 */
export function readBenchConfig(env: NodeJS.ProcessEnv = process.env): BenchConfig {
  const read = <T>(name: string, schema: z.ZodType<T>, fallback: unknown): T => {
    const raw = env[name];
    const parsed = schema.safeParse(raw === undefined || raw === "" ? fallback : raw);
    if (!parsed.success) {
      throw new Error(`${name} is invalid (got "${raw}"): ${parsed.error.issues[0]?.message ?? "invalid"}`);
    }
    return parsed.data;
  };
  const scale = read("BENCH_SCALE", z.enum(["small", "full"]), "full");
  const d = defaults[scale];
  const list = (name: string, fallback: string) =>
    read(
      name,
      z
        .string()
        .transform((s) => s.split(",").map((part) => Number(part.trim())))
        .pipe(z.array(z.number().int().positive()).min(1)),
      fallback,
    );
  const only = read(
    "BENCH_ONLY",
    z
      .string()
      .transform((s) => s.split(",").map((part) => part.trim()))
      .pipe(z.array(z.enum(workloadNames)).min(1)),
    workloadNames.join(","),
  );
  const config: BenchConfig = {
    scale,
    databaseUrl: env.DATABASE_URL || "postgres://postgres@127.0.0.1:5432/test",
    benchDatabaseUrl: env.BENCH_DATABASE_URL || undefined,
    repetitions: read("BENCH_REPETITIONS", count, 3),
    only: workloadNames.filter((name) => only.includes(name)),
    runs: read("BENCH_RUNS", count, d.runs),
    workerProcesses: read("BENCH_WORKER_PROCESSES", count, 1),
    concurrency: read("BENCH_CONCURRENCY", count, 4),
    graphileLocalQueue: read("BENCH_GRAPHILE_LOCAL_QUEUE", count, 500),
    latencySamples: read("BENCH_LATENCY_SAMPLES", count, d.latencySamples),
    latencyWarmup: read("BENCH_LATENCY_WARMUP", z.coerce.number().int().min(0), d.latencyWarmup),
    readClients: read("BENCH_READ_CLIENTS", count, 50),
    readSeconds: read("BENCH_READ_SECONDS", count, d.readSeconds),
    subscribers: read("BENCH_SUBSCRIBERS", count, d.subscribers),
    subscribersPerRun: read("BENCH_SUBSCRIBERS_PER_RUN", count, d.subscribersPerRun),
    subscribeConcurrency: read("BENCH_SUBSCRIBE_CONCURRENCY", count, 250),
    decisionConcurrency: read("BENCH_DECISION_CONCURRENCY", count, 1),
    growthSizes: [...list("BENCH_GROWTH_SIZES", d.growthSizes)].sort((a, b) => a - b),
    growthCalls: read("BENCH_GROWTH_CALLS", count, d.growthCalls),
    webhookDeliveries: read("BENCH_WEBHOOK_DELIVERIES", count, d.webhookDeliveries),
    webhookLatencySamples: read("BENCH_WEBHOOK_LATENCY_SAMPLES", count, d.webhookLatencySamples),
  };
  if (config.subscribers % config.subscribersPerRun !== 0) {
    throw new Error("BENCH_SUBSCRIBERS must be a multiple of BENCH_SUBSCRIBERS_PER_RUN");
  }
  return config;
}
