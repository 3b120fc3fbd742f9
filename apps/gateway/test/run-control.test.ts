import { testBackends } from "@flowgate/db/testing";
import { Engine } from "@flowgate/engine";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { CREATE_SESSION, CREATE_WORKFLOW, RUN, RUN_PROGRESS, SESSION, SUBMIT_SESSION } from "./fixtures.ts";
import { collect, eventually, type Harness, startHarness } from "./harness.ts";

interface ProgressEvent {
  seq: number;
  type: string;
  data: Record<string, any>;
}

const retryGraph = {
  entry: "start",
  nodes: [
    { id: "start", type: "start", next: "doc" },
    {
      id: "doc",
      type: "policy",
      policy: "document",
      retries: 2,
      routes: { pass: "ok", fail: "no", error: "review" },
    },
    { id: "ok", type: "terminal", outcome: "approved" },
    { id: "no", type: "terminal", outcome: "rejected" },
    { id: "review", type: "terminal", outcome: "needs_review" },
  ],
};

const timedGateGraph = {
  entry: "start",
  nodes: [
    { id: "start", type: "start", next: "gate" },
    { id: "gate", type: "wait", on_continue: "ok", timeout_seconds: 1, on_timeout: "late" },
    { id: "ok", type: "terminal", outcome: "approved" },
    { id: "late", type: "terminal", outcome: "needs_review" },
  ],
};

const CANCEL = /* GraphQL */ `
  mutation ($runId: ID!, $reason: String) {
    cancelRun(runId: $runId, reason: $reason) {
      __typename
      ... on Run { id status }
      ... on ConflictError { currentStatus message }
      ... on NotFoundError { resource message }
    }
  }
`;
const RETRY = /* GraphQL */ `
  mutation ($runId: ID!, $fromNode: String!, $reason: String) {
    retryRun(runId: $runId, fromNode: $fromNode, reason: $reason) {
      __typename
      ... on Run { id status currentNode }
      ... on ConflictError { currentStatus message }
      ... on ValidationError { issues { path message } }
      ... on NotFoundError { resource message }
    }
  }
`;
const AUDIT = /* GraphQL */ `
  query ($id: ID!) { run(id: $id) { status finalStatus auditTrail { action actor reason data } nodeRuns { workflowNodeId result attempts } } }
`;

