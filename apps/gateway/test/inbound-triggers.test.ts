import { testBackends } from "@flowgate/db/testing";
import { Webhook } from "standardwebhooks";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { CREATE_WORKFLOW } from "./fixtures.ts";
import { eventually, type Harness, startHarness } from "./harness.ts";

const echoGraph = {
  entry: "start",
  nodes: [
    { id: "start", type: "start", next: "echo" },
    { id: "echo", type: "task", handler: { type: "echo" }, routes: { success: "done" } },
    { id: "done", type: "terminal", outcome: "approved" },
  ],
};

const CREATE_TRIGGER = /* GraphQL */ `
  mutation ($workflowId: ID!, $auth: InboundTriggerAuth!) {
    createInboundTrigger(workflowId: $workflowId, auth: $auth) {
      __typename
      ... on InboundTriggerWithSecret { url secret trigger { id auth status url workflowId } }
      ... on NotFoundError { resource }
    }
  }
`;

const ROTATE = /* GraphQL */ `
  mutation ($id: ID!) { rotateInboundTriggerSecret(id: $id) { ... on InboundTriggerWithSecret { url secret } } }
`;

const REVOKE = /* GraphQL */ `
  mutation ($id: ID!) {
    revokeInboundTrigger(id: $id) { __typename ... on InboundTrigger { status revokedAt } ... on NotFoundError { resource } }
  }
`;

const RUN = /* GraphQL */ `
  query ($id: ID!) { run(id: $id) { id status triggeredBy triggerSource triggerPayload inboundTrigger { id auth } schedule { id } } }
`;

const RUNS_BY = /* GraphQL */ `
  query ($triggeredBy: String!) { runs(filter: { triggeredBy: $triggeredBy }, first: 100) { edges { node { id } } } }
`;

/** POSTs `body` to a hook URL, signed with `secret` unless `headers` replace the signature. */
async function post(url: string, body: string, headers: Record<string, string>) {
  const response = await fetch(url, {
    method: "POST",
    headers: { "content-type": "application/json", ...headers },
    body,
  });
  return { status: response.status, body: (await response.json()) as any };
}

function signed(secret: string, id: string, body: string, at = new Date()): Record<string, string> {
  return {
    "webhook-id": id,
    "webhook-timestamp": String(Math.floor(at.getTime() / 1000)),
    "webhook-signature": new Webhook(secret).sign(id, at, body),
  };
}

