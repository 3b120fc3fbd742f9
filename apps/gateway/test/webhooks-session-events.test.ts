import { testBackends } from "@flowgate/db/testing";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { eventually, type Harness, startHarness } from "./harness.ts";
import {
  createWorkflowOverRest,
  expectError,
  quickGraph,
  rest,
  sessionReaches,
  submittedSession,
} from "./rest-helpers.ts";
import { type ReceivedWebhook, startReceiver, verifies, type WebhookReceiver } from "./webhook-receiver.ts";

// The session management events (`session.updated`, `session.resumed`, `session.reprocessed`, and
// `session.expired` for an explicit expiry) reach a real HTTP receiver, signed, once per change.

const CREATE_ENDPOINT = /* GraphQL */ `
  mutation ($url: String!, $events: [String!]!) {
    createWebhookEndpoint(url: $url, events: $events) {
      __typename
      ... on WebhookEndpointWithSecret { secret endpoint { id } }
      ... on Error { message }
    }
  }
`;

const SET_WORKSPACE = /* GraphQL */ `
  mutation ($id: ID!, $settings: WorkspaceSettingsInput!) {
    updateWorkspace(id: $id, settings: $settings) { __typename ... on Error { message } }
  }
`;

const events = ["session.updated", "session.resumed", "session.reprocessed", "session.expired"];

