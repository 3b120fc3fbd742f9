import type pg from "pg";
import type { Figure, Target } from "../report.ts";
import { analyzeSeeded, hotWorkflowId, seededRunId, seedRuns, seedWorkflows } from "../support/bulk-seed.ts";
import { FlowgateDeployment, fiveNodeGraph } from "../support/flowgate.ts";
import { gql } from "../support/graphql-http.ts";
import { median, now, sleep } from "../support/stats.ts";
import { RUN_QUERY } from "./reads.ts";
import type { Workload } from "./workload.ts";

const ANALYTICS_QUERY = /* GraphQL */ `
  query ($id: ID!, $from: DateTime!, $to: DateTime!) {
    workflow(id: $id) {
      analytics(from: $from, to: $to) {
        __typename
        ... on WorkflowAnalytics {
          runs
          byStatus { value count }
          byFinalStatus { value count }
          versions { version runs p50DurationMs p95DurationMs nodes { nodeId executions passRate p50DurationMs p95DurationMs } }
        }
        ... on Error { message }
      }
    }
  }`;

const SESSIONS_QUERY = /* GraphQL */ `{ sessions(first: 20) { edges { node { id status result createdAt } } pageInfo { hasNextPage endCursor } } }`;

/** A query timed at every size. */
interface GrowthQuery {
  name: string;
  query: string;
  variables: () => Record<string, unknown>;
  check: (data: any, size: number) => void;
  /** Target at every size (absolute) and between the largest and the smallest size (ratio). */
  target: Target;
  flatness: Target;
}

const queries: GrowthQuery[] = [
  {
    name: "workflow analytics over a year (hot workflow, 4/5 of all runs)",
    query: ANALYTICS_QUERY,
    variables: () => ({
      id: hotWorkflowId,
      from: new Date(Date.now() - 365 * 86_400_000).toISOString(),
      to: new Date(Date.now() + 60_000).toISOString(),
    }),
    check: (data, size) => {
      const runs = data.workflow?.analytics?.runs;
      if (typeof runs !== "number" || runs < size * 0.7) {
        throw new Error(`analytics counted ${runs} runs of ${size}: ${JSON.stringify(data).slice(0, 300)}`);
      }
    },
    target: { kind: "below", value: 100 },
    flatness: { kind: "ratioAtMost", value: 1.5 },
  },
  {
    name: "sessions(first: 20)",
    query: SESSIONS_QUERY,
    variables: () => ({}),
    check: (data) => {
      if (data.sessions?.edges?.length !== 20) throw new Error(`sessions answered ${JSON.stringify(data)}`);
    },
    target: { kind: "none" },
    flatness: { kind: "none" },
  },
  {
    name: "run(id) with node runs",
    query: RUN_QUERY,
    variables: () => ({ id: seededRunId(77) }),
    check: (data) => {
      if (data.run?.nodeRuns?.length !== 5) throw new Error(`run(id) answered ${JSON.stringify(data)}`);
    },
    target: { kind: "none" },
    flatness: { kind: "none" },
  },
];

/**
 * Growth: one gateway process over a schema bulk-seeded with SQL (not through the engine) to each of
 * `growthSizes` runs in turn (5 node runs and a session each, over the last 365 days); at every size each
 * query is called `growthCalls` times per repetition over HTTP, one at a time, and the median kept. The
 * largest size is printed beside the smallest as its anchor, so the ratio shows how the time grows.
 */
export const growth: Workload = async (config, progress) => {
  const deployment = await FlowgateDeployment.create(config.databaseUrl, "bench_growth");
  try {
    const gateway = await deployment.start("gateway");
    // The worker folds the analytics deltas that the seeded rows' triggers appended into the rollups.
    await deployment.start("worker");
    const url = gateway.url!;
    await seedWorkflows(deployment.pool, deployment.workspaceId, fiveNodeGraph);
    // times[size][query] = one median per repetition
    const times = new Map<number, number[][]>();
    const seeding: string[] = [];
    let seeded = 0;
    for (const size of config.growthSizes) {
      progress(`growth: seeding runs ${seeded + 1}..${size}`);
      const began = now();
      await seedRuns(deployment.pool, deployment.workspaceId, seeded + 1, size);
      const seededAt = now();
      progress(`growth: waiting for the worker to fold the analytics deltas`);
      await untilAnalyticsFolded(deployment.pool);
      await analyzeSeeded(deployment.pool);
      seeded = size;
      seeding.push(
        `${size.toLocaleString("en-US")} runs in ${((seededAt - began) / 1000).toFixed(0)} s (analytics folded ${((now() - seededAt) / 1000).toFixed(0)} s later)`,
      );
      const perQuery: number[][] = queries.map(() => []);
      for (const q of queries) q.check(await gql(url, deployment.apiKey, q.query, q.variables()), size);
      for (let rep = 1; rep <= config.repetitions; rep++) {
        progress(`growth ${rep}/${config.repetitions} at ${size} runs`);
        for (const [i, q] of queries.entries()) {
          const calls: number[] = [];
          for (let c = 0; c < config.growthCalls; c++) {
            const started = now();
            await gql(url, deployment.apiKey, q.query, q.variables());
            calls.push(now() - started);
          }
          perQuery[i]!.push(median(calls));
        }
      }
      times.set(size, perQuery);
    }
    const smallest = config.growthSizes[0]!;
    const largest = config.growthSizes.at(-1)!;
    const figures: Figure[] = [];
    for (const [i, q] of queries.entries()) {
      for (const size of config.growthSizes) {
        const values = times.get(size)![i]!;
        const compared = size !== smallest;
        figures.push({
          workload: "growth",
          label: `${q.name} at ${size.toLocaleString("en-US")} runs`,
          unit: "ms",
          flowgate: values,
          ...(compared
            ? {
                anchor: {
                  label: `at ${smallest.toLocaleString("en-US")} runs`,
                  values: times.get(smallest)![i]!,
                },
              }
            : {}),
          targets: compared ? [q.target, q.flatness] : [q.target],
        });
      }
    }
    return {
      figures,
      notes: [
        `Growth: one gateway process (main.ts) on PostgreSQL; runs bulk-seeded with generate_series (${seeding.join(", ")}, then VACUUM ANALYZE); each figure is the median of ${config.growthCalls} sequential calls over HTTP; "flat" means ≤ 1.5× the time at ${smallest.toLocaleString("en-US")} runs (at ${largest.toLocaleString("en-US")}).`,
      ],
    };
  } finally {
    await deployment.close();
  }
};

/** Waits until the worker's compactor has folded every analytics delta into the rollups. */
async function untilAnalyticsFolded(pool: pg.Pool): Promise<void> {
  for (;;) {
    const { rows } = await pool.query<{ left: boolean }>(
      "select exists (select 1 from analytics_run_deltas) or exists (select 1 from analytics_node_deltas) as left",
    );
    if (!rows[0]?.left) return;
    await sleep(500);
  }
}