describe.each(testBackends())("inbound triggers (%s)", (backend) => {
  let h: Harness;
  let key: string;
  let workflowId: string;
  let signature: { id: string; url: string; secret: string };

  /** The URL on the test's gateway (the harness listens on a free port; the public URL says port 0). */
  function local(url: string): string {
    return new URL(new URL(url).pathname, h.server.url).toString();
  }

  async function runsOf(triggerId: string): Promise<string[]> {
    const response = await h.gql(key, RUNS_BY, { triggeredBy: triggerId });
    return response.data.runs.edges.map((edge: any) => edge.node.id);
  }

  beforeAll(async () => {
    h = await startHarness(backend);
    key = h.acme.keys.sandbox;
    workflowId = (await h.gql(key, CREATE_WORKFLOW, { name: "Inbound", graph: echoGraph })).data
      .createWorkflow.id;
    await h.gql(
      key,
      `mutation ($id: ID!, $s: JSON) { setWorkflowPayloadSchema(workflowId: $id, payloadSchema: $s) { __typename } }`,
      {
        id: workflowId,
        s: {
          type: "object",
          required: ["order"],
          properties: {
            order: { type: "object", required: ["id"], properties: { id: { type: "string", minLength: 3 } } },
          },
        },
      },
    );
    const created = await h.gql(key, CREATE_TRIGGER, { workflowId, auth: "SIGNATURE" });
    const payload = created.data.createInboundTrigger;
    expect(payload.__typename).toBe("InboundTriggerWithSecret");
    signature = { id: payload.trigger.id, url: local(payload.url), secret: payload.secret };
  });

  afterAll(async () => {
    await h?.close();
  });

  it("creates a URL with a secret shown once, stored only encrypted", async () => {
    expect(signature.id).toMatch(/^hok_/);
    expect(signature.secret).toMatch(/^whsec_/);
    expect(signature.url).toMatch(/\/hooks\/hk_[A-Za-z0-9_-]{32}$/);
    const listed = await h.gql(
      key,
      `query ($id: ID!) { workflow(id: $id) { inboundTriggers { id auth status url } } }`,
      {
        id: workflowId,
      },
    );
    expect(listed.data.workflow.inboundTriggers).toEqual([
      { id: signature.id, auth: "SIGNATURE", status: "active", url: expect.stringMatching(/\/hooks\/hk_/) },
    ]);
    expect(local(listed.data.workflow.inboundTriggers[0].url)).toBe(signature.url);
    const node = await h.gql(
      key,
      `query ($id: ID!) { node(id: $id) { __typename ... on InboundTrigger { auth } } }`,
      {
        id: signature.id,
      },
    );
    expect(node.data.node).toEqual({ __typename: "InboundTrigger", auth: "SIGNATURE" });
    const [row] = await h.database.db
      .selectFrom("inbound_triggers")
      .selectAll()
      .where("id", "=", signature.id)
      .execute();
    expect(JSON.stringify(row)).not.toContain(signature.secret.slice(6));
    // Another workspace cannot create one on this workflow.
    const foreign = await h.gql(h.other.keys.sandbox, CREATE_TRIGGER, { workflowId, auth: "BEARER" });
    expect(foreign.data.createInboundTrigger).toEqual({ __typename: "NotFoundError", resource: "Workflow" });
  });

  it("starts a run for a good signature; the same webhook-id again starts none", async () => {
    const body = JSON.stringify({ order: { id: "ord-1", total: 12 } });
    const first = await post(signature.url, body, signed(signature.secret, "msg_a1", body));
    expect(first.status).toBe(202);
    expect(first.body).toMatchObject({ triggered_by: signature.id, replayed: false, status: "pending" });
    const run = await eventually(async () => {
      const response = await h.gql(key, RUN, { id: first.body.run_id });
      return response.data.run?.status === "completed" ? response.data.run : null;
    });
    expect(run).toMatchObject({
      triggeredBy: signature.id,
      triggerSource: "inbound_hook",
      triggerPayload: { order: { id: "ord-1", total: 12 } },
      inboundTrigger: { id: signature.id, auth: "SIGNATURE" },
      schedule: null,
    });
    // A retry of the same message (signed again, as senders do) answers the same run.
    const retry = await post(signature.url, body, signed(signature.secret, "msg_a1", body));
    expect(retry).toEqual({
      status: 200,
      body: { ...first.body, status: expect.any(String), replayed: true },
    });
    expect(retry.body.run_id).toBe(first.body.run_id);
    // Ten concurrent deliveries of a new message: one run.
    const burst = await Promise.all(
      Array.from({ length: 10 }, () => post(signature.url, body, signed(signature.secret, "msg_b2", body))),
    );
    expect(burst.map((answer) => answer.status).sort()).toEqual([
      200, 200, 200, 200, 200, 200, 200, 200, 200, 202,
    ]);
    expect(new Set(burst.map((answer) => answer.body.run_id)).size).toBe(1);
    expect(await runsOf(signature.id)).toHaveLength(2);
  });

  it("answers 401 for a bad or missing signature, and starts nothing", async () => {
    const body = JSON.stringify({ order: { id: "ord-2" } });
    const wrongSecret = `whsec_${Buffer.from("not the secret of this trigger!!").toString("base64")}`;
    const forged = await post(signature.url, body, signed(wrongSecret, "msg_c3", body));
    expect(forged.status).toBe(401);
    expect(forged.body.error.code).toBe("UNAUTHENTICATED");
    const tampered = await post(
      signature.url,
      body.replace("ord-2", "ord-9"),
      signed(signature.secret, "msg_c3", body),
    );
    expect(tampered.status).toBe(401);
    const stale = await post(
      signature.url,
      body,
      signed(signature.secret, "msg_c3", body, new Date(Date.now() - 3600_000)),
    );
    expect(stale.status).toBe(401);
    const unsigned = await post(signature.url, body, {});
    expect(unsigned.status).toBe(401);
    expect(await runsOf(signature.id)).toHaveLength(2);
  });

  it("answers the payload schema's error naming the field", async () => {
    const body = JSON.stringify({ order: { id: 42 } });
    const answer = await post(signature.url, body, signed(signature.secret, "msg_d4", body));
    expect(answer.status).toBe(422);
    expect(answer.body.error).toMatchObject({
      code: "VALIDATION",
      fields: [{ field: "payload.order.id", message: expect.any(String) }],
    });
    const notJson = "order=1";
    const bad = await post(signature.url, notJson, signed(signature.secret, "msg_d5", notJson));
    expect(bad.status).toBe(422);
    expect(bad.body.error.fields).toEqual([{ field: "payload", message: "is not valid JSON" }]);
    // A refused message is not remembered: sent again, fixed, it starts its run.
    const fixed = JSON.stringify({ order: { id: "ord-4" } });
    expect((await post(signature.url, fixed, signed(signature.secret, "msg_d4", fixed))).status).toBe(202);
  });

  it("takes a bearer token instead; rotation and revocation end the old credentials", async () => {
    const created = (await h.gql(key, CREATE_TRIGGER, { workflowId, auth: "BEARER" })).data
      .createInboundTrigger;
    expect(created.secret).toMatch(/^fgh_/);
    const bearer = { id: created.trigger.id, url: local(created.url), token: created.secret };
    const body = JSON.stringify({ order: { id: "ord-5" } });
    const ok = await post(bearer.url, body, { authorization: `Bearer ${bearer.token}` });
    expect(ok.status).toBe(202);
    expect((await post(bearer.url, body, { authorization: "Bearer fgh_wrong" })).status).toBe(401);
    expect((await post(bearer.url, body, {})).status).toBe(401);
    // With a webhook-id, bearer POSTs are deduplicated too.
    const withId = { authorization: `Bearer ${bearer.token}`, "webhook-id": "evt-77" };
    const one = await post(bearer.url, body, withId);
    const two = await post(bearer.url, body, withId);
    expect([one.status, two.status]).toEqual([202, 200]);
    expect(two.body.run_id).toBe(one.body.run_id);
    expect(await runsOf(bearer.id)).toHaveLength(2);
    const [row] = await h.database.db
      .selectFrom("inbound_triggers")
      .selectAll()
      .where("id", "=", bearer.id)
      .execute();
    expect(JSON.stringify(row)).not.toContain(bearer.token);

    const rotated = (await h.gql(key, ROTATE, { id: bearer.id })).data.rotateInboundTriggerSecret;
    expect(local(rotated.url)).toBe(bearer.url);
    expect((await post(bearer.url, body, { authorization: `Bearer ${bearer.token}` })).status).toBe(401);
    expect((await post(bearer.url, body, { authorization: `Bearer ${rotated.secret}` })).status).toBe(202);

    const revoked = await h.gql(key, REVOKE, { id: bearer.id });
    expect(revoked.data.revokeInboundTrigger).toMatchObject({
      __typename: "InboundTrigger",
      status: "revoked",
    });
    const gone = await post(bearer.url, body, { authorization: `Bearer ${rotated.secret}` });
    expect(gone.status).toBe(404);
    expect(
      (await h.gql(h.other.keys.sandbox, REVOKE, { id: signature.id })).data.revokeInboundTrigger,
    ).toEqual({
      __typename: "NotFoundError",
      resource: "InboundTrigger",
    });
  });

  it("refuses runs of an inactive workflow with 409, GET with 405 and an unknown URL with 404", async () => {
    const toggle = (name: string) =>
      h.gql(key, `mutation ($id: ID!) { ${name}(workflowId: $id) { __typename } }`, { id: workflowId });
    await toggle("deactivateWorkflow");
    const body = JSON.stringify({ order: { id: "ord-6" } });
    const inactive = await post(signature.url, body, signed(signature.secret, "msg_e6", body));
    expect(inactive.status).toBe(409);
    expect(inactive.body.error.code).toBe("CONFLICT");
    // A message that already started its run is still answered with it.
    const replay = JSON.stringify({ order: { id: "ord-1", total: 12 } });
    expect((await post(signature.url, replay, signed(signature.secret, "msg_a1", replay))).status).toBe(200);
    await toggle("activateWorkflow");
    const get = await fetch(signature.url);
    expect(get.status).toBe(405);
    const unknown = await post(signature.url.replace(/hk_.*/, "hk_unknown"), "{}", {});
    expect(unknown.status).toBe(404);
  });
});

