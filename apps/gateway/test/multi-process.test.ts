import { Application, type ProvisionedWorkspace, provisionWorkspace } from "@flowgate/application";
import { createTestDatabase, type TestDatabase } from "@flowgate/db/testing";
import { Engine } from "@flowgate/engine";
import { type Client, createClient } from "graphql-ws";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import WebSocket from "ws";
import {
  CREATE_SESSION,
  CREATE_WORKFLOW,
  DECIDE,
  designExampleGraph,
  highRiskSandbox,
  SUBMIT_SESSION,
} from "./fixtures.ts";
import { collect } from "./harness.ts";
import { type FlowgateProcess, startFlowgateProcess } from "./processes.ts";

interface ProgressEvent {
  runId: string;
  seq: number;
  type: string;
}

const buses = ["postgres", ...(process.env.REDIS_URL ? ["redis"] : [])] as const;

/**
 * Two gateway processes and two worker processes on one PostgreSQL: runs are started through gateway A,
 * executed by the workers, and watched live through gateway B.
 */
describe.skipIf(!process.env.DATABASE_URL).each(buses)("two gateways and two workers (%s bus)", (bus) => {
  let t: TestDatabase;
  let ws: ProvisionedWorkspace;
  const processes: FlowgateProcess[] = [];
  const clients: Client[] = [];
  let gatewayA: string;
  let gatewayB: string;

  beforeAll(async () => {
    t = await createTestDatabase("postgres");
    const app = new Application({ engine: new Engine({ db: t.db, worker: false }) });
    ws = await provisionWorkspace(app, { organizationName: "o", workspaceName: "w" });
    const env = {
      DATABASE_URL: t.url!,
      FLOWGATE_DB_SCHEMA: t.schema!,
      FLOWGATE_EVENT_BUS: bus,
      FLOWGATE_POLL_INTERVAL_MS: "2000",
    };
    // Register each process as it starts, so afterAll stops them even if another fails to start.
    await Promise.all(
      (["gateway", "gateway", "worker", "worker"] as const).map(async (role, index) => {
        processes[index] = await startFlowgateProcess(role, env);
      }),
    );
    gatewayA = processes[0]!.url!;
    gatewayB = processes[1]!.url!;
  }, 180_000);

  afterAll(async () => {
    await Promise.all(clients.map((c) => c.dispose()));
    await Promise.all(processes.map((p) => p?.stop()));
    await t?.close();
  });

  async function gql(url: string, query: string, variables?: Record<string, unknown>) {
    const response = await fetch(url, {
      method: "POST",
      headers: { "content-type": "application/json", "x-api-key": ws.keys.sandbox },
      body: JSON.stringify({ query, variables }),
    });
    return (await response.json()) as { data: any; errors?: unknown[] };
  }

  function wsClient(url: string) {
    const client = createClient({
      url: url.replace("http", "ws"),
      webSocketImpl: WebSocket,
      connectionParams: { "X-API-Key": ws.keys.sandbox },
      retryAttempts: 0,
    });
    clients.push(client);
    return client;
  }

  it("streams every run's events through the other gateway exactly once and in order, also when subscribing mid-run", async () => {
    const workflowId = (await gql(gatewayA, CREATE_WORKFLOW, { name: "kyc", graph: designExampleGraph })).data
      .createWorkflow.id;
    const client = wsClient(gatewayB);
    const runs = await Promise.all(
      Array.from({ length: 12 }, async (_, i) => {
        const sessionId = (await gql(gatewayA, CREATE_SESSION, { workflowId, sandbox: highRiskSandbox })).data
          .createSession.id;
        const runId = (await gql(gatewayA, SUBMIT_SESSION, { sessionId })).data.submitSession.run
          .id as string;
        // Subscribe while the workers are already committing this run's events (a race by design),
        // with different starting points.
        const stream = collect<ProgressEvent>(
          client,
          "subscription ($r: ID!, $a: Int) { runProgress(runId: $r, afterSeq: $a) { runId seq type } }",
          {
            r: runId,
            a: i % 3,
          },
        );
        return { sessionId, runId, afterSeq: i % 3, stream };
      }),
    );
    // Decide each gate through gateway A once its session awaits the decision.
    for (const run of runs) {
      for (;;) {
        const { data } = await gql(gatewayA, "query ($id: ID!) { session(id: $id) { status } }", {
          id: run.sessionId,
        });
        if (data.session.status === "awaiting_external") break;
        await new Promise((r) => setTimeout(r, 20));
      }
      const decided = await gql(gatewayA, DECIDE, { sessionId: run.sessionId, decision: "continue" });
      expect(decided.data.submitExternalDecision.status).toBe("processing");
    }
    for (const run of runs) {
      const { items, completed, errors } = await run.stream;
      expect(errors).toEqual([]);
      expect(completed).toBe(true);
      const lastSeq = (
        await gql(gatewayB, "query ($id: ID!) { run(id: $id) { lastSeq status } }", { id: run.runId })
      ).data.run;
      expect(lastSeq.status).toBe("completed");
      expect(items.map((e) => e.seq)).toEqual(
        Array.from({ length: lastSeq.lastSeq - run.afterSeq }, (_, i) => run.afterSeq + i + 1),
      );
      expect(items.at(-1)!.type).toBe("RUN_COMPLETED");
    }
  });

  it("streams sessionStatus over SSE from the other gateway", async () => {
    const workflowId = (await gql(gatewayA, CREATE_WORKFLOW, { name: "sse", graph: designExampleGraph })).data
      .createWorkflow.id;
    const sessionId = (await gql(gatewayA, CREATE_SESSION, { workflowId, sandbox: highRiskSandbox })).data
      .createSession.id;
    const response = await fetch(gatewayB, {
      method: "POST",
      headers: {
        "content-type": "application/json",
        accept: "text/event-stream",
        "x-api-key": ws.keys.sandbox,
      },
      body: JSON.stringify({
        query: "subscription ($s: ID!) { sessionStatus(sessionId: $s) { status result } }",
        variables: { s: sessionId },
      }),
    });
    expect(response.headers.get("content-type")).toContain("text/event-stream");
    const statuses: string[] = [];
    const reader = response.body!.getReader();
    const decoder = new TextDecoder();
    let buffer = "";
    let submitted = false;
    for (;;) {
      const { value, done } = await reader.read();
      if (done) break;
      buffer += decoder.decode(value, { stream: true });
      let index = buffer.indexOf("\n\n");
      while (index >= 0) {
        const block = buffer.slice(0, index);
        buffer = buffer.slice(index + 2);
        const data = block.split("\n").find((line) => line.startsWith("data:"));
        if (data && data.length > 6) {
          const payload = JSON.parse(data.slice(5));
          if (payload.data) statuses.push(payload.data.sessionStatus.status);
        }
        index = buffer.indexOf("\n\n");
      }
      if (!submitted && statuses.length > 0) {
        submitted = true;
        await gql(gatewayA, SUBMIT_SESSION, { sessionId });
      }
      if (statuses.at(-1) === "awaiting_external") {
        await gql(gatewayA, DECIDE, { sessionId, decision: "reject" });
      }
    }
    expect(statuses[0]).toBe("created");
    expect(statuses).toContain("awaiting_external");
    expect(statuses.at(-1)).toBe("completed");
  });
});
