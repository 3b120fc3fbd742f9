import {
  findRun,
  findRunById,
  findSession,
  listNodeRunsOfRuns,
  listRiskInputsOfRun,
  listRunEvents,
} from "@flowgate/db";
import { createTestWorkspace, testBackends, withDatabase } from "@flowgate/db/testing";
import { assessSessionRisk, type RunEvent, type Tenant } from "@flowgate/domain";
import type { KyselyPlugin } from "kysely";
import { test as baseTest, describe, expect } from "vitest";
import {
  advanceRun,
  type BusMessage,
  defaultPolicyProviders,
  Engine,
  InProcessEventBus,
} from "../src/index.ts";
import { stepRun } from "../src/run-step.ts";
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

/** The database fixtures, and `actor`: the sandbox of a workspace of its own for each test. */
const test = withDatabase(baseTest).extend("actor", async ({ database }): Promise<Tenant> => {
  const ws = await createTestWorkspace(database.db, { organizationName: "o", workspaceName: "w" });
  return { workspaceId: ws.workspaceId, environment: "sandbox" };
});

describe.each(testBackends())("engine (%s)", (backend) => {
  test.override({ backend });

  test("commits each I/O node's start before its I/O and its completion with the pure nodes after it, publishing each step's events only after it commits", async ({
    database: t,
    actor,
  }) => {
    const bus = new InProcessEventBus();
    const engine = new Engine({ db: t.db, bus, worker: false });
    const workflow = await publishTestWorkflow(engine.unitOfWork, actor, "steps", graph);
    const run = await submitTestSession(engine.unitOfWork, actor, workflow, { age: 16 });

    const published: RunEvent[] = [];
    await bus.subscribe(`run:${run.id}`, (message: BusMessage) => {
      published.push(message.event as RunEvent);
    });
    // A provider as a vendor's would be: it never answers at once, so each check is split over two commits.
    const sandbox = defaultPolicyProviders().sandbox;
    const providers = {
      ...defaultPolicyProviders(),
      sandbox: { check: (request: Parameters<typeof sandbox.check>[0]) => sandbox.check(request) },
    };
    const deps = { db: t.db, bus, providers, wake: () => {} };
    const outcomes: string[] = [];
    const running: string[] = [];
    for (;;) {
      const outcome = await advanceRun(deps, run.id);
      outcomes.push(outcome);
      // Everything published so far is already in the store.
      const stored = await listRunEvents(t.db, run.id, 0);
      expect(stored.map((e) => e.seq)).toEqual(published.map((e) => e.seq));
      if (outcome !== "advanced") break;
      // Between steps, the last event says which I/O node is running.
      const last = stored.at(-1)!;
      expect(last.type).toBe("node.started");
      running.push(last.data.nodeId as string);
    }
    // start + doc's start, then doc + aml's start, then aml + age + rejected: the pure nodes ride along.
    expect(outcomes).toEqual(["advanced", "advanced", "finished"]);
    expect(running).toEqual(["doc", "aml"]);
    const types = (await listRunEvents(t.db, run.id, 0)).map((e) => `${e.type}:${e.data.nodeId ?? ""}`);
    expect(types).toEqual([
      "run.started:",
      "node.started:start",
      "node.completed:start",
      "node.started:doc",
      "node.completed:doc",
      "node.started:aml",
      "node.completed:aml",
      "node.started:age",
      "node.completed:age",
      "node.started:rejected",
      "node.completed:rejected",
      "run.completed:",
    ]);
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

  test("checks a provider answers at once run inline: the whole run commits in one step, its events in order, each check with its attempt", async ({
    database: t,
    actor,
  }) => {
    const bus = new InProcessEventBus();
    const engine = new Engine({ db: t.db, bus, worker: false });
    const workflow = await publishTestWorkflow(engine.unitOfWork, actor, "inline", graph);
    const run = await submitTestSession(engine.unitOfWork, actor, workflow, { age: 16 });
    const published: RunEvent[] = [];
    await bus.subscribe(`run:${run.id}`, (message: BusMessage) => {
      published.push(message.event as RunEvent);
    });
    const deps = { db: t.db, bus, providers: defaultPolicyProviders(), wake: () => {} };

    expect(await advanceRun(deps, run.id)).toBe("finished");
    const events = await listRunEvents(t.db, run.id, 0);
    expect(events.map((e) => `${e.type}:${e.data.nodeId ?? ""}`)).toEqual([
      "run.started:",
      "node.started:start",
      "node.completed:start",
      "node.started:doc",
      "node.completed:doc",
      "node.started:aml",
      "node.completed:aml",
      "node.started:age",
      "node.completed:age",
      "node.started:rejected",
      "node.completed:rejected",
      "run.completed:",
    ]);
    expect(published.map((e) => e.seq)).toEqual(events.map((e) => e.seq));
    expect(await findRun(t.db, actor, run.id)).toMatchObject({
      status: "completed",
      finalStatus: "rejected",
      stepCount: 5,
      nodeStarted: null,
    });
    // Each check has its attempt, keyed by its node.started, as when its start commits on its own.
    const checks = await t.db
      .selectFrom("session_checks")
      .innerJoin("session_check_attempts", "session_check_attempts.check_id", "session_checks.id")
      .select([
        "session_checks.node_id",
        "session_checks.status",
        "session_checks.result",
        "session_check_attempts.number",
        "session_check_attempts.started_seq",
        "session_check_attempts.outcome",
        "session_check_attempts.completed_at",
        "session_check_attempts.provider_reference",
      ])
      .where("session_checks.run_id", "=", run.id)
      .orderBy("session_check_attempts.started_seq")
      .execute();
    const startedSeq = (nodeId: string) =>
      events.find((e) => e.type === "node.started" && e.data.nodeId === nodeId)!.seq;
    expect(checks).toMatchObject([
      {
        node_id: "doc",
        status: "passed",
        result: "pass",
        number: 1,
        started_seq: startedSeq("doc"),
        outcome: "pass",
      },
      {
        node_id: "aml",
        status: "passed",
        result: "pass",
        number: 1,
        started_seq: startedSeq("aml"),
        outcome: "pass",
      },
    ]);
    for (const check of checks) {
      expect(check.completed_at).toBeInstanceOf(Date);
      expect(check.provider_reference).toMatch(/^sbx_/);
    }
  });

  test("a session run of two inline checks commits in one transaction of five statements: begin, the checks, the risk with the session, the step, commit", async ({
    database: t,
    actor,
  }) => {
    const engine = new Engine({ db: t.db, worker: false });
    const workflow = await publishTestWorkflow(engine.unitOfWork, actor, "count", graph);
    const submitted = await submitTestSession(engine.unitOfWork, actor, workflow, { age: 30 });
    const run = (await findRunById(t.db, submitted.id))!;
    const session = (await findSession(t.db, actor, run.sessionId!)) ?? null;
    // Every statement Kysely sends (begin and commit are not queries: two more round trips).
    const statements: string[] = [];
    const counting: KyselyPlugin = {
      transformQuery: ({ node }) => {
        statements.push(node.kind);
        return node;
      },
      transformResult: async ({ result }) => result,
    };
    const deps = {
      db: t.db.withPlugin(counting),
      bus: engine.bus,
      providers: defaultPolicyProviders(),
      wake: () => {},
    };
    // With a cursor, the step reads nothing before its transaction.
    const { outcome } = await stepRun(deps, run.id, { run, session, outputs: {} });
    expect(outcome).toBe("finished");
    expect(statements.length + 2).toBe(5);
  });

  test("a session run of two inline checks stores its checks, their attempts, its risk and its session as the checks' own statements did", async ({
    database: t,
    actor,
  }) => {
    const engine = new Engine({ db: t.db, worker: false });
    // doc passes with a low confidence, aml fails with a score and a PEP match: signals of both checks.
    const simulated = {
      ...graph,
      nodes: graph.nodes.map((node) =>
        node.id === "doc"
          ? { ...node, simulate: { outcome: "pass", output: { confidence: 30 } } }
          : node.id === "aml"
            ? { ...node, simulate: { outcome: "fail", output: { score: 40, pep: true } } }
            : node,
      ),
    };
    const workflow = await publishTestWorkflow(engine.unitOfWork, actor, "risk", simulated);
    const run = await submitTestSession(engine.unitOfWork, actor, workflow, { age: 30 });
    const deps = { db: t.db, bus: engine.bus, providers: defaultPolicyProviders(), wake: () => {} };
    expect(await advanceRun(deps, run.id)).toBe("finished");

    const finished = (await findRun(t.db, actor, run.id))!;
    expect(finished).toMatchObject({ status: "completed", finalStatus: "rejected" });
    const events = await listRunEvents(t.db, run.id, 0);
    const startedSeq = (nodeId: string) =>
      events.find((e) => e.type === "node.started" && e.data.nodeId === nodeId)!.seq;
    const checks = await t.db
      .selectFrom("session_checks")
      .selectAll()
      .where("run_id", "=", run.id)
      .orderBy("created_at")
      .orderBy("id")
      .execute();
    const attempts = await t.db
      .selectFrom("session_check_attempts")
      .selectAll()
      .where(
        "check_id",
        "in",
        checks.map((c) => c.id),
      )
      .orderBy("started_seq")
      .execute();
    expect(checks.map((c) => [c.node_id, c.policy, c.status, c.result, c.output, c.error])).toEqual([
      ["doc", "document", "passed", "pass", expect.objectContaining({ confidence: 30 }), null],
      [
        "aml",
        "aml_screening",
        "failed",
        "fail",
        expect.objectContaining({ score: 40, pep: true }),
        "sandbox simulated fail",
      ],
    ]);
    expect(attempts.map((a) => [a.check_id, a.number, a.started_seq, a.outcome, a.error])).toEqual([
      [checks[0]!.id, 1, startedSeq("doc"), "pass", null],
      [checks[1]!.id, 1, startedSeq("aml"), "fail", "sandbox simulated fail"],
    ]);
    for (const [i, attempt] of attempts.entries()) {
      const check = checks[i]!;
      // The check took its attempt's end and output; both were created by the step's transaction.
      expect(check.updated_at).toEqual(attempt.completed_at);
      expect(check.output).toEqual(attempt.output);
      expect(check.created_at).toEqual(checks[0]!.created_at);
      expect(attempt.started_at.getTime()).toBeLessThanOrEqual(attempt.completed_at!.getTime());
      expect(attempt.provider_reference).toMatch(/^sbx_/);
    }
    // The risk assessment is the rules' result on the checks as stored, in the order they started.
    const inputs = await listRiskInputsOfRun(t.db, run.id);
    expect(inputs.map((c) => [c.nodeId, c.result, c.attempts])).toEqual([
      ["doc", "pass", 1],
      ["aml", "fail", 1],
    ]);
    const expected = assessSessionRisk(inputs);
    expect(expected.signals.map((s) => [s.code, s.nodeId, s.weight])).toEqual([
      ["document_confidence", "doc", 25],
      ["check_failed", "aml", 40],
      ["aml_score", "aml", 20],
      ["pep_match", "aml", 20],
    ]);
    const risks = await t.db
      .selectFrom("session_risk_assessments")
      .selectAll()
      .where("run_id", "=", run.id)
      .execute();
    expect(risks).toEqual([
      expect.objectContaining({
        session_id: run.sessionId,
        rules_version: expected.rulesVersion,
        score: expected.score,
        level: expected.level,
        signals: expected.signals,
      }),
    ]);
    // The session ended with the run, at its completion time, the risk stored in the same commit.
    const session = await findSession(t.db, actor, run.sessionId!);
    expect(session).toMatchObject({
      status: "completed",
      result: "rejected",
      completedAt: finished.completedAt,
    });
    expect(risks[0]!.created_at).toEqual(checks[0]!.created_at);
  });

  test("a sandbox check with a simulated delay is not immediate: its start commits before it runs", async ({
    database: t,
    actor,
  }) => {
    const engine = new Engine({ db: t.db, worker: false });
    const slow = {
      ...graph,
      nodes: graph.nodes.map((node) =>
        node.id === "doc" ? { ...node, simulate: { outcome: "pass", delay_ms: 1 } } : node,
      ),
    };
    const workflow = await publishTestWorkflow(engine.unitOfWork, actor, "slow", slow);
    const run = await submitTestSession(engine.unitOfWork, actor, workflow, { age: 30 });
    const deps = { db: t.db, bus: engine.bus, providers: defaultPolicyProviders(), wake: () => {} };
    expect(await advanceRun(deps, run.id)).toBe("advanced");
    expect((await listRunEvents(t.db, run.id, 0)).at(-1)).toMatchObject({
      type: "node.started",
      data: { nodeId: "doc" },
    });
    // doc runs, then aml (immediate) and the rest ride along in the same commit.
    expect(await advanceRun(deps, run.id)).toBe("finished");
    expect(await findRun(t.db, actor, run.id)).toMatchObject({
      status: "completed",
      finalStatus: "approved",
    });
  });

  test("a worker taking over a started node runs the same attempt again without a second node.started; the lost worker's commit is refused", async ({
    database: t,
    actor,
  }) => {
    const bus = new InProcessEventBus();
    const engine = new Engine({ db: t.db, bus, worker: false });
    const workflow = await publishTestWorkflow(engine.unitOfWork, actor, "takeover", graph);
    const run = await submitTestSession(engine.unitOfWork, actor, workflow, { age: 30 });
    const sandbox = defaultPolicyProviders().sandbox;
    const calls: string[] = [];
    let lostCalledAt = new Date(0);
    let release: () => void = () => {};
    const stuck = new Promise<void>((resolve) => {
      release = resolve;
    });
    // The first worker's provider hangs in the middle of "doc" (the worker is as good as dead).
    const lost = {
      db: t.db,
      bus,
      wake: () => {},
      providers: {
        ...defaultPolicyProviders(),
        sandbox: {
          async check(request: Parameters<typeof sandbox.check>[0]) {
            calls.push(`lost:${request.node.id}:${request.attempt}`);
            lostCalledAt = new Date();
            await stuck;
            return sandbox.check(request);
          },
        },
      },
    };
    expect(await advanceRun(lost, run.id)).toBe("advanced");
    const lostStep = advanceRun(lost, run.id);
    while (calls.length === 0) await new Promise((r) => setTimeout(r, 5));

    // Another worker (its lease expired) takes the run over and finishes it.
    const takeover = {
      db: t.db,
      bus,
      wake: () => {},
      providers: {
        ...defaultPolicyProviders(),
        sandbox: {
          async check(request: Parameters<typeof sandbox.check>[0]) {
            calls.push(`takeover:${request.node.id}:${request.attempt}`);
            return sandbox.check(request);
          },
        },
      },
    };
    while ((await advanceRun(takeover, run.id)) === "advanced");
    release();
    expect(await lostStep).toBe("superseded");

    expect(calls).toEqual(["lost:doc:1", "takeover:doc:1", "takeover:aml:1"]);
    const events = await listRunEvents(t.db, run.id, 0);
    expect(events.map((e) => e.seq)).toEqual(events.map((_, i) => i + 1));
    const starts = events.filter((e) => e.type === "node.started").map((e) => e.data.nodeId);
    expect(starts).toEqual(["start", "doc", "aml", "age", "approved"]);
    const finished = await findRun(t.db, actor, run.id);
    expect(finished).toMatchObject({ status: "completed", finalStatus: "approved", nodeStarted: null });
    const doc = (await listNodeRunsOfRuns(t.db, [run.id])).find((n) => n.workflowNodeId === "doc")!;
    expect(doc).toMatchObject({ attempts: 1, result: "pass" });
    // The node run counts from the committed start, which came before the lost worker's attempt.
    expect(doc.startedAt.getTime()).toBeLessThanOrEqual(lostCalledAt.getTime());
  });

  test("a worker drains many runs, each with a gapless event stream and one node run per step", async ({
    database: t,
    actor,
  }) => {
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
