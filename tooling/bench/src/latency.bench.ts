import {
  Application,
  createSession,
  createWorkflow,
  submitExternalDecision,
  submitSession,
} from "@flowgate/application";
import { type BusMessage, Engine } from "@flowgate/engine";
import { createBenchDatabase, fiveNodeGraph, gateGraph, percentile } from "./setup.ts";

/** Latency percentiles in ms. */
export interface LatencyResult {
  label: string;
  samples: number;
  p50: number;
  p95: number;
  p99: number;
}

function waitForEvent(engine: Engine, runId: string, match: (message: BusMessage) => boolean): Promise<void> {
  return new Promise((resolve) => {
    let unsubscribe: (() => void) | undefined;
    let matched = false;
    void engine.bus
      .subscribe(`run:${runId}`, (message) => {
        if (!matched && match(message)) {
          matched = true;
          unsubscribe?.();
          resolve();
        }
      })
      .then((stop) => {
        unsubscribe = stop;
        if (matched) stop();
      });
  });
}

/**
 * Trigger → `run.completed` for `samples` sequential 5-node runs on an idle engine: from the
 * submitSession call to the moment the run's final event is published.
 */
export async function triggerToCompletion(samples: number): Promise<LatencyResult> {
  const bench = await createBenchDatabase();
  const engine = new Engine({ db: bench.db, worker: { concurrency: 4, pollIntervalMs: 1000 } });
  const app = new Application({ engine });
  await engine.start();
  try {
    const workflow = await createWorkflow(app, bench.actor, { name: "latency", graph: fiveNodeGraph });
    const latencies: number[] = [];
    for (let i = 0; i < samples + 20; i++) {
      const session = await createSession(app, bench.actor, { workflowId: workflow.id });
      // The session's channel is known before the run exists; its "completed" status is published in
      // the same after-commit batch as the run's `run.completed` event.
      let unsubscribe: (() => void) | undefined;
      const completed = new Promise<void>((resolve) => {
        void engine.bus
          .subscribe(`session:${session.id}`, (message) => {
            if ("status" in message.event && message.event.status === "completed") resolve();
          })
          .then((stop) => {
            unsubscribe = stop;
          });
      });
      await new Promise((r) => setImmediate(r));
      const started = performance.now();
      await submitSession(app, bench.actor, { sessionId: session.id });
      await completed;
      const elapsed = performance.now() - started;
      unsubscribe?.();
      if (i >= 20) latencies.push(elapsed);
    }
    return summarize("trigger → run.completed (5 nodes, idle)", latencies);
  } finally {
    await engine.stop();
    await bench.close();
  }
}

/** Gate decision → the next node's `node.started`, over `samples` runs parked at a gate. */
export async function decisionToNextNode(samples: number): Promise<LatencyResult> {
  const bench = await createBenchDatabase();
  const engine = new Engine({ db: bench.db, worker: { concurrency: 4, pollIntervalMs: 1000 } });
  const app = new Application({ engine });
  await engine.start();
  try {
    const workflow = await createWorkflow(app, bench.actor, { name: "gate", graph: gateGraph });
    const sessions: { sessionId: string; runId: string }[] = [];
    for (let i = 0; i < samples + 20; i++) {
      const session = await createSession(app, bench.actor, { workflowId: workflow.id });
      const { run } = await submitSession(app, bench.actor, { sessionId: session.id });
      sessions.push({ sessionId: session.id, runId: run.id });
    }
    for (;;) {
      const paused = await bench.db.selectFrom("runs").select("id").where("status", "=", "paused").execute();
      if (paused.length === sessions.length) break;
      await new Promise((r) => setTimeout(r, 20));
    }
    const latencies: number[] = [];
    for (const [i, { sessionId, runId }] of sessions.entries()) {
      const nextStarted = waitForEvent(
        engine,
        runId,
        (m) => "type" in m.event && m.event.type === "node.started" && m.event.data.nodeId === "after",
      );
      await new Promise((r) => setTimeout(r, 1));
      const started = performance.now();
      await submitExternalDecision(app, bench.actor, { sessionId, decision: "continue" });
      await nextStarted;
      if (i >= 20) latencies.push(performance.now() - started);
    }
    return summarize("gate decision → next node started", latencies);
  } finally {
    await engine.stop();
    await bench.close();
  }
}

function summarize(label: string, latencies: number[]): LatencyResult {
  return {
    label,
    samples: latencies.length,
    p50: percentile(latencies, 50),
    p95: percentile(latencies, 95),
    p99: percentile(latencies, 99),
  };
}
