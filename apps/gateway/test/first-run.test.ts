import { testBackends } from "@flowgate/db/testing";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import {
  CREATE_SESSION,
  CREATE_WORKFLOW,
  DECIDE,
  designExampleGraph,
  highRiskSandbox,
  RUN,
  RUN_PROGRESS,
  SESSION,
  SUBMIT_SESSION,
  TRIGGER,
} from "./fixtures.ts";
import { collect, eventually, type Harness, startHarness } from "./harness.ts";

interface ProgressEvent {
  runId: string;
  seq: number;
  type: string;
  data: Record<string, any>;
}

describe.each(testBackends())("workflow → session → run → live progress (%s)", (backend) => {
  let h: Harness;
  let key: string;
  let workflowId: string;

  beforeAll(async () => {
    h = await startHarness(backend);
    key = h.acme.keys.sandbox;
    const created = await h.gql(key, CREATE_WORKFLOW, {
      name: "KYC",
      graph: designExampleGraph,
      isDefault: true,
    });
    expect(created.data.createWorkflow).toMatchObject({
      __typename: "Workflow",
      currentVersion: 1,
      isDefault: true,
    });
    workflowId = created.data.createWorkflow.id;
  });
  afterAll(() => h.close());

  /** Creates a session that will stop at the gate, submits it, and waits for the pause through runProgress. */
  async function runToGate() {
    const session = await h.gql(key, CREATE_SESSION, { sandbox: highRiskSandbox });
    const sessionId = session.data.createSession.id as string;
    const submitted = await h.gql(key, SUBMIT_SESSION, { sessionId });
    expect(submitted.data.submitSession.session.status).toBe("processing");
    const runId = submitted.data.submitSession.run.id as string;
    const progress = await collect<ProgressEvent>(
      h.ws(key),
      RUN_PROGRESS,
      { runId, afterSeq: 0 },
      (e) => e.type === "RUN_PAUSED",
    );
    return { sessionId, runId, events: progress.items };
  }

  it("runs the DESIGN example from submitSession to a pause at the gate, streaming every event in order", async () => {
    const { sessionId, runId, events } = await runToGate();
    expect(events.map((e) => e.seq)).toEqual(events.map((_, i) => i + 1));
    expect(events.map((e) => `${e.type}:${e.data.nodeId ?? ""}`)).toEqual([
      "RUN_STARTED:",
      "NODE_STARTED:start",
      "NODE_COMPLETED:start",
      "NODE_STARTED:document",
      "NODE_COMPLETED:document",
      "NODE_STARTED:aml",
      "NODE_COMPLETED:aml",
      "NODE_STARTED:risk",
      "NODE_COMPLETED:risk",
      "NODE_STARTED:gate",
      "RUN_PAUSED:gate",
    ]);
    expect(events.every((e) => e.runId === runId)).toBe(true);

    const { data } = await h.gql(key, SESSION, { id: sessionId });
    expect(data.session.status).toBe("awaiting_external");
    const run = data.session.workflowRun;
    expect(run).toMatchObject({
      id: runId,
      status: "paused",
      pausedAtNode: "gate",
      currentNode: "gate",
      workflowVersion: 1,
    });
    expect(run.nodeResults.aml).toMatchObject({ policy: "aml_screening", result: "pass", routedTo: "risk" });
    expect(run.nodeResults.aml.output.score).toBe(85);
    expect(run.nodeResults.risk).toMatchObject({ result: "condition_0", routedTo: "gate" });
    expect(run.graphSnapshot).toMatchObject(designExampleGraph);
  });

  it("continue completes the run approved and runProgress streams the rest, then completes", async () => {
    const { sessionId, runId, events } = await runToGate();
    const lastSeq = events.at(-1)!.seq;
    const rest = collect<ProgressEvent>(h.ws(key), RUN_PROGRESS, { runId, afterSeq: lastSeq });
    const decided = await h.gql(key, DECIDE, {
      sessionId,
      decision: "continue",
      metadata: { reviewer: "ops-7" },
    });
    expect(decided.data.submitExternalDecision).toEqual({
      __typename: "ExternalDecisionPayload",
      sessionId,
      decision: "continue",
      status: "processing",
      message: "External decision accepted. The workflow will resume shortly.",
    });
    const { items, completed } = await rest;
    expect(completed).toBe(true);
    expect(items.map((e) => e.seq)).toEqual(items.map((_, i) => lastSeq + i + 1));
    expect(items.map((e) => e.type)).toEqual([
      "RUN_RESUMED",
      "NODE_COMPLETED",
      "NODE_STARTED",
      "NODE_COMPLETED",
      "RUN_COMPLETED",
    ]);
    expect(items.at(-1)!.data).toEqual({ finalStatus: "approved" });

    const { data } = await h.gql(key, SESSION, { id: sessionId });
    expect(data.session).toMatchObject({ status: "completed", result: "approved" });
    expect(data.session.workflowRun).toMatchObject({
      status: "completed",
      finalStatus: "approved",
      pausedAtNode: null,
      decisionMetadata: { reviewer: "ops-7" },
    });
    expect(data.session.workflowRun.durationMs).toBeGreaterThanOrEqual(0);
    expect(data.session.workflowRun.nodeResults.gate).toMatchObject({
      result: "continue",
      routedTo: "approved",
    });
  });

  it("fail follows on_fail (review → needs_review) and reject rejects at once", async () => {
    const failing = await runToGate();
    await h.gql(key, DECIDE, { sessionId: failing.sessionId, decision: "fail" });
    const rejecting = await runToGate();
    await h.gql(key, DECIDE, { sessionId: rejecting.sessionId, decision: "reject" });
    const results = await Promise.all(
      [failing, rejecting].map(({ sessionId }) =>
        eventually(async () => {
          const { data } = await h.gql(key, SESSION, { id: sessionId });
          return data.session.status === "completed" ? data.session : null;
        }),
      ),
    );
    expect(results[0]).toMatchObject({
      result: "needs_review",
      workflowRun: { finalStatus: "needs_review" },
    });
    expect(results[1]).toMatchObject({ result: "rejected", workflowRun: { finalStatus: "rejected" } });
    expect(results[1].workflowRun.nodeResults.gate).toMatchObject({ result: "reject", routedTo: null });
  });

  it("a decision when the session is not awaiting one is a conflict", async () => {
    const session = await h.gql(key, CREATE_SESSION, {});
    const sessionId = session.data.createSession.id;
    const decided = await h.gql(key, DECIDE, { sessionId, decision: "continue" });
    expect(decided.data.submitExternalDecision).toMatchObject({
      __typename: "ConflictError",
      currentStatus: "created",
    });
  });

  it("triggerWorkflow on a completed session replaces its run; on a processing session it is a conflict", async () => {
    const session = await h.gql(key, CREATE_SESSION, {});
    const sessionId = session.data.createSession.id;
    const first = await h.gql(key, SUBMIT_SESSION, { sessionId });
    const firstRunId = first.data.submitSession.run.id;
    await eventually(
      async () => (await h.gql(key, SESSION, { id: sessionId })).data.session.status === "completed",
    );

    const triggered = await h.gql(key, TRIGGER, { workflowId, sessionId });
    expect(triggered.data.triggerWorkflow).toMatchObject({
      __typename: "TriggerWorkflowPayload",
      sessionId,
      workflowId,
      status: "processing",
    });
    const secondRunId = triggered.data.triggerWorkflow.run.id;
    expect(secondRunId).not.toBe(firstRunId);
    expect((await h.gql(key, RUN, { id: firstRunId })).data.run).toBeNull();

    // While the new run is in flight the session is processing (or it already finished): trigger again
    // on a session held at the gate, which is certainly not completed or failed.
    const gated = await runToGate();
    const conflict = await h.gql(key, TRIGGER, { workflowId, sessionId: gated.sessionId });
    expect(conflict.data.triggerWorkflow).toMatchObject({
      __typename: "ConflictError",
      currentStatus: "awaiting_external",
    });
    await h.gql(key, DECIDE, { sessionId: gated.sessionId, decision: "continue" });
    await eventually(
      async () => (await h.gql(key, SESSION, { id: gated.sessionId })).data.session.status === "completed",
    );
    const processing = await h.gql(key, TRIGGER, { workflowId, sessionId: gated.sessionId });
    expect(processing.data.triggerWorkflow.__typename).toBe("TriggerWorkflowPayload");
    const again = await h.gql(key, TRIGGER, { workflowId, sessionId: gated.sessionId });
    expect(again.data.triggerWorkflow).toMatchObject({ __typename: "ConflictError" });
    expect(["processing", "awaiting_external"]).toContain(again.data.triggerWorkflow.currentStatus);

    const final = await eventually(async () => {
      const { data } = await h.gql(key, SESSION, { id: sessionId });
      return data.session.status === "completed" ? data.session : null;
    });
    expect(final.workflowRun).toMatchObject({ id: secondRunId, finalStatus: "approved" });
  });

  it("runProgress after the run finished replays exactly the events after afterSeq and completes", async () => {
    const session = await h.gql(key, CREATE_SESSION, {});
    const submitted = await h.gql(key, SUBMIT_SESSION, { sessionId: session.data.createSession.id });
    const runId = submitted.data.submitSession.run.id;
    const run = await eventually(async () => {
      const { data } = await h.gql(key, RUN, { id: runId });
      return data.run.status === "completed" ? data.run : null;
    });
    const all = await collect<ProgressEvent>(h.ws(key), RUN_PROGRESS, { runId, afterSeq: 0 });
    expect(all.completed).toBe(true);
    expect(all.items.map((e) => e.seq)).toEqual(Array.from({ length: run.lastSeq }, (_, i) => i + 1));
    const tail = await collect<ProgressEvent>(h.ws(key), RUN_PROGRESS, { runId, afterSeq: 4 });
    expect(tail.completed).toBe(true);
    expect(tail.items).toEqual(all.items.slice(4));
    expect(tail.items.at(-1)!.type).toBe("RUN_COMPLETED");
  });

  it("an invalid graph is a validation error naming the node, and nothing is created", async () => {
    const broken = {
      entry: "start",
      nodes: [
        { id: "start", type: "start", next: "aml" },
        { id: "aml", type: "policy", policy: "aml_screening", routes: { pass: "done", fail: "revew" } },
        { id: "done", type: "terminal", outcome: "approved" },
      ],
    };
    const before = await h.gql(key, "{ workflows { edges { node { id } } } }");
    const result = await h.gql(key, CREATE_WORKFLOW, { name: "Broken", graph: broken });
    expect(result.data.createWorkflow.__typename).toBe("ValidationError");
    const issue = result.data.createWorkflow.issues.find((i: any) => i.nodeId === "aml");
    expect(issue.message).toContain("revew");
    expect(issue.path.slice(0, 2)).toEqual(["graph", "nodes"]);
    const after = await h.gql(key, "{ workflows { edges { node { id } } } }");
    expect(after.data.workflows.edges).toHaveLength(before.data.workflows.edges.length);
  });
});
