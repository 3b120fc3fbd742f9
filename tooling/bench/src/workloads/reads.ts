import { readdirSync, readFileSync } from "node:fs";
import { fileURLToPath } from "node:url";
import autocannon from "autocannon";
import type { Figure } from "../report.ts";
import { FlowgateDeployment, fiveNodeGraph } from "../support/flowgate.ts";
import { mapLimit } from "../support/graphql-http.ts";
import { cpuSeconds, spawnProcess } from "../support/processes.ts";
import type { Workload } from "./workload.ts";

const bareYoga = fileURLToPath(new URL("../anchors/bare-yoga-server.ts", import.meta.url));

/** What a client asks for a run: the run and its node runs. */
export const RUN_QUERY = /* GraphQL */ `query ($id: ID!) { run(id: $id) { id sessionId workflowId workflowVersion status finalStatus currentNode createdAt startedAt completedAt durationMs totalCostCents nodeRuns { workflowNodeId status result routedTo attempts durationMs } } }`;

/** The first page of workflows. */
export const WORKFLOWS_QUERY = /* GraphQL */ `{ workflows(first: 20) { edges { node { id name status currentVersion isDefault createdAt } } pageInfo { hasNextPage endCursor } } }`;

const HELLO_QUERY = "{ hello }";

/** One load test against one endpoint. */
export interface LoadResult {
  requestsPerSecond: number;
  p50: number;
  p99: number;
  /** Non-2xx answers, connection errors, timeouts and answers other than the expected body. */
  failures: number;
  requests: number;
}

/**
 * Sends each body once, checks it answers data without errors, then loads the endpoint with `connections`
 * concurrent clients for `seconds` with autocannon (in this process), counting any answer other than the
 * first answer to its body as a failure. With several bodies, client `i` sends `bodies[i % length]`.
 */
export async function loadTest(
  url: string,
  headers: Record<string, string>,
  body: string | readonly string[],
  connections: number,
  seconds: number,
): Promise<LoadResult> {
  const allHeaders = { "content-type": "application/json", ...headers };
  const bodies = typeof body === "string" ? [body] : body;
  const expected = new Set<string>();
  for (const one of bodies) {
    const first = await fetch(url, { method: "POST", headers: allHeaders, body: one });
    const text = await first.text();
    const parsed = JSON.parse(text) as { data?: Record<string, unknown>; errors?: unknown };
    if (!first.ok || parsed.errors || !parsed.data || Object.values(parsed.data).includes(null))
      throw new Error(`${url} answered ${first.status}: ${text}`);
    expected.add(text);
  }
  let clients = 0;
  const result = await autocannon({
    url,
    method: "POST",
    headers: allHeaders,
    body: bodies[0]!,
    connections,
    duration: seconds,
    ...(bodies.length === 1
      ? { expectBody: [...expected][0]! }
      : {
          setupClient: (client: { setBody(body: string): void }) =>
            client.setBody(bodies[clients++ % bodies.length]!),
          verifyBody: (answer: string | Buffer | undefined) =>
            typeof answer === "string" && expected.has(answer),
        }),
  });
  return {
    requestsPerSecond: result.requests.total / (result.duration || seconds),
    p50: result.latency.p50,
    p99: result.latency.p99,
    failures: result.non2xx + result.errors + result.timeouts + (result.mismatches ?? 0),
    requests: result.requests.total,
  };
}

/**
 * Reads under load: `run(id)` (with its node runs) and `workflows(first: 20)` from a gateway process on
 * PostgreSQL, against a bare Yoga `{ hello }` process started by the benchmark; `readClients` concurrent
 * connections each, autocannon in the benchmark process, Flowgate and anchor measured alternately.
 */
