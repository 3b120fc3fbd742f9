import { findRun, listNodeRunsOfRuns, listRunEvents } from "@flowgate/db";
import {
  createTestDatabase,
  createTestWorkspace,
  type TestDatabase,
  testBackends,
} from "@flowgate/db/testing";
import type { RunEvent, Tenant } from "@flowgate/domain";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import {
  advanceRun,
  type BusMessage,
  defaultPolicyProviders,
  Engine,
  InProcessEventBus,
} from "../src/index.ts";
import { publishTestWorkflow, submitTestSession } from "./fixtures.ts";

const graph = {
  entry: "start",
  nodes: [
    { id: "start", type: "start", next: "doc" },
    { id: "doc", type: "policy", policy: "document", routes: { pass: "aml", fail: "rejected" } },
    { id: "aml", type: "policy", policy: "aml_screening", routes: { pass: "age", fail: "rejected" } },
    {
      id: "age",
      type: "conditional",
      conditions: [{ field: "session.age", operator: "<", value: 18, next: "rejected" }],
      default: "approved",
    },
    { id: "approved", type: "terminal", outcome: "approved" },
    { id: "rejected", type: "terminal", outcome: "rejected" },
  ],
};

describe.each(testBackends())("engine (%s)", (backend) => {
  let t: TestDatabase;
  let actor: Tenant;

  beforeAll(async () => {
    t = await createTestDatabase(backend);
    const ws = await createTestWorkspace(t.db, { organizationName: "o", workspaceName: "w" });
    actor = { workspaceId: ws.workspaceId, environment: "sandbox" };
  });
  afterAll(() => t.close());

  it("commits one I/O node with the pure nodes around it per step, publishing each step's events only after it commits", async () => {
    const bus = new InProcessEventBus();
    const engine = new Engine({ db: t.db, bus, worker: false });
    const workflow = await publishTestWorkflow(engine.unitOfWork, actor, "steps", graph);
    const run = await submitTestSession(engine.unitOfWork, actor, workflow, { age: 16 });

    const published: RunEvent[] = [];
    await bus.subscribe(`run:${run.id}`, (message: BusMessage) => {
      published.push(message.event as RunEvent);
    });
    const deps = { db: t.db, bus, providers: defaultPolicyProviders(), wake: () => {} };
    const outcomes: string[] = [];
    for (;;) {
      const outcome = await advanceRun(deps, run.id);
      outcomes.push(outcome);
      // Everything published so far is already in the store.
      const stored = await listRunEvents(t.db, run.id, 0);
      expect(stored.map((e) => e.seq)).toEqual(published.map((e) => e.seq));
      if (outcome !== "advanced") break;
    }
    // start + doc, then aml + age + rejected: two transactions for five nodes.
    expect(outcomes).toEqual(["advanced", "finished"]);
    const finished = await findRun(t.db, actor, run.id);
    expect(finished).toMatchObject({ status: "completed", finalStatus: "rejected", stepCount: 5 });
    const nodeRuns = await listNodeRunsOfRuns(t.db, [run.id]);
    expect(nodeRuns.map((n) => [n.workflowNodeId, n.result, n.routedTo])).toEqual([
      ["start", "started", "doc"],
      ["doc", "pass", "aml"],
      ["aml", "pass", "age"],
      ["age", "condition_0", "rejected"],
      ["rejected", "rejected", null],
    ]);
    expect(await t.db.selectFrom("jobs").where("run_id", "=", run.id).selectAll().execute()).toEqual([]);
    // A further call finds nothing to do and writes nothing.
    expect(await advanceRun(deps, run.id)).toBe("finished");
    expect((await listRunEvents(t.db, run.id, 0)).length).toBe(finished!.lastSeq);
  });

  it("a worker drains many runs, each with a gapless event stream and one node run per step", async () => {
    const engine = new Engine({ db: t.db, worker: { concurrency: 4, pollIntervalMs: 20 } });
    const workflow = await publishTestWorkflow(engine.unitOfWork, actor, "many", graph);
    const runIds: string[] = [];
    for (let i = 0; i < 25; i++) {
      runIds.push((await submitTestSession(engine.unitOfWork, actor, workflow, { age: 20 + i })).id);
    }
    await engine.start();
    const deadline = Date.now() + 20_000;
    for (;;) {
      const rows = await t.db.selectFrom("runs").select(["id", "status"]).where("id", "in", runIds).execute();
      if (rows.every((r) => r.status === "completed")) break;
      if (Date.now() > deadline) throw new Error("runs did not complete");
      await new Promise((r) => setTimeout(r, 50));
    }
    await engine.stop();
    for (const id of runIds) {
      const events = await listRunEvents(t.db, id, 0);
      expect(events.map((e) => e.seq)).toEqual(events.map((_, i) => i + 1));
      expect(events.at(-1)?.type).toBe("run.completed");
      const steps = (await listNodeRunsOfRuns(t.db, [id])).map((n) => n.step);
      expect(steps).toEqual([1, 2, 3, 4, 5]);
    }
  });
});
