import { type Actor, type Application, createSession } from "@flowgate/application";
import { findSession, updateSessionStatus } from "@flowgate/db";
import { testBackends } from "@flowgate/db/testing";
import { inTransaction, recordSessionWebhookEvent, SmtpEmailSender } from "@flowgate/engine";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import {
  CREDIT_BALANCE,
  createKycQuestionnaire,
  GRANT_CREDITS,
  SEND_WORKFLOW,
  TestSmtpServer,
} from "./ddq-helpers.ts";
import {
  CREATE_SESSION,
  CREATE_WORKFLOW,
  DECIDE,
  designExampleGraph,
  highRiskSandbox,
  SUBMIT_SESSION,
} from "./fixtures.ts";
import { eventually, type Harness, startHarness } from "./harness.ts";
import { freePort } from "./servers.ts";
import { type ReceivedWebhook, startReceiver, verifies, type WebhookReceiver } from "./webhook-receiver.ts";

const ENDPOINT_FIELDS = /* GraphQL */ `
  id url events status disabledReason consecutiveFailures previousSecretExpiresAt
`;

const CREATE_ENDPOINT = /* GraphQL */ `
  mutation ($url: String!, $events: [String!]!, $description: String) {
    createWebhookEndpoint(url: $url, events: $events, description: $description) {
      __typename
      ... on WebhookEndpointWithSecret { secret endpoint { ${ENDPOINT_FIELDS} } }
      ... on ValidationError { message issues { path message } }
      ... on Error { message }
    }
  }
`;

const DELIVERY_FIELDS = /* GraphQL */ `
  id eventId eventType status attemptCount nextAttemptAt lastStatusCode deliveredAt sessionId payload
  attempts { attempt startedAt durationMs statusCode responseBody error nextAttemptAt }
`;

const ENDPOINT = /* GraphQL */ `
  query ($id: ID!) {
    webhookEndpoint(id: $id) { ${ENDPOINT_FIELDS} deliveries(first: 100) { edges { node { ${DELIVERY_FIELDS} } } } }
  }
`;

const SESSION_DELIVERIES = /* GraphQL */ `
  query ($id: ID!) {
    session(id: $id) { id status webhookDeliveries(first: 100) { edges { node { ${DELIVERY_FIELDS} } } } }
  }
`;

const SEND_TEST = /* GraphQL */ `
  mutation ($endpointId: ID!) {
    sendTestWebhook(endpointId: $endpointId) {
      __typename
      ... on WebhookDelivery { ${DELIVERY_FIELDS} }
      ... on Error { message }
    }
  }
`;

const ROTATE = /* GraphQL */ `
  mutation ($endpointId: ID!, $overlapSeconds: Int) {
    rotateWebhookSecret(endpointId: $endpointId, overlapSeconds: $overlapSeconds) {
      __typename
      ... on WebhookEndpointWithSecret { secret endpoint { ${ENDPOINT_FIELDS} } }
      ... on Error { message }
    }
  }
`;

const REDELIVER = /* GraphQL */ `
  mutation ($deliveryId: ID!) {
    redeliverWebhook(deliveryId: $deliveryId) {
      __typename
      ... on WebhookDelivery { ${DELIVERY_FIELDS} }
      ... on NotFoundError { message resource missingId: id }
      ... on Error { message }
    }
  }
`;

const SET_WORKSPACE = /* GraphQL */ `
  mutation ($id: ID!, $settings: WorkspaceSettingsInput!) {
    updateWorkspace(id: $id, settings: $settings) { __typename ... on Error { message } }
  }
`;

/** Webhook settings of these tests: quick retries, endpoints disabled after 3 failures in a row. */
const webhookEnv = {
  FLOWGATE_WEBHOOK_RETRY_BASE_MS: "50",
  FLOWGATE_WEBHOOK_MAX_ATTEMPTS: "4",
  FLOWGATE_WEBHOOK_DISABLE_AFTER: "3",
  // The production timeout (10 s): no receiver here hangs, and a shorter one made a slow answer on a loaded
  // machine time out and be delivered again (at least once, as designed), failing the "once" assertions.
  FLOWGATE_WEBHOOK_TIMEOUT_MS: "10000",
};

