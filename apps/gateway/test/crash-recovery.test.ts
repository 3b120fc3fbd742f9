import {
  type Actor,
  Application,
  createSession,
  createWorkflow,
  provisionWorkspace,
  submitSession,
} from "@flowgate/application";
import { listNodeRunsOfRuns, listRunEvents } from "@flowgate/db";
import { createTestDatabase, type TestDatabase } from "@flowgate/db/testing";
import { Engine } from "@flowgate/engine";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type FlowgateProcess, startFlowgateProcess } from "./processes.ts";

/** Five automatic nodes: start → document → aml → rule → terminal. */
const fiveNodeGraph = {
  entry: "start",
  nodes: [
    { id: "start", type: "start", next: "document" },
    { id: "document", type: "policy", policy: "document", routes: { pass: "aml", fail: "rejected" } },
    { id: "aml", type: "policy", policy: "aml_screening", routes: { pass: "rule", fail: "rejected" } },
    {
      id: "rule",
      type: "conditional",
      conditions: [{ field: "aml.output.score", operator: ">=", value: 80, next: "rejected" }],
      default: "approved",
    },
    { id: "approved", type: "terminal", outcome: "approved" },
    { id: "rejected", type: "terminal", outcome: "rejected" },
  ],
};

const runCount = 300;
const leaseMs = 2000;

/**
 * Real worker processes execute a few hundred runs while the test SIGKILLs them at random moments and
 * starts replacements. Every run must complete exactly once: gapless event sequences, one node run
 * per step, no effect applied twice.
 */
describe.skipIf(!process.env.DATABASE_URL)("crash recovery: SIGKILL workers mid-step", () => {
  let t: TestDatabase;
  let app: Application;
  let actor: Actor;
  const workers: FlowgateProcess[] = [];

  beforeAll(async () => {
    t = await createTestDatabase("postgres");
    app = new Application({ engine: new Engine({ db: t.db, worker: false }) });
    const ws = await provisionWorkspace(app, { organizationName: "o", workspaceName: "w" });
    actor = { workspaceId: ws.workspaceId, environment: "sandbox", keyId: "crash-test", scopes: ["admin"] };
  });
  afterAll(async () => {
    await Promise.all(workers.map((w) => w.stop("SIGKILL")));
    await t?.close();
  });

  it(`completes all ${runCount} runs exactly once while workers are killed`, async () => {
    const workflow = await createWorkflow(app, actor, { name: "crash", graph: fiveNodeGraph });
    const runIds: string[] = [];
    for (let i = 0; i < runCount; i++) {
      // Slow checks keep steps in flight when the kills land: 300 runs of ~150 ms over 12 slots take
      // several seconds, so the kill loop always gets its turns before the runs are done.
      const session = await createSession(app, actor, {
        workflowId: workflow.id,
        sandbox: { document: { delay_ms: 60 + (i % 60) }, aml: { delay_ms: 60, output: { score: i % 100 } } },
      });
      runIds.push((await submitSession(app, actor, { sessionId: session.id })).run.id);
    }

    const env = {
      DATABASE_URL: t.url!,
      FLOWGATE_DB_SCHEMA: t.schema!,
      FLOWGATE_LEASE_MS: String(leaseMs),
      FLOWGATE_POLL_INTERVAL_MS: "200",
      FLOWGATE_WORKER_CONCURRENCY: "4",
    };
    // Start the three workers together, so the first does not finish the work alone while the others boot.
    workers.push(...(await Promise.all([0, 1, 2].map(() => startFlowgateProcess("worker", env)))));

    const completedCount = async () => {
      const row = await t.db
        .selectFrom("runs")
        .select((eb) => eb.fn.countAll<string>().as("n"))
        .where("status", "=", "completed")
        .executeTakeFirstOrThrow();
      return Number(row.n);
    };

    // Kill a random live worker every 200–500 ms (SIGKILL: no drain, no cleanup) and start a
    // replacement, until every run has completed or 12 kills were made; then let the survivors finish.
    let kills = 0;
    let lastKillAt = Date.now();
    const replacements: Promise<void>[] = [];
    const deadline = Date.now() + 180_000;
    while ((await completedCount()) < runCount && Date.now() < deadline) {
      await new Promise((r) => setTimeout(r, 200 + Math.random() * 300));
      if (kills >= 12) continue;
      const live = workers.filter((w) => w.child.exitCode === null && w.child.signalCode === null);
      if (live.length === 0) continue;
      const victim = live[Math.floor(Math.random() * live.length)]!;
      await victim.stop("SIGKILL");
      kills++;
      lastKillAt = Date.now();
      replacements.push(startFlowgateProcess("worker", env).then((w) => void workers.push(w)));
    }
    await Promise.all(replacements);
    const recoveryMs = Date.now() - lastKillAt;
    expect(await completedCount()).toBe(runCount);
    expect(kills).toBeGreaterThan(3);

    for (const runId of runIds) {
      const events = await listRunEvents(t.db, runId, 0);
      expect(events.map((e) => e.seq)).toEqual(events.map((_, i) => i + 1));
      expect(events.filter((e) => e.type === "run.completed")).toHaveLength(1);
      expect(events.filter((e) => e.type === "node.completed")).toHaveLength(5);
      // I/O nodes are started in their own commit: a worker killed between a start and its completion
      // leaves the start, and the worker taking over does not start the same attempt again.
      const starts = events.filter((e) => e.type === "node.started").map((e) => e.data.nodeId);
      expect(starts).toHaveLength(5);
      expect(new Set(starts).size).toBe(5);
      const nodeRuns = await listNodeRunsOfRuns(t.db, [runId]);
      expect(nodeRuns.map((n) => n.step)).toEqual([1, 2, 3, 4, 5]);
      expect(new Set(nodeRuns.map((n) => n.workflowNodeId)).size).toBe(5);
    }
    console.log(
      `crash test: ${kills} SIGKILLs, all ${runCount} runs completed; last recovery ${recoveryMs} ms`,
    );
  }, 240_000);
});
