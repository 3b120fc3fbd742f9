import {
  FlowgateClient,
  GraphQLRequestError,
  graphql,
  type RunProgressEvent,
  subscribeRunProgress,
} from "@flowgate/client";
import { testBackends } from "@flowgate/db/testing";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { eventually, type Harness, startHarness } from "./harness.ts";
import { TcpProxy } from "./tcp-proxy.ts";

/** Two gates in a row, so the test decides when the run moves on (and what happens while it is cut off). */
const twoGates = {
  entry: "start",
  nodes: [
    { id: "start", type: "start", next: "document" },
    { id: "document", type: "policy", policy: "document", routes: { pass: "first", fail: "rejected" } },
    { id: "first", type: "wait", on_continue: "aml", on_fail: { action: "reject" } },
    { id: "aml", type: "policy", policy: "aml_screening", routes: { pass: "second", fail: "rejected" } },
    { id: "second", type: "wait", on_continue: "approved", on_fail: { action: "reject" } },
    { id: "approved", type: "terminal", outcome: "approved" },
    { id: "rejected", type: "terminal", outcome: "rejected" },
  ],
};

const CreateWorkflow = graphql(`
  mutation CreateWorkflow($name: String!, $graph: JSON!) {
    createWorkflow(name: $name, graph: $graph) {
      __typename
      ... on Workflow { id currentVersion }
      ... on Error { message }
    }
  }
`);
const StartSession = graphql(`
  mutation StartSession($workflowId: ID!) {
    createSession(workflowId: $workflowId) {
      __typename
      ... on Session { id }
      ... on Error { message }
    }
  }
`);
const SubmitSession = graphql(`
  mutation SubmitSession($sessionId: ID!) {
    submitSession(sessionId: $sessionId) {
      __typename
      ... on SubmitSessionPayload { run { id } }
      ... on Error { message }
    }
  }
`);
const Decide = graphql(`
  mutation Decide($sessionId: ID!) {
    submitExternalDecision(sessionId: $sessionId, decision: continue) {
      __typename
      ... on ExternalDecisionPayload { status }
      ... on Error { message }
    }
  }
`);
const RunState = graphql(`
  query RunState($id: ID!) {
    run(id: $id) { status pausedAtNode lastSeq events { seq type data } }
  }
`);

