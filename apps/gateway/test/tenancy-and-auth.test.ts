import { testBackends } from "@flowgate/db/testing";
import { createClient } from "graphql-ws";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import WebSocket from "ws";
import {
  CREATE_SESSION,
  CREATE_WORKFLOW,
  DECIDE,
  designExampleGraph,
  RUN,
  SESSION,
  SUBMIT_SESSION,
  TRIGGER,
} from "./fixtures.ts";
import { eventually, type Harness, startHarness } from "./harness.ts";

describe.each(testBackends())("tenancy and API keys (%s)", (backend) => {
  let h: Harness;
  let workflowId: string;
  let sessionId: string;
  let runId: string;

  beforeAll(async () => {
    h = await startHarness(backend);
    const key = h.acme.keys.sandbox;
    workflowId = (await h.gql(key, CREATE_WORKFLOW, { name: "KYC", graph: designExampleGraph })).data
      .createWorkflow.id;
    sessionId = (await h.gql(key, CREATE_SESSION, { workflowId })).data.createSession.id;
    runId = (await h.gql(key, SUBMIT_SESSION, { sessionId })).data.submitSession.run.id;
    await eventually(
      async () => (await h.gql(key, SESSION, { id: sessionId })).data.session.status === "completed",
    );
  });
  afterAll(() => h.close());

  it("accepts the key as X-API-Key and as Authorization: Bearer", async () => {
    const viaHeader = await h.gql(h.acme.keys.sandbox, RUN, { id: runId });
    expect(viaHeader.data.run.id).toBe(runId);
    const response = await fetch(h.server.url, {
      method: "POST",
      headers: { "content-type": "application/json", authorization: `Bearer ${h.acme.keys.sandbox}` },
      body: JSON.stringify({ query: RUN, variables: { id: runId } }),
    });
    expect(((await response.json()) as any).data.run.id).toBe(runId);
  });

  for (const [label, pick] of [
    ["another workspace", (h: Harness) => h.other.keys.sandbox],
    ["the other environment of the same workspace", (h: Harness) => h.acme.keys.live],
  ] as const) {
    it(`a key of ${label} sees "not found"`, async () => {
      const key = pick(h);
      expect((await h.gql(key, SESSION, { id: sessionId })).data.session).toBeNull();
      expect((await h.gql(key, RUN, { id: runId })).data.run).toBeNull();
      expect(
        (await h.gql(key, "query ($id: ID!) { workflow(id: $id) { id } }", { id: workflowId })).data.workflow,
      ).toBeNull();
      expect(
        (await h.gql(key, "query ($id: ID!) { node(id: $id) { id } }", { id: runId })).data.node,
      ).toBeNull();
      const decision = await h.gql(key, DECIDE, { sessionId, decision: "continue" });
      expect(decision.data.submitExternalDecision).toMatchObject({
        __typename: "NotFoundError",
        resource: "Session",
        id: sessionId,
      });
      const trigger = await h.gql(key, TRIGGER, { workflowId, sessionId });
      expect(trigger.data.triggerWorkflow.__typename).toBe("NotFoundError");
      const listed = await h.gql(
        key,
        "{ sessions { edges { node { id } } } workflows { edges { node { id } } } }",
      );
      expect(listed.data.sessions.edges).toEqual([]);
      expect(listed.data.workflows.edges).toEqual([]);
    });
  }

  it("keeps each key to its tenant when concurrent requests' reads are made as one statement", async () => {
    // Requests arriving together share their reads' statements per tenant; interleave three tenants.
    const keys = [h.acme.keys.sandbox, h.other.keys.sandbox, h.acme.keys.live];
    const answers = await Promise.all(
      Array.from({ length: 30 }, (_, i) =>
        h.gql(keys[i % 3]!, `query ($id: ID!, $s: ID!) { run(id: $id) { id } session(id: $s) { id } }`, {
          id: runId,
          s: sessionId,
        }),
      ),
    );
    answers.forEach((answer, i) => {
      expect(answer.data).toEqual(
        i % 3 === 0 ? { run: { id: runId }, session: { id: sessionId } } : { run: null, session: null },
      );
    });
  });

  it("refuses a missing, unknown, revoked or expired key with 401", async () => {
    const missing = await h.gql(null, RUN, { id: runId });
    expect(missing.status).toBe(401);
    expect(missing.errors?.[0]?.extensions).toMatchObject({ code: "UNAUTHENTICATED", reason: "missing" });
    const unknown = await h.gql("fg_sandbox_not-a-real-key", RUN, { id: runId });
    expect(unknown.status).toBe(401);

    const { workspaceId, keys } = await (await import("@flowgate/application")).provisionWorkspace(h.app, {
      organizationName: "Temp",
      workspaceName: "Temp",
    });
    const SESSIONS = "{ sessions { edges { node { id } } } }";
    // Long enough for the requests before the expiry to be answered on a loaded machine; the test then
    // waits for it to pass.
    const expiresAt = new Date(Date.now() + 5000);
    const created = await h.gql(
      keys.sandbox,
      `mutation ($workspaceId: ID!, $expiresAt: DateTime) {
        createApiKey(workspaceId: $workspaceId, environment: sandbox, name: "short", scopes: ["sessions:read"], expiresAt: $expiresAt) {
          ... on CreatedApiKey { key apiKey { id } }
        }
      }`,
      { workspaceId, expiresAt: expiresAt.toISOString() },
    );
    const shortLived: string = created.data.createApiKey.key;
    const adminKeyId = (await h.gql(keys.sandbox, "{ viewer { apiKey { id } } }")).data.viewer.apiKey.id;
    // Both keys are now in the gateway's key cache: a revocation must evict it, an expiry is checked anyway.
    expect((await h.gql(keys.sandbox, SESSIONS)).status).toBe(200);
    expect((await h.gql(shortLived, SESSIONS)).status).toBe(200);

    const revoke = await h.gql(keys.sandbox, `mutation ($id: ID!) { revokeApiKey(id: $id) { __typename } }`, {
      id: adminKeyId,
    });
    expect(revoke.data.revokeApiKey.__typename).toBe("ApiKey");
    const revoked = await h.gql(keys.sandbox, SESSIONS);
    expect(revoked.status).toBe(401);
    expect(revoked.errors?.[0]?.extensions).toMatchObject({ reason: "revoked" });

    await new Promise((resolve) => setTimeout(resolve, expiresAt.getTime() - Date.now() + 100));
    const expired = await h.gql(shortLived, SESSIONS);
    expect(expired.status).toBe(401);
    expect(expired.errors?.[0]?.extensions).toMatchObject({ reason: "expired" });
  });

  it("refuses a WebSocket connection without a valid key", async () => {
    const client = createClient({
      url: h.server.url.replace("http", "ws"),
      webSocketImpl: WebSocket,
      connectionParams: { "X-API-Key": "fg_sandbox_wrong" },
      retryAttempts: 0,
    });
    const outcome = await new Promise<unknown>((resolve) => {
      client.subscribe(
        { query: `subscription { runProgress(runId: "${runId}") { seq } }` },
        { next: () => {}, error: resolve, complete: () => resolve("completed") },
      );
    });
    expect((outcome as { code?: number }).code).toBe(4403);
    await client.dispose();
  });

  it("checks scopes per field: a key without sessions:write cannot create sessions", async () => {
    const { provisionWorkspace } = await import("@flowgate/application");
    const readOnly = await provisionWorkspace(h.app, {
      organizationName: "RO",
      workspaceName: "RO",
      scopes: ["sessions:read", "workflows:read"],
    });
    const created = await h.gql(readOnly.keys.sandbox, CREATE_SESSION, {});
    expect(created.data?.createSession ?? null).toBeNull();
    expect(created.errors?.[0]?.message).toMatch(/not authorized/i);
    const listed = await h.gql(readOnly.keys.sandbox, "{ sessions { edges { node { id } } } }");
    expect(listed.data.sessions.edges).toEqual([]);
  });

  it("a workflow that fails a policy in the live environment without a provider follows its error route", async () => {
    const live = h.acme.keys.live;
    const wf = await h.gql(live, CREATE_WORKFLOW, { name: "Live KYC", graph: designExampleGraph });
    const session = await h.gql(live, CREATE_SESSION, { workflowId: wf.data.createWorkflow.id });
    const id = session.data.createSession.id;
    await h.gql(live, SUBMIT_SESSION, { sessionId: id });
    const done = await eventually(async () => {
      const { data } = await h.gql(live, SESSION, { id });
      return data.session.status === "completed" ? data.session : null;
    });
    expect(done.result).toBe("needs_review");
    expect(done.workflowRun.nodeResults.document).toMatchObject({ result: "error", routedTo: "review" });
  });
});