describe.each(testBackends())("retries, timers and run control (%s)", (backend) => {
  let h: Harness;
  let key: string;

  beforeAll(async () => {
    h = await startHarness(backend);
    key = h.acme.keys.sandbox;
  });
  afterAll(() => h.close());

  async function start(graph: unknown, sandbox?: Record<string, unknown>) {
    const wf = await h.gql(key, CREATE_WORKFLOW, { name: "g", graph });
    const workflowId = wf.data.createWorkflow.id;
    const session = await h.gql(key, CREATE_SESSION, { workflowId, sandbox });
    const sessionId = session.data.createSession.id;
    const submitted = await h.gql(key, SUBMIT_SESSION, { sessionId });
    return { workflowId, sessionId, runId: submitted.data.submitSession.run.id as string };
  }

  async function finished(runId: string) {
    return eventually(async () => {
      const { data } = await h.gql(key, AUDIT, { id: runId });
      return ["completed", "failed", "cancelled"].includes(data.run.status) ? data.run : null;
    });
  }

  it("retries an erroring check with backoff, announcing each retry, then passes", async () => {
    const { runId } = await start(retryGraph, { doc: { outcome: "pass", error_attempts: 2 } });
    const { items, completed } = await collect<ProgressEvent>(h.ws(key), RUN_PROGRESS, {
      runId,
      afterSeq: 0,
    });
    expect(completed).toBe(true);
    const retrying = items.filter((e) => e.type === "NODE_RETRYING");
    expect(retrying.map((e) => e.data.attempt)).toEqual([1, 2]);
    for (const e of retrying) expect(Date.parse(e.data.nextAttemptAt)).not.toBeNaN();
    const started = items.filter((e) => e.type === "NODE_STARTED" && e.data.nodeId === "doc");
    expect(started.map((e) => e.data.attempt)).toEqual([1, 2, 3]);
    const run = await finished(runId);
    expect(run.finalStatus).toBe("approved");
    expect(run.nodeRuns.find((n: any) => n.workflowNodeId === "doc")).toMatchObject({
      result: "pass",
      attempts: 3,
    });
  });

  it("follows the error route once retries are exhausted, and treats a throwing provider as an error", async () => {
    const exhausted = await start(retryGraph, { doc: { outcome: "pass", error_attempts: 5 } });
    const throwing = await start(retryGraph, { doc: { throw: "provider exploded" } });
    for (const { runId } of [exhausted, throwing]) {
      const run = await finished(runId);
      expect(run).toMatchObject({ status: "completed", finalStatus: "needs_review" });
      expect(run.nodeRuns.find((n: any) => n.workflowNodeId === "doc")).toMatchObject({
        result: "error",
        attempts: 3,
      });
    }
  });

  it("a gate with timeout_seconds follows on_timeout when no decision arrives", async () => {
    const { runId, sessionId } = await start(timedGateGraph);
    const run = await finished(runId);
    expect(run.finalStatus).toBe("needs_review");
    expect(run.nodeRuns.find((n: any) => n.workflowNodeId === "gate")).toMatchObject({ result: "timeout" });
    expect(run.auditTrail.map((a: any) => a.action)).toEqual(["submit", "timeout"]);
    const { data } = await h.gql(key, SESSION, { id: sessionId });
    expect(data.session).toMatchObject({ status: "completed", result: "needs_review" });
  });

  it("gate timers are rows: they fire after the worker that parked the run is gone", async () => {
    await h.engine.stop();
    const { runId } = await start(timedGateGraph);
    // Nothing runs while no worker is up: the run is still pending.
    expect((await h.gql(key, RUN, { id: runId })).data.run.status).toBe("pending");
    const first = new Engine({ db: h.database.db, worker: { pollIntervalMs: 50 } });
    await first.start();
    await eventually(async () => (await h.gql(key, RUN, { id: runId })).data.run.status === "paused");
    await first.stop();
    const second = new Engine({ db: h.database.db, worker: { pollIntervalMs: 50 } });
    await second.start();
    try {
      const run = await finished(runId);
      expect(run.finalStatus).toBe("needs_review");
    } finally {
      await second.stop();
      await h.engine.start();
    }
  });

  it("cancelRun stops a paused run and records who and why; a finished run cannot be cancelled", async () => {
    const gate = {
      ...timedGateGraph,
      nodes: timedGateGraph.nodes.map((n) => (n.id === "gate" ? { ...n, timeout_seconds: 3600 } : n)),
    };
    const { runId, sessionId } = await start(gate);
    await eventually(async () => (await h.gql(key, RUN, { id: runId })).data.run.status === "paused");
    const cancelled = await h.gql(key, CANCEL, { runId, reason: "customer withdrew" });
    expect(cancelled.data.cancelRun).toMatchObject({ __typename: "Run", status: "cancelled" });
    const run = await finished(runId);
    expect(run.auditTrail.at(-1)).toMatchObject({ action: "cancel", reason: "customer withdrew" });
    expect(run.auditTrail.at(-1).actor).toMatch(/^key_/);
    expect((await h.gql(key, SESSION, { id: sessionId })).data.session.status).toBe("failed");
    const again = await h.gql(key, CANCEL, { runId });
    expect(again.data.cancelRun).toMatchObject({ __typename: "ConflictError", currentStatus: "cancelled" });
    const events = await collect<ProgressEvent>(h.ws(key), RUN_PROGRESS, { runId, afterSeq: 0 });
    expect(events.completed).toBe(true);
    expect(events.items.at(-1)).toMatchObject({
      type: "RUN_CANCELLED",
      data: { reason: "customer withdrew" },
    });
    // The gate's timer went with the run.
    expect(await h.database.db.selectFrom("jobs").where("run_id", "=", runId).selectAll().execute()).toEqual(
      [],
    );
  });

  it("retryRun re-executes a finished run from a node, keeping earlier node runs as history", async () => {
    const { runId, sessionId } = await start(retryGraph, { doc: { outcome: "fail" } });
    const first = await finished(runId);
    expect(first.finalStatus).toBe("rejected");
    const before = await collect<ProgressEvent>(h.ws(key), RUN_PROGRESS, { runId, afterSeq: 0 });

    const bad = await h.gql(key, RETRY, { runId, fromNode: "nope" });
    expect(bad.data.retryRun.__typename).toBe("ValidationError");
    expect(bad.data.retryRun.issues[0].path).toEqual(["fromNode"]);

    const retried = await h.gql(key, RETRY, { runId, fromNode: "review", reason: "manual review requested" });
    expect(retried.data.retryRun).toMatchObject({
      __typename: "Run",
      status: "running",
      currentNode: "review",
    });
    const rest = await collect<ProgressEvent>(h.ws(key), RUN_PROGRESS, {
      runId,
      afterSeq: before.items.length,
    });
    expect(rest.items[0]).toMatchObject({ type: "RUN_RETRIED", data: { fromNode: "review" } });
    expect(rest.items.at(-1)).toMatchObject({ type: "RUN_COMPLETED", data: { finalStatus: "needs_review" } });
    expect(rest.items.map((e) => e.seq)).toEqual(rest.items.map((_, i) => before.items.length + i + 1));

    const run = await finished(runId);
    expect(run.finalStatus).toBe("needs_review");
    expect(run.nodeRuns.map((n: any) => n.workflowNodeId)).toEqual(["start", "doc", "no", "review"]);
    expect(run.auditTrail.map((a: any) => a.action)).toEqual(["submit", "retry"]);
    expect(run.auditTrail[1]).toMatchObject({
      reason: "manual review requested",
      data: { fromNode: "review" },
    });
    expect((await h.gql(key, SESSION, { id: sessionId })).data.session).toMatchObject({
      status: "completed",
      result: "needs_review",
    });
  });

  it("a run of another workspace cannot be cancelled or retried (not found)", async () => {
    const { runId } = await start(retryGraph);
    await finished(runId);
    const other = h.other.keys.sandbox;
    expect((await h.gql(other, CANCEL, { runId })).data.cancelRun).toMatchObject({
      __typename: "NotFoundError",
      resource: "Run",
    });
    expect((await h.gql(other, RETRY, { runId, fromNode: "start" })).data.retryRun.__typename).toBe(
      "NotFoundError",
    );
  });

  it("an open session expires when its time is up, and the run waiting at its gate is cancelled", async () => {
    const gate = {
      ...timedGateGraph,
      nodes: timedGateGraph.nodes.map((n) => (n.id === "gate" ? { ...n, timeout_seconds: 3600 } : n)),
    };
    const wf = await h.gql(key, CREATE_WORKFLOW, { name: "exp", graph: gate });
    const created = await h.gql(
      key,
      `mutation ($w: ID) { createSession(workflowId: $w, expiresInSeconds: 600) { ... on Session { id expiresAt } } }`,
      { w: wf.data.createWorkflow.id },
    );
    const sessionId = created.data.createSession.id;
    expect(Date.parse(created.data.createSession.expiresAt) - Date.now()).toBeGreaterThan(590_000);
    const runId = (await h.gql(key, SUBMIT_SESSION, { sessionId })).data.submitSession.run.id;
    await eventually(
      async () => (await h.gql(key, SESSION, { id: sessionId })).data.session.status === "awaiting_external",
    );
    // Let the ten minutes pass: move the session's expiry (and its timer row) into the past.
    const past = new Date(Date.now() - 1000);
    await h.database.db
      .updateTable("sessions")
      .set({ expires_at: past })
      .where("id", "=", sessionId)
      .execute();
    await h.database.db
      .updateTable("jobs")
      .set({ run_at: past })
      .where("session_id", "=", sessionId)
      .execute();
    h.engine.wake();
    await eventually(
      async () => (await h.gql(key, SESSION, { id: sessionId })).data.session.status === "expired",
    );
    const run = await finished(runId);
    expect(run.status).toBe("cancelled");
    expect(run.auditTrail.at(-1)).toMatchObject({ action: "expire", actor: null });

    const invalid = await h.gql(
      key,
      `mutation { createSession(expiresInSeconds: 5) { __typename ... on ValidationError { issues { path } } } }`,
    );
    expect(invalid.data.createSession).toMatchObject({
      __typename: "ValidationError",
      issues: [{ path: ["expiresInSeconds"] }],
    });
  });
});