describe.each(testBackends())("webhooks (%s)", (backend) => {
  let h: Harness;
  let key: string;
  let smtp: TestSmtpServer;
  const receivers: WebhookReceiver[] = [];

  beforeAll(async () => {
    // Live emails need a real transport (the outbox keeps sandbox emails only).
    smtp = await TestSmtpServer.start();
    h = await startHarness(backend, { env: webhookEnv, email: new SmtpEmailSender({ url: smtp.url }) });
    key = h.acme.keys.sandbox;
    // Receivers listen on 127.0.0.1: the workspaces allow private addresses, as in development.
    for (const ws of [h.acme, h.other]) {
      const set = await h.gql(ws.keys.sandbox, SET_WORKSPACE, {
        id: ws.workspaceId,
        settings: { allowPrivateTaskUrls: true },
      });
      expect(set.data.updateWorkspace.__typename).toBe("Workspace");
    }
  });
  afterAll(async () => {
    await h?.close();
    await smtp?.close();
    await Promise.all(receivers.map((r) => r.close()));
  });

  async function receiver(answer?: WebhookReceiver["answer"]) {
    const r = await startReceiver(answer);
    receivers.push(r);
    return r;
  }

  async function createEndpoint(url: string, events: string[], apiKey = key) {
    const created = await h.gql(apiKey, CREATE_ENDPOINT, { url, events, description: "test" });
    expect(created.data.createWebhookEndpoint.__typename).toBe("WebhookEndpointWithSecret");
    return created.data.createWebhookEndpoint as { secret: string; endpoint: { id: string } };
  }

  async function endpoint(id: string, apiKey = key) {
    return (await h.gql(apiKey, ENDPOINT, { id })).data.webhookEndpoint;
  }

  it("delivers each subscribed event of a session once, signed, and nothing else", async () => {
    const r = await receiver();
    const events = [
      "session.created",
      "session.submitted",
      "session.awaiting_external",
      "session.completed",
      "workflow_run.paused",
      "workflow_run.completed",
    ];
    const { secret, endpoint: created } = await createEndpoint(r.url, events);
    expect(secret).toMatch(/^whsec_/);
    const everything = await receiver();
    const all = await createEndpoint(everything.url, ["*"]);

    const workflow = await h.gql(key, CREATE_WORKFLOW, {
      name: "KYC",
      graph: designExampleGraph,
      isDefault: true,
    });
    const workflowId = workflow.data.createWorkflow.id;
    const session = await h.gql(key, CREATE_SESSION, { workflowId, sandbox: highRiskSandbox });
    const sessionId = session.data.createSession.id as string;
    await h.gql(key, SUBMIT_SESSION, { sessionId });
    await eventually(async () => r.received.find((w) => w.payload.type === "session.awaiting_external"));
    const decided = await h.gql(key, DECIDE, { sessionId, decision: "continue" });
    expect(decided.data.submitExternalDecision.__typename).toBe("ExternalDecisionPayload");
    await eventually(async () => {
      const e = await endpoint(created.id);
      const nodes = e.deliveries.edges.map((edge: any) => edge.node);
      return nodes.length === events.length && nodes.every((d: any) => d.status === "succeeded");
    });

    const types = r.received.map((w) => w.payload.type).sort();
    expect(types).toEqual([...events].sort());
    for (const request of r.received) {
      expect(verifies(secret, request)).toBe(true);
      expect(verifies(all.secret, request)).toBe(false);
      expect(request.headers["webhook-id"]).toBe(request.payload.id);
      expect(request.payload.data.id).toBeDefined();
    }
    expect(new Set(r.received.map((w) => w.headers["webhook-id"])).size).toBe(events.length);
    const completed = r.received.find((w) => w.payload.type === "session.completed") as ReceivedWebhook;
    expect(completed.payload).toMatchObject({
      version: 1,
      workspace_id: h.acme.workspaceId,
      environment: "sandbox",
      data: {
        object: "session",
        id: sessionId,
        status: "completed",
        result: "approved",
        workflow_id: workflowId,
      },
    });

    // The `*` endpoint got the events the other one did not ask for too (workflow_run.started among them).
    await eventually(async () =>
      everything.received.some((w) => w.payload.type === "workflow_run.completed"),
    );
    expect(everything.received.map((w) => w.payload.type)).toContain("workflow_run.started");
    for (const request of everything.received) expect(verifies(all.secret, request)).toBe(true);

    // The session lists its deliveries (to both endpoints), each with its attempt.
    const listed = await h.gql(key, SESSION_DELIVERIES, { id: sessionId });
    const deliveries = listed.data.session.webhookDeliveries.edges.map((e: any) => e.node);
    expect(deliveries.length).toBeGreaterThanOrEqual(events.length * 2 - 1);
    for (const d of deliveries.filter((x: any) => x.status === "succeeded")) {
      expect(d.attempts[0]).toMatchObject({ attempt: 1, statusCode: 200, responseBody: "ok", error: null });
      expect(d.sessionId).toBe(sessionId);
    }
  });

  it("retries a failing receiver with the same webhook-id and records every attempt", async () => {
    const r = await receiver((_req, index) => (index < 2 ? { status: 500, body: "boom" } : { status: 200 }));
    const { secret, endpoint: created } = await createEndpoint(r.url, ["session.completed"]);
    const sent = await h.gql(key, SEND_TEST, { endpointId: created.id });
    expect(sent.data.sendTestWebhook).toMatchObject({ __typename: "WebhookDelivery", eventType: "ping" });
    const deliveryId = sent.data.sendTestWebhook.id;
    const delivery = await eventually(async () => {
      const e = await endpoint(created.id);
      const d = e.deliveries.edges.map((edge: any) => edge.node).find((x: any) => x.id === deliveryId);
      return d?.status === "succeeded" ? d : null;
    });
    expect(delivery.attempts.map((a: any) => a.statusCode)).toEqual([500, 500, 200]);
    expect(delivery.attempts[0]).toMatchObject({ attempt: 1, responseBody: "boom" });
    expect(delivery.attempts[0].error).toContain("500");
    expect(delivery.attempts[0].nextAttemptAt).not.toBeNull();
    expect(delivery.attempts[2].nextAttemptAt).toBeNull();
    expect(delivery).toMatchObject({ attemptCount: 3, lastStatusCode: 200, nextAttemptAt: null });
    expect(r.received).toHaveLength(3);
    expect(new Set(r.received.map((w) => w.headers["webhook-id"]))).toEqual(new Set([delivery.eventId]));
    for (const request of r.received) expect(verifies(secret, request)).toBe(true);
    expect(r.received[0]?.payload).toMatchObject({
      type: "ping",
      data: { object: "ping", endpoint_id: created.id },
    });

    // A redelivery is a new delivery of the same event: same webhook-id.
    const again = await h.gql(key, REDELIVER, { deliveryId });
    expect(again.data.redeliverWebhook).toMatchObject({
      __typename: "WebhookDelivery",
      eventId: delivery.eventId,
    });
    await eventually(async () => r.received.length === 4);
    expect(r.received[3]?.headers["webhook-id"]).toBe(delivery.eventId);
  });

  it("disables an endpoint whose receiver is down, and records webhook_endpoint.disabled", async () => {
    const watcher = await receiver();
    const watching = await createEndpoint(watcher.url, ["webhook_endpoint.disabled"]);
    const down = await createEndpoint(`http://127.0.0.1:${await freePort()}/hooks`, ["*"]);
    for (let i = 0; i < 2; i++) await h.gql(key, SEND_TEST, { endpointId: down.endpoint.id });
    const disabled = await eventually(async () => {
      const e = await endpoint(down.endpoint.id);
      return e.status === "disabled" ? e : null;
    });
    expect(disabled.disabledReason).toBe("disabled after 3 consecutive failed attempts");
    // An attempt already in flight when it was disabled still counts.
    expect(disabled.consecutiveFailures).toBeGreaterThanOrEqual(3);
    const attempts = disabled.deliveries.edges.flatMap((e: any) => e.node.attempts);
    expect(attempts.every((a: any) => a.statusCode === null && /could not be reached/.test(a.error))).toBe(
      true,
    );
    const event = await eventually(async () =>
      watcher.received.find((w) => w.payload.type === "webhook_endpoint.disabled"),
    );
    expect(event.payload.data).toMatchObject({
      object: "webhook_endpoint",
      id: down.endpoint.id,
      consecutive_failures: 3,
    });
    expect(verifies(watching.secret, event)).toBe(true);
    // Pending deliveries of a disabled endpoint end without another attempt; a test ping is refused.
    await eventually(async () => {
      const e = await endpoint(down.endpoint.id);
      return e.deliveries.edges.every((edge: any) => edge.node.status === "failed");
    });
    const refused = await h.gql(key, SEND_TEST, { endpointId: down.endpoint.id });
    expect(refused.data.sendTestWebhook).toMatchObject({ __typename: "ConflictError" });
  });

  it("signs with both secrets during a rotation's overlap, then with the new one only", async () => {
    const r = await receiver();
    const { secret: oldSecret, endpoint: created } = await createEndpoint(r.url, ["credits.low_balance"]);
    // Long enough for the first test ping to be delivered within the overlap on a loaded machine; the
    // test then waits for the overlap to end.
    const rotated = await h.gql(key, ROTATE, { endpointId: created.id, overlapSeconds: 5 });
    expect(rotated.data.rotateWebhookSecret.__typename).toBe("WebhookEndpointWithSecret");
    const newSecret = rotated.data.rotateWebhookSecret.secret;
    expect(newSecret).not.toBe(oldSecret);
    const overlapEnds = new Date(rotated.data.rotateWebhookSecret.endpoint.previousSecretExpiresAt).getTime();

    await h.gql(key, SEND_TEST, { endpointId: created.id });
    const during = await eventually(async () => r.received[0]);
    expect(String(during.headers["webhook-signature"]).split(" ")).toHaveLength(2);
    expect(verifies(oldSecret, during)).toBe(true);
    expect(verifies(newSecret, during)).toBe(true);

    await new Promise((resolve) => setTimeout(resolve, Math.max(0, overlapEnds - Date.now() + 50)));
    await h.gql(key, SEND_TEST, { endpointId: created.id });
    const after = await eventually(async () => r.received[1]);
    expect(verifies(newSecret, after)).toBe(true);
    expect(verifies(oldSecret, after)).toBe(false);
  });

  it("never delivers an event whose transaction rolled back", async () => {
    const r = await receiver();
    await createEndpoint(r.url, ["session.expired", "session.created"]);
    const actor: Actor = { ...tenantOf(h), keyId: "test", scopes: ["admin"] };
    const session = await createSession(h.app as Application, actor, {});
    await expect(
      inTransaction(h.engine.unitOfWork, async (trx, after) => {
        await updateSessionStatus(trx, session.id, { status: "expired" });
        await recordSessionWebhookEvent(trx, after, session.id);
        throw new Error("the change fails after its event was recorded");
      }),
    ).rejects.toThrow("the change fails");
    expect((await findSession(h.database.db, actor, session.id))?.status).toBe("created");
    // The session.created of the same session, committed, arrives; the expired one never does.
    await eventually(async () => r.received.find((w) => w.payload.type === "session.created"));
    const rows = await h.database.db
      .selectFrom("webhook_events")
      .select("type")
      .where("session_id", "=", session.id)
      .execute();
    expect(rows.map((row) => row.type)).toEqual(["session.created"]);
    await new Promise((resolve) => setTimeout(resolve, 500));
    expect(r.received.map((w) => w.payload.type)).toEqual(["session.created"]);
  });

  it("reports a sent questionnaire response and the charge that takes credits under 10", async () => {
    // Sends are charged in live only.
    const live = h.acme.keys.live;
    const r = await receiver();
    const { secret } = await createEndpoint(r.url, ["response.sent", "credits.low_balance"], live);
    const { balance } = (await h.gql(live, CREDIT_BALANCE)).data.creditBalance;
    if (balance < 10) {
      const grant = await h.gql(live, GRANT_CREDITS, { amount: 10 - balance });
      expect(grant.data.grantCredits.__typename).toBe("CreditLedgerEntry");
    }
    const questionnaireId = await createKycQuestionnaire(h, live);
    const sent = await h.gql(live, SEND_WORKFLOW, {
      entity: { legalName: "Webhook Corp", email: "ops@webhook.example" },
      ddq: { questionnaireId },
      email: "recipient@webhook.example",
    });
    expect(sent.data.sendWorkflow).toMatchObject({ __typename: "WorkflowResponse", creditsCharged: 1 });
    const responseId = sent.data.sendWorkflow.responseId;
    await eventually(async () => r.received.length === 2);
    // One event each: the send settled once, in the transaction that charged it.
    expect(r.received.map((w) => w.payload.type).sort()).toEqual(["credits.low_balance", "response.sent"]);
    expect(smtp.to("recipient@webhook.example")).toHaveLength(1);
    const byType = Object.fromEntries(r.received.map((w) => [w.payload.type, w]));
    expect(byType["response.sent"]?.payload.data).toMatchObject({
      object: "response",
      id: responseId,
      questionnaire_id: questionnaireId,
      status: "DRAFT",
    });
    expect(byType["credits.low_balance"]?.payload.data).toMatchObject({
      object: "credit_balance",
      balance: 9,
      threshold: 10,
    });
    expect(byType["response.sent"]?.payload.environment).toBe("live");
    for (const request of r.received) expect(verifies(secret, request)).toBe(true);
  });

  it("keeps endpoints and deliveries to their workspace and environment", async () => {
    const r = await receiver();
    const { endpoint: created } = await createEndpoint(r.url, ["*"]);
    const sent = await h.gql(key, SEND_TEST, { endpointId: created.id });
    const deliveryId = sent.data.sendTestWebhook.id;
    const own = await h.gql(
      key,
      `query ($ids: [ID!]!) { nodes(ids: $ids) { id ... on WebhookDelivery { eventType } ... on WebhookEndpoint { url } } }`,
      { ids: [deliveryId, created.id] },
    );
    expect(own.errors).toBeUndefined();
    expect(own.data.nodes).toEqual([
      { id: deliveryId, eventType: "ping" },
      { id: created.id, url: r.url },
    ]);
    for (const stranger of [h.other.keys.sandbox, h.acme.keys.live]) {
      expect((await h.gql(stranger, ENDPOINT, { id: created.id })).data.webhookEndpoint).toBeNull();
      const listed = await h.gql(stranger, `{ webhookEndpoints(first: 100) { edges { node { id } } } }`);
      expect(listed.data.webhookEndpoints.edges.map((e: any) => e.node.id)).not.toContain(created.id);
      for (const id of [deliveryId, created.id]) {
        const node = await h.gql(stranger, `query ($id: ID!) { node(id: $id) { id } }`, { id });
        expect(node.errors).toBeUndefined();
        expect(node.data.node).toBeNull();
      }
      const redeliver = await h.gql(stranger, REDELIVER, { deliveryId });
      expect(redeliver.data.redeliverWebhook).toMatchObject({
        __typename: "NotFoundError",
        missingId: deliveryId,
      });
      for (const mutation of ["disableWebhookEndpoint", "deleteWebhookEndpoint"]) {
        const answer = await h.gql(
          stranger,
          `mutation ($id: ID!) { ${mutation}(id: $id) { __typename ... on NotFoundError { id } } }`,
          { id: created.id },
        );
        expect(answer.data[mutation]).toEqual({ __typename: "NotFoundError", id: created.id });
      }
      const test = await h.gql(stranger, SEND_TEST, { endpointId: created.id });
      expect(test.data.sendTestWebhook.__typename).toBe("NotFoundError");
    }
    // The other workspace's own events never reach this endpoint.
    const theirs = await receiver();
    await createEndpoint(theirs.url, ["*"], h.other.keys.sandbox);
    await h.gql(h.other.keys.sandbox, CREATE_SESSION, {});
    await eventually(async () => theirs.received.some((w) => w.payload.type === "session.created"));
    expect(r.received.every((w) => w.payload.workspace_id === h.acme.workspaceId)).toBe(true);
    expect((await endpoint(created.id)).status).toBe("enabled");
  });

  it("refuses bad input with typed errors naming the field, and keys without the scope", async () => {
    const bad = await h.gql(key, CREATE_ENDPOINT, { url: "ftp://example.com", events: ["nope.event"] });
    expect(bad.data.createWebhookEndpoint.__typename).toBe("ValidationError");
    expect(bad.data.createWebhookEndpoint.issues.map((i: any) => i.path.join("."))).toEqual([
      "events.0",
      "url",
    ]);
    // A workspace that does not allow private addresses refuses a loopback URL.
    await h.gql(key, SET_WORKSPACE, { id: h.acme.workspaceId, settings: { allowPrivateTaskUrls: false } });
    const loopback = await h.gql(key, CREATE_ENDPOINT, { url: "http://127.0.0.1:9/x", events: ["*"] });
    expect(loopback.data.createWebhookEndpoint.issues[0].message).toContain("loopback");
    await h.gql(key, SET_WORKSPACE, { id: h.acme.workspaceId, settings: { allowPrivateTaskUrls: true } });
    const rotate = await h.gql(key, ROTATE, { endpointId: "whe_missing", overlapSeconds: -1 });
    expect(rotate.data.rotateWebhookSecret.__typename).toBe("ValidationError");
  });
});

