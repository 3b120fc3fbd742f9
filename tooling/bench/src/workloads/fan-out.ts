import { fileURLToPath } from "node:url";
import type { BenchConfig } from "../config.ts";
import { FlowgateDeployment, gateGraph } from "../support/flowgate.ts";
import {
  type BenchProcess,
  cpuSeconds,
  openFilesLimit,
  residentBytes,
  spawnProcess,
} from "../support/processes.ts";
import { sleep } from "../support/stats.ts";
import type { FanOutCommand, FanOutMeasurement, FanOutReply, WatchedRun } from "./fan-out-clients.ts";
import type { Workload } from "./workload.ts";

const clientScript = fileURLToPath(new URL("./fan-out-clients.ts", import.meta.url));

/** One repetition's figures. */
interface FanOutRepetition extends FanOutMeasurement {
  bytesPerSubscriber: number;
  /** CPU seconds used while subscribing by the gateway and by the client process. */
  gatewayCpu: number;
  clientCpu: number;
  clientPid: number;
  deliverSeconds: number;
}

/**
 * Live fan-out: `subscribers` graphql-ws connections on one gateway process, `subscribersPerRun` per run,
 * each subscribed to `runProgress` of a run parked at a gate; a worker process executes the runs once their
 * gate decisions come in over HTTP (PostgreSQL event bus between the processes). Measures subscriptions per
 * second, the gateway's RSS growth per subscriber, event commit → client and decision → first event
 * latency, and counts lost, duplicated and reordered events (which must all be 0).
 */
export const fanOut: Workload = async (config, progress) => {
  const needed = config.subscribers + 1000;
  const limit = openFilesLimit();
  if (limit < needed) {
    throw new Error(
      `the open-files limit is ${limit}; ${config.subscribers} subscribers need about ${needed} (run \`ulimit -n ${needed}\` first, or lower BENCH_SUBSCRIBERS)`,
    );
  }
  const reps: FanOutRepetition[] = [];
  for (let rep = 1; rep <= config.repetitions; rep++) {
    reps.push(await measure(config, (m) => progress(`fan-out ${rep}/${config.repetitions}: ${m}`)));
  }
  const values = (pick: (r: FanOutRepetition) => number) => reps.map(pick);
  const runs = config.subscribers / config.subscribersPerRun;
  const subs = `${config.subscribers} subscribers, ${config.subscribersPerRun} per run`;
  return {
    figures: [
      {
        workload: "fan-out",
        label: `${subs}: subscriptions per second`,
        unit: "subs/s",
        flowgate: values((r) => r.subscriptionsPerSecond),
        targets: [{ kind: "atLeast", value: 2000 }],
      },
      {
        workload: "fan-out",
        label: "gateway RSS growth per subscriber",
        unit: "KB",
        flowgate: values((r) => r.bytesPerSubscriber / 1024),
        targets: [{ kind: "atMost", value: 40 }],
      },
      {
        workload: "fan-out",
        label: "event commit → client, p50",
        unit: "ms",
        flowgate: values((r) => r.commitToClient.p50),
        targets: [{ kind: "none" }],
      },
      {
        workload: "fan-out",
        label: "event commit → client, p99",
        unit: "ms",
        flowgate: values((r) => r.commitToClient.p99),
        targets: [{ kind: "atMost", value: 100 }],
      },
      {
        workload: "fan-out",
        label: "gate decision → first event, p99",
        unit: "ms",
        flowgate: values((r) => r.decisionToFirstEvent.p99),
        targets: [{ kind: "atMost", value: 250 }],
      },
      ...(["lost", "duplicated", "reordered"] as const).map((kind) => ({
        workload: "fan-out",
        label: `events ${kind}`,
        unit: "events",
        flowgate: values((r) => r[kind]),
        targets: [{ kind: "atMost" as const, value: 0 }],
      })),
    ],
    notes: [
      `Fan-out: the ${config.subscribers} clients (one WebSocket each, speaking the graphql-ws protocol over plain ws sockets) ran in a child process of the benchmark (pid ${reps.map((r) => r.clientPid).join(", ")}), at most ${config.subscribeConcurrency} connecting at once; one gateway and one worker process (main.ts, PostgreSQL bus, worker concurrency 4); ${runs} runs parked at a gate, decided over HTTP from the client process ${config.decisionConcurrency} at a time. Commit → client uses each event's createdAt (taken by the worker just before its write, ms resolution), so it includes the write and the commit. Per repetition: decision → first event p50 ${reps.map((r) => r.decisionToFirstEvent.p50.toFixed(1)).join(" / ")} ms; all events delivered within ${reps.map((r) => r.deliverSeconds.toFixed(1)).join(" / ")} s of the first decision; streams not completed ${reps.map((r) => r.incomplete).join(" / ")}; CPU while subscribing, gateway / clients / wall: ${reps.map((r) => `${r.gatewayCpu.toFixed(1)} / ${r.clientCpu.toFixed(1)} / ${r.subscribeSeconds.toFixed(1)} s`).join("; ")}.`,
      ...reps.flatMap((r, i) => r.examples.map((e) => `Fan-out repetition ${i + 1} anomaly: ${e}`)),
    ],
  };
};

