import type { BenchConfig } from "../config.ts";
import {
  CREATE_SESSION,
  DECIDE,
  expectType,
  FlowgateDeployment,
  fiveNodeGraph,
  gateGraph,
  SUBMIT_SESSION,
} from "../support/flowgate.ts";
import { gql } from "../support/graphql-http.ts";
import { now, percentile, sleep } from "../support/stats.ts";
import { connectClient, waitForEvent } from "../support/subscriptions.ts";
import type { Workload } from "./workload.ts";

/**
 * The gateway path, as a client sees it, with a gateway process and a worker process on the PostgreSQL
 * event bus (`apps/gateway/src/main.ts`, product defaults otherwise):
 * - trigger: from sending `submitSession` over HTTP to receiving `RUN_COMPLETED` over graphql-ws (the
 *   client subscribes to `runProgress` as soon as the mutation answers with the run id; stored events
 *   are replayed, so nothing is missed), 5-node runs one after the other on an idle system;
 * - decision: runs parked at a gate; a `runProgress` subscription is confirmed live first (it replays the
 *   last stored event), then from sending `submitExternalDecision` over HTTP to receiving the next node's
 *   `NODE_STARTED`.
 */
export const gatewayLatency: Workload = async (config, progress) => {
  const trigger = { p50: [] as number[], p99: [] as number[] };
  const decision = { p50: [] as number[], p99: [] as number[] };
  for (let rep = 1; rep <= config.repetitions; rep++) {
    progress(`gateway path ${rep}/${config.repetitions}`);
    const { triggered, decided } = await measure(config);
    trigger.p50.push(percentile(triggered, 50));
    trigger.p99.push(percentile(triggered, 99));
    decision.p50.push(percentile(decided, 50));
    decision.p99.push(percentile(decided, 99));
  }
  const samples = `${config.latencySamples} sequential samples`;
  return {
    figures: [
      {
        workload: "gateway path",
        label: `trigger (HTTP) → run.completed (graphql-ws), 5 nodes, p50 of ${samples}`,
        unit: "ms",
        flowgate: trigger.p50,
        targets: [{ kind: "atMost", value: 10 }],
      },
      {
        workload: "gateway path",
        label: "trigger (HTTP) → run.completed (graphql-ws), p99",
        unit: "ms",
        flowgate: trigger.p99,
        targets: [{ kind: "atMost", value: 25 }],
      },
      {
        workload: "gateway path",
        label: `gate decision (HTTP) → next node.started (graphql-ws), p50 of ${samples}`,
        unit: "ms",
        flowgate: decision.p50,
        targets: [{ kind: "none" }],
      },
      {
        workload: "gateway path",
        label: "gate decision (HTTP) → next node.started (graphql-ws), p99",
        unit: "ms",
        flowgate: decision.p99,
        targets: [{ kind: "atMost", value: 20 }],
      },
    ],
    notes: [
      `Gateway path: one gateway and one worker process (main.ts, PostgreSQL event bus, worker concurrency 4, poll interval 1 s, wake-ups by NOTIFY); ${config.latencyWarmup} warm-up samples per repetition are not counted.`,
    ],
  };
};

async function measure(config: BenchConfig): Promise<{ triggered: number[]; decided: number[] }> {
  const deployment = await FlowgateDeployment.create(config.databaseUrl, "bench_latency");
  const [gateway] = await Promise.all([deployment.start("gateway"), deployment.start("worker")]);
  const url = gateway!.url!;
  const client = connectClient(url, deployment.apiKey);
  try {
    const total = config.latencyWarmup + config.latencySamples;

    const automatic = await deployment.createWorkflow(url, "latency", fiveNodeGraph);
    const triggered: number[] = [];
    for (let i = 0; i < total; i++) {
      const session = await gql(url, deployment.apiKey, CREATE_SESSION, { workflowId: automatic });
      const sessionId = expectType(session.createSession, "Session").id as string;
      await sleep(2);
      const started = now();
      const submitted = await gql(url, deployment.apiKey, SUBMIT_SESSION, { sessionId });
      const runId = expectType(submitted.submitSession, "SubmitSessionPayload").run.id as string;
      const { event, subscription } = waitForEvent(client, runId, 0, (e) => e.type === "RUN_COMPLETED");
      const { at } = await event;
      subscription.dispose();
      if (i >= config.latencyWarmup) triggered.push(at - started);
    }

    const gated = await deployment.createWorkflow(url, "gate", gateGraph);
    const runs = await deployment.startRuns(url, gated, total);
    await deployment.until(
      async () =>
        (await deployment.scalar("select count(*) as v from runs where status = 'paused'")) === total,
      120_000,
      "runs to pause at the gate",
    );
    const decided: number[] = [];
    for (const [i, run] of runs.entries()) {
      const lastSeq = await deployment.scalar("select last_seq as v from runs where id = $1", [run.runId]);
      let live!: () => void;
      const confirmed = new Promise<void>((resolve) => {
        live = resolve;
      });
      const { event, subscription } = waitForEvent(client, run.runId, lastSeq - 1, (e) => {
        if (e.seq === lastSeq) live();
        return e.type === "NODE_STARTED" && e.data.nodeId === "after";
      });
      await confirmed;
      await sleep(2);
      const started = now();
      const answer = await gql(url, deployment.apiKey, DECIDE, { sessionId: run.sessionId });
      expectType(answer.submitExternalDecision, "ExternalDecisionPayload");
      const { at } = await event;
      subscription.dispose();
      if (i >= config.latencyWarmup) decided.push(at - started);
    }
    return { triggered, decided };
  } finally {
    await client.dispose();
    await deployment.close();
  }
}