describe.each(testBackends())("@flowgate/client against a real gateway (%s)", (backend) => {
  let harness: Harness;
  let proxy: TcpProxy;
  let client: FlowgateClient;
  let direct: FlowgateClient;

  beforeAll(async () => {
    harness = await startHarness(backend);
    proxy = await TcpProxy.start(harness.server.port);
    const key = harness.acme.keys.sandbox;
    // The client under test goes through the proxy; the test's own calls go straight to the gateway.
    client = new FlowgateClient({
      url: `http://127.0.0.1:${proxy.port}/graphql`,
      apiKey: key,
      retry: { minDelayMs: 20, maxDelayMs: 200 },
    });
    direct = new FlowgateClient({ url: harness.server.url, apiKey: key });
  });
  afterAll(async () => {
    await client?.dispose();
    await proxy?.close();
    await harness?.close();
  });

  async function startRun(): Promise<{ sessionId: string; runId: string }> {
    const created = await direct.request(CreateWorkflow, {
      name: `two gates ${Date.now()}`,
      graph: twoGates,
    });
    if (created.createWorkflow.__typename !== "Workflow") throw new Error(JSON.stringify(created));
    const session = await direct.request(StartSession, { workflowId: created.createWorkflow.id });
    if (session.createSession.__typename !== "Session") throw new Error(JSON.stringify(session));
    const submitted = await direct.request(SubmitSession, { sessionId: session.createSession.id });
    if (submitted.submitSession.__typename !== "SubmitSessionPayload")
      throw new Error(JSON.stringify(submitted));
    return { sessionId: session.createSession.id, runId: submitted.submitSession.run.id };
  }

  async function pausedAt(runId: string, nodeId: string) {
    return eventually(async () => {
      const { run } = await direct.request(RunState, { id: runId });
      return run?.status === "paused" && run.pausedAtNode === nodeId ? run : null;
    });
  }

  it("typed requests return data and throw a typed error for a refused key", async () => {
    const { run } = await direct.request(RunState, { id: "wfr_missing" });
    expect(run).toBeNull();
    const refused = new FlowgateClient({ url: harness.server.url, apiKey: "fg_sandbox_nope" });
    const error = await refused.request(RunState, { id: "wfr_missing" }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(GraphQLRequestError);
    expect((error as GraphQLRequestError).status).toBe(401);
    expect((error as GraphQLRequestError).code).toBe("UNAUTHENTICATED");
  });

  it("delivers every event once and in order although the socket is dropped mid-run", async () => {
    const { sessionId, runId } = await startRun();
    const received: RunProgressEvent[] = [];
    const states: string[] = [];
    let completed = false;
    let failure: Error | null = null;
    const handle = subscribeRunProgress(client, runId, {
      onEvent: (event) => received.push(event),
      onComplete: () => {
        completed = true;
      },
      onError: (error) => {
        failure = error;
      },
      onConnection: (state) => states.push(state),
    });
    const has = (type: string, nodeId: string) =>
      received.some((e) => e.type === type && (e.data as { nodeId?: string }).nodeId === nodeId);

    await eventually(async () => has("RUN_PAUSED", "first"));
    const beforeFirstDrop = received.length;

    // 1. Cut the connection and keep it down while the run moves on to the second gate.
    proxy.refuse();
    proxy.drop();
    expect((await direct.request(Decide, { sessionId })).submitExternalDecision.__typename).toBe(
      "ExternalDecisionPayload",
    );
    await pausedAt(runId, "second");
    expect(received.length).toBe(beforeFirstDrop); // nothing arrived while cut off
    proxy.accept();
    await eventually(async () => has("RUN_PAUSED", "second"));

    // 2. Drop it again as the decision goes in, while the run is finishing. (The drop comes first: a
    // run this short can finish, and its last events reach the socket, before the decision's own HTTP
    // answer does.)
    const connectionsBefore = proxy.connections;
    proxy.drop();
    expect((await direct.request(Decide, { sessionId })).submitExternalDecision.__typename).toBe(
      "ExternalDecisionPayload",
    );
    await eventually(async () => completed || failure, 15_000);
    expect(failure).toBeNull();
    expect(proxy.connections).toBeGreaterThan(connectionsBefore);
    expect(states.filter((s) => s === "reconnecting").length).toBeGreaterThanOrEqual(2);

    const { run } = await direct.request(RunState, { id: runId });
    expect(run?.status).toBe("completed");
    const stored = run!.events;
    expect(received.map((e) => e.seq)).toEqual(stored.map((e) => e.seq));
    expect(received.map((e) => e.seq)).toEqual(stored.map((_, i) => i + 1));
    expect(received.map((e) => [e.type, e.data])).toEqual(stored.map((e) => [e.type, e.data]));
    expect(handle.lastSeq).toBe(run!.lastSeq);
    expect(received.at(-1)?.type).toBe("RUN_COMPLETED");
  });

  it("starts after `afterSeq` and ends with the run's final event", async () => {
    const { sessionId, runId } = await startRun();
    const paused = await pausedAt(runId, "first");
    const received: RunProgressEvent[] = [];
    let completed = false;
    subscribeRunProgress(client, runId, {
      afterSeq: paused.lastSeq - 1,
      onEvent: (event) => received.push(event),
      onComplete: () => {
        completed = true;
      },
    });
    await eventually(async () => received.length >= 1);
    expect(received[0]).toMatchObject({ seq: paused.lastSeq, type: "RUN_PAUSED" });
    await direct.request(Decide, { sessionId });
    await pausedAt(runId, "second");
    await direct.request(Decide, { sessionId });
    await eventually(async () => completed);
    const { run } = await direct.request(RunState, { id: runId });
    expect(received.map((e) => e.seq)).toEqual(
      run!.events.filter((e) => e.seq >= paused.lastSeq).map((e) => e.seq),
    );
  });

  it("ends with an error, not endless reconnects, when the key is refused", async () => {
    const refused = new FlowgateClient({ url: harness.server.url, apiKey: "fg_sandbox_nope" });
    const error = await new Promise<Error>((resolve) => {
      subscribeRunProgress(refused, "wfr_missing", { onEvent: () => {}, onError: resolve });
    });
    expect(error.message).toMatch(/4403/);
    await refused.dispose();
  });
});