async function measure(config: BenchConfig, progress: (message: string) => void): Promise<FanOutRepetition> {
  const deployment = await FlowgateDeployment.create(config.databaseUrl, "bench_fanout");
  let clients: BenchProcess | undefined;
  try {
    const [gateway] = await Promise.all([deployment.start("gateway"), deployment.start("worker")]);
    const url = gateway!.url!;
    const runCount = config.subscribers / config.subscribersPerRun;
    progress(`parking ${runCount} runs at a gate`);
    const workflowId = await deployment.createWorkflow(url, "fan-out", gateGraph);
    const started = await deployment.startRuns(url, workflowId, runCount);
    await deployment.until(
      async () =>
        (await deployment.scalar("select count(*) as v from runs where status = 'paused'")) === runCount,
      120_000,
      "runs to pause at the gate",
    );
    const lastSeqs = await lastSeqOf(deployment);
    const runs: WatchedRun[] = started.map((r) => ({ ...r, lastSeq: lastSeqs[r.runId]! }));

    clients = await spawnProcess({
      script: clientScript,
      env: {},
      ipc: true,
      readyWhen: (l) => l === "ready",
    });
    const ask = messenger(clients);
    await sleep(500);
    const before = residentBytes(gateway!.pid);
    const cpuBefore = [cpuSeconds(gateway!.pid), cpuSeconds(clients.pid)];
    progress(`opening ${config.subscribers} subscriptions`);
    const subscribed = await ask(
      {
        type: "subscribe",
        url,
        apiKey: deployment.apiKey,
        runs,
        perRun: config.subscribersPerRun,
        concurrency: config.subscribeConcurrency,
      },
      "subscribed",
    );
    const after = residentBytes(gateway!.pid);
    const [gatewayCpu, clientCpu] = [
      cpuSeconds(gateway!.pid) - cpuBefore[0]!,
      cpuSeconds(clients.pid) - cpuBefore[1]!,
    ];
    if (subscribed.failures > 0) throw new Error(`${subscribed.failures} subscriptions failed`);
    progress("deciding the gates");
    const delivered = await ask(
      { type: "decide", concurrency: config.decisionConcurrency, timeoutMs: 180_000 },
      "delivered",
    );
    await deployment.until(
      async () =>
        (await deployment.scalar("select count(*) as v from runs where status = 'completed'")) === runCount,
      60_000,
      "the decided runs to complete",
    );
    const result = await ask({ type: "verify", finalSeq: await lastSeqOf(deployment) }, "result");
    return {
      ...result.measurement,
      bytesPerSubscriber: (after - before) / config.subscribers,
      gatewayCpu,
      clientCpu,
      clientPid: clients.pid,
      deliverSeconds: delivered.seconds,
    };
  } finally {
    await clients?.stop();
    await deployment.close();
  }
}

async function lastSeqOf(deployment: FlowgateDeployment): Promise<Record<string, number>> {
  const { rows } = await deployment.pool.query<{ id: string; last_seq: number }>(
    "select id, last_seq from runs",
  );
  return Object.fromEntries(rows.map((row) => [row.id, row.last_seq]));
}

/** Sends a command to the client process and waits for the reply of type `expected`. */
function messenger(child: BenchProcess) {
  return <T extends FanOutReply["type"]>(
    command: FanOutCommand,
    expected: T,
    timeoutMs = 900_000,
  ): Promise<Extract<FanOutReply, { type: T }>> =>
    new Promise((resolve, reject) => {
      const timer = setTimeout(() => {
        cleanup();
        reject(new Error(`the client process did not answer ${command.type} within ${timeoutMs / 1000} s`));
      }, timeoutMs);
      const onMessage = (reply: FanOutReply) => {
        cleanup();
        if (reply.type === expected) resolve(reply as Extract<FanOutReply, { type: T }>);
        else reject(new Error(reply.type === "error" ? reply.message : `unexpected reply ${reply.type}`));
      };
      const onExit = () => {
        cleanup();
        reject(new Error(`the client process exited:\n${child.output()}`));
      };
      const cleanup = () => {
        clearTimeout(timer);
        child.child.off("message", onMessage);
        child.child.off("exit", onExit);
      };
      child.child.on("message", onMessage);
      child.child.once("exit", onExit);
      child.child.send(command);
    });
}