function tenantOf(h: Harness) {
  return { workspaceId: h.acme.workspaceId, environment: "sandbox" as const };
}

describe.each(testBackends())("webhooks: a slow receiver delays no other endpoint (%s)", (backend) => {
  let h: Harness;
  const receivers: WebhookReceiver[] = [];

  beforeAll(async () => {
    // A lane of 5 and a 20 s timeout: without the per-endpoint cap (4), a receiver that never answers
    // would hold every slot for 20 s.
    h = await startHarness(backend, {
      env: { FLOWGATE_WEBHOOK_CONCURRENCY: "5", FLOWGATE_WEBHOOK_TIMEOUT_MS: "20000" },
    });
    await h.gql(h.acme.keys.sandbox, SET_WORKSPACE, {
      id: h.acme.workspaceId,
      settings: { allowPrivateTaskUrls: true },
    });
  });
  afterAll(async () => {
    await Promise.all(receivers.map((r) => r.close()));
    await h?.close();
  });

  it("delivers to a fast endpoint while a hanging one has its deliveries in flight", async () => {
    const key = h.acme.keys.sandbox;
    const slow = await startReceiver(() => ({ hang: true }));
    const fast = await startReceiver();
    receivers.push(slow, fast);
    for (const r of [slow, fast]) {
      const created = await h.gql(key, CREATE_ENDPOINT, { url: r.url, events: ["session.created"] });
      expect(created.data.createWebhookEndpoint.__typename).toBe("WebhookEndpointWithSecret");
    }
    for (let i = 0; i < 10; i++) await h.gql(key, CREATE_SESSION, {});
    await eventually(async () => fast.received.length === 10, 18_000);
    // Every fast delivery arrived while the slow receiver's first attempts were still open (they end
    // only at the 20 s timeout), and no more than 4 of them were ever in flight at once.
    const attempts = await h.database.db.selectFrom("webhook_attempts").select("status_code").execute();
    expect(attempts.filter((a) => a.status_code === null)).toEqual([]);
    expect(slow.maxOpen).toBeLessThanOrEqual(4);
    expect(slow.received.length).toBeGreaterThan(0);
  });
});