describe.each(testBackends())("inbound trigger rate limits (%s)", (backend) => {
  let h: Harness;

  beforeAll(async () => {
    h = await startHarness(backend, {
      env: {
        FLOWGATE_RATE_LIMIT_PER_SECOND: "0.01",
        FLOWGATE_RATE_LIMIT_BURST: "3",
        FLOWGATE_RATE_LIMIT_ANONYMOUS_PER_SECOND: "0.01",
        FLOWGATE_RATE_LIMIT_ANONYMOUS_BURST: "2",
      },
    });
  });

  afterAll(async () => {
    await h?.close();
  });

  it("gives each URL a key's bucket, and charges refused guesses to the client address", async () => {
    const key = h.acme.keys.sandbox;
    const workflowId = (await h.gql(key, CREATE_WORKFLOW, { name: "Limited", graph: echoGraph })).data
      .createWorkflow.id;
    const created = (await h.gql(key, CREATE_TRIGGER, { workflowId, auth: "BEARER" })).data
      .createInboundTrigger;
    const url = new URL(new URL(created.url).pathname, h.server.url).toString();
    const auth = { authorization: `Bearer ${created.secret}` };
    const statuses: number[] = [];
    for (let i = 0; i < 4; i++) statuses.push((await post(url, "{}", auth)).status);
    expect(statuses).toEqual([202, 202, 202, 429]);
    const guesses: number[] = [];
    for (let i = 0; i < 3; i++)
      guesses.push((await post(url.replace(/hk_.*/, `hk_guess${i}`), "{}", auth)).status);
    expect(guesses).toEqual([404, 404, 429]);
  });
});