describe.each(testBackends())("webhooks: session management events (%s)", (backend) => {
  let h: Harness;
  let key: string;
  let receiver: WebhookReceiver;
  let secret: string;
  let workflowId: string;

  beforeAll(async () => {
    h = await startHarness(backend, {
      env: { FLOWGATE_WEBHOOK_RETRY_BASE_MS: "50", FLOWGATE_WEBHOOK_TIMEOUT_MS: "10000" },
    });
    key = h.acme.keys.sandbox;
    // The receiver listens on 127.0.0.1: the workspace allows private addresses, as in development.
    const set = await h.gql(key, SET_WORKSPACE, {
      id: h.acme.workspaceId,
      settings: { allowPrivateTaskUrls: true },
    });
    expect(set.data.updateWorkspace.__typename).toBe("Workspace");
    receiver = await startReceiver();
    const created = await h.gql(key, CREATE_ENDPOINT, { url: receiver.url, events });
    expect(created.data.createWebhookEndpoint.__typename).toBe("WebhookEndpointWithSecret");
    secret = created.data.createWebhookEndpoint.secret;
    workflowId = await createWorkflowOverRest(h, key, quickGraph);
  });
  afterAll(async () => {
    await h?.close();
    await receiver?.close();
  });

  /** The event types recorded for a session (its deliveries over REST), oldest first. */
  async function recordedTypes(sessionId: string): Promise<string[]> {
    const answer = await rest(h, key, "GET", `/api/v1/sessions/${sessionId}/webhook-deliveries?limit=100`);
    expect(answer.status, JSON.stringify(answer.body)).toBe(200);
    return answer.body.data.map((d: { event_type: string }) => d.event_type).reverse();
  }

  /** What the receiver got about a session, once it has `count` requests for it. */
  async function receivedFor(sessionId: string, count: number): Promise<ReceivedWebhook[]> {
    return eventually(async () => {
      const got = receiver.received.filter((w) => w.payload.data.id === sessionId);
      return got.length >= count ? got : null;
    }, 15_000);
  }

  it("update, tag changes, expiry and resume each deliver their event once, signed, with the session after the change", async () => {
    const created = await rest(h, key, "POST", "/api/v1/sessions", { workflow_id: workflowId });
    const id: string = created.body.id;

    expect(
      (await rest(h, key, "PATCH", `/api/v1/sessions/${id}`, { metadata: { plan: "pro" } })).status,
    ).toBe(200);
    expect((await rest(h, key, "POST", `/api/v1/sessions/${id}/tags`, { tag: "vip" })).status).toBe(200);
    // No change, no event: the tag is there already / the same tags again / an absent tag.
    await rest(h, key, "POST", `/api/v1/sessions/${id}/tags`, { tag: "vip" });
    await rest(h, key, "POST", `/api/v1/sessions/${id}/tags/replace`, { tags: ["vip"] });
    await rest(h, key, "POST", `/api/v1/sessions/${id}/tags/remove`, { tag: "absent" });
    // A refused change records nothing (its transaction rolled back).
    expectError(
      await rest(h, key, "PATCH", `/api/v1/sessions/${id}`, { tags: ["bad tag!"] }),
      422,
      "VALIDATION",
      ["tags.0"],
    );
    expect((await rest(h, key, "POST", `/api/v1/sessions/${id}/tags/remove`, { tag: "vip" })).status).toBe(
      200,
    );
    expect((await rest(h, key, "POST", `/api/v1/sessions/${id}/expire`)).status).toBe(200);
    expectError(await rest(h, key, "PATCH", `/api/v1/sessions/${id}`, { metadata: {} }), 409, "CONFLICT");
    expect((await rest(h, key, "POST", `/api/v1/sessions/${id}/resume`)).status).toBe(200);

    const expected = [
      "session.updated",
      "session.updated",
      "session.updated",
      "session.expired",
      "session.resumed",
    ];
    expect(await recordedTypes(id)).toEqual(expected);

    const received = await receivedFor(id, expected.length);
    expect(received.map((w) => w.payload.type).sort()).toEqual([...expected].sort());
    expect(new Set(received.map((w) => w.headers["webhook-id"])).size).toBe(expected.length);
    for (const request of received) {
      expect(verifies(secret, request)).toBe(true);
      expect(request.payload).toMatchObject({
        version: 1,
        workspace_id: h.acme.workspaceId,
        environment: "sandbox",
        data: { object: "session", id },
      });
    }
    const updates = received.filter((w) => w.payload.type === "session.updated").map((w) => w.payload.data);
    expect(updates.map((d) => d.tags).sort()).toEqual([[], [], ["vip"]]);
    for (const data of updates) expect(data.metadata).toEqual({ plan: "pro" });
    const resumed = received.find((w) => w.payload.type === "session.resumed") as ReceivedWebhook;
    expect(resumed.payload.data).toMatchObject({ status: "created", result: null });
    const expired = received.find((w) => w.payload.type === "session.expired") as ReceivedWebhook;
    expect(expired.payload.data.status).toBe("expired");
  });

  it("reprocessing a decided session delivers session.reprocessed with status processing", async () => {
    const id = await submittedSession(h, key, workflowId);
    await sessionReaches(h, key, id, "completed");
    const reprocessed = await rest(h, key, "POST", `/api/v1/sessions/${id}/reprocess`, { reason: "rules" });
    expect(reprocessed.status, JSON.stringify(reprocessed.body)).toBe(200);
    expect(await recordedTypes(id)).toEqual(["session.reprocessed"]);
    const [request] = await receivedFor(id, 1);
    expect(verifies(secret, request as ReceivedWebhook)).toBe(true);
    expect(request?.payload).toMatchObject({
      type: "session.reprocessed",
      data: { object: "session", id, status: "processing", result: null, workflow_id: workflowId },
    });
    // The reprocessed run completes again; the endpoint did not subscribe to session.completed.
    await sessionReaches(h, key, id, "completed");
    expect(await recordedTypes(id)).toEqual(["session.reprocessed"]);
  });

  it("an endpoint subscribes to the new types (above); an unknown session event type is refused", async () => {
    const bad = await h.gql(key, CREATE_ENDPOINT, { url: receiver.url, events: ["session.renamed"] });
    expect(bad.data.createWebhookEndpoint.__typename).toBe("ValidationError");
    expect(bad.data.createWebhookEndpoint.message).toBeTruthy();
  });
});