export const reads: Workload = async (config, progress) => {
  const deployment = await FlowgateDeployment.create(config.databaseUrl, "bench_reads");
  const yoga = await spawnProcess({
    script: bareYoga,
    env: { PORT: "0" },
    readyWhen: (l) => l.startsWith("{"),
  });
  try {
    const { url: yogaUrl } = JSON.parse(yoga.readyLine) as { url: string };
    progress("reads: seeding runs and workflows");
    const { gateway, runIds } = await seed(deployment, config.readClients);
    const key = { "x-api-key": deployment.apiKey };
    const queries: { name: string; body: string | string[] }[] = [
      {
        name: "run(id) with node runs",
        body: JSON.stringify({ query: RUN_QUERY, variables: { id: runIds[0] } }),
      },
      {
        name: `run(id) with node runs, ${runIds.length} different runs (one per client)`,
        body: runIds.map((id) => JSON.stringify({ query: RUN_QUERY, variables: { id } })),
      },
      { name: "workflows(first: 20)", body: JSON.stringify({ query: WORKFLOWS_QUERY }) },
    ];
    const hello = JSON.stringify({ query: HELLO_QUERY });
    // Warm both servers up (JIT, pools) before the first measured repetition.
    for (const q of queries) await loadTest(gateway.url, key, q.body, config.readClients, 1);
    await loadTest(yogaUrl, {}, hello, config.readClients, 1);

    const figures: Figure[] = [];
    let failures = 0;
    let requests = 0;
    for (const q of queries) {
      const flowgate: LoadResult[] = [];
      const anchor: LoadResult[] = [];
      const gatewayCpu: number[] = [];
      const databaseCpu: number[] = [];
      const yogaCpu: number[] = [];
      for (let rep = 1; rep <= config.repetitions; rep++) {
        progress(`reads ${rep}/${config.repetitions}: ${q.name}`);
        const before = { gateway: cpuSeconds(gateway.pid), database: postgresCpuSeconds() };
        const measured = await loadTest(gateway.url, key, q.body, config.readClients, config.readSeconds);
        flowgate.push(measured);
        gatewayCpu.push(((cpuSeconds(gateway.pid) - before.gateway) * 1e6) / measured.requests);
        databaseCpu.push(((postgresCpuSeconds() - before.database) * 1e6) / measured.requests);
        const yogaBefore = cpuSeconds(yoga.pid);
        const bare = await loadTest(yogaUrl, {}, hello, config.readClients, config.readSeconds);
        anchor.push(bare);
        yogaCpu.push(((cpuSeconds(yoga.pid) - yogaBefore) * 1e6) / bare.requests);
      }
      for (const r of [...flowgate, ...anchor]) {
        failures += r.failures;
        requests += r.requests;
      }
      const clients = `${config.readClients} clients`;
      figures.push(
        {
          workload: "reads",
          label: `${q.name}, ${clients}, throughput`,
          unit: "req/s",
          flowgate: flowgate.map((r) => r.requestsPerSecond),
          anchor: { label: "bare Yoga {hello}", values: anchor.map((r) => r.requestsPerSecond) },
          targets: [{ kind: "ratioAtLeast", value: 0.5 }],
        },
        {
          workload: "reads",
          label: `${q.name}, ${clients}, p99`,
          unit: "ms",
          flowgate: flowgate.map((r) => r.p99),
          anchor: { label: "bare Yoga {hello}", values: anchor.map((r) => r.p99) },
          targets: [{ kind: "ratioAtMost", value: 3 }],
        },
        {
          workload: "reads",
          label: `${q.name}, ${clients}, gateway CPU per request`,
          unit: "µs",
          flowgate: gatewayCpu,
          anchor: { label: "bare Yoga {hello}", values: yogaCpu },
          targets: [],
        },
        {
          workload: "reads",
          label: `${q.name}, ${clients}, PostgreSQL CPU per request (every postgres process)`,
          unit: "µs",
          flowgate: databaseCpu,
          targets: [],
        },
      );
    }
    return {
      figures,
      notes: [
        `Reads: autocannon in the benchmark process, ${config.readSeconds} s per measurement, one gateway process (main.ts, FLOWGATE_ROLE=gateway, PostgreSQL, per-key rate limit raised to 1,000,000 a second) and one bare Yoga process; the run(id) target of DESIGN §7 is applied to the list too. Failed or unexpected answers: ${failures} of ${requests}${failures > 0 ? " (WARNING: the figures include failures)" : ""}.`,
      ],
    };
  } finally {
    await yoga.stop();
    await deployment.close();
  }
};

/**
 * A gateway on a schema holding 21 workflows (more than a page) and `runs` completed 5-node runs (one per
 * client of the different-runs row); the worker is stopped.
 */
async function seed(
  deployment: FlowgateDeployment,
  runCount: number,
): Promise<{ gateway: { url: string; pid: number }; runIds: string[] }> {
  const [gateway, worker] = await Promise.all([deployment.start("gateway"), deployment.start("worker")]);
  const url = gateway.url!;
  const workflowIds = await mapLimit(
    Array.from({ length: 21 }, (_, i) => i),
    4,
    (i) => deployment.createWorkflow(url, `reads ${i}`, fiveNodeGraph),
  );
  const runs = await deployment.startRuns(url, workflowIds[0]!, runCount);
  await deployment.until(
    async () =>
      (await deployment.scalar("select count(*) as v from runs where status = 'completed'")) === runCount,
    60_000,
    "the seeded runs to complete",
  );
  await deployment.stop(worker);
  return { gateway: { url, pid: gateway.pid }, runIds: runs.map((run) => run.runId) };
}

/**
 * CPU time (user + system) that every `postgres` process of this machine has used so far, in seconds: the
 * server's backends, its WAL writer and checkpointer. Read before and after a measurement, with nothing
 * else using the server, it is the database's share of the work.
 */
function postgresCpuSeconds(): number {
  let total = 0;
  for (const entry of readdirSync("/proc")) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      const stat = readFileSync(`/proc/${entry}/stat`, "utf8");
      if (stat.slice(stat.indexOf("(") + 1, stat.lastIndexOf(")")) !== "postgres") continue;
      const fields = stat.slice(stat.lastIndexOf(")") + 2).split(" ");
      total += (Number(fields[11]) + Number(fields[12])) / 100;
    } catch {
      // The process ended between the listing and the read.
    }
  }
  return total;
}
