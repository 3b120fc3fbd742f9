import { testBackends } from "@flowgate/db/testing";
import { SmtpEmailSender } from "@flowgate/engine";
import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { createKycQuestionnaire, TestSmtpServer } from "./ddq-helpers.ts";
import { eventually, type Harness, startHarness } from "./harness.ts";
import { expectError, rest } from "./rest-helpers.ts";

const CREATE_SESSION = /* GraphQL */ `
  mutation ($referenceId: String, $forceNew: Boolean) {
    createSession(referenceId: $referenceId, forceNew: $forceNew) { __typename ... on Session { id referenceId } }
  }
`;

/** POSTs a GraphQL operation with an Idempotency-Key. */
async function gqlWithKey(
  h: Harness,
  apiKey: string,
  idempotencyKey: string,
  query: string,
  variables: unknown,
) {
  const response = await fetch(h.server.url, {
    method: "POST",
    headers: { "content-type": "application/json", "x-api-key": apiKey, "idempotency-key": idempotencyKey },
    body: JSON.stringify({ query, variables }),
  });
  return {
    status: response.status,
    replayed: response.headers.get("idempotent-replayed"),
    body: await response.json(),
  };
}

describe.each(testBackends())("Idempotency-Key and duplicate prevention (%s)", (backend) => {
  let h: Harness;
  let smtp: TestSmtpServer;
  let key: string;
  let questionnaireId: string;
  /** The application's clock runs this far ahead of the system's. */
  let offsetMs = 0;

  beforeAll(async () => {
    smtp = await TestSmtpServer.start();
    h = await startHarness(backend, {
      email: new SmtpEmailSender({ url: smtp.url }),
      clock: () => new Date(Date.now() + offsetMs),
    });
    key = h.acme.keys.sandbox;
    questionnaireId = await createKycQuestionnaire(h, key);
  });
  afterAll(async () => {
    await h.close();
    await smtp.close();
  });
  beforeEach(() => {
    smtp.acceptAll();
    offsetMs = 0;
  });

  const send = (email: string, idempotencyKey: string) =>
    rest(
      h,
      key,
      "POST",
      "/api/v1/workflows/send/",
      { entity: { legal_name: "Idem Ltd" }, ddq: { questionnaire_id: questionnaireId }, email },
      { "idempotency-key": idempotencyKey },
    );

  it("a replay with the same key and body returns the stored answer and does nothing again", async () => {
    const first = await send("idem-1@acme.example", "key-replay");
    expect(first.status).toBe(201);
    const again = await send("idem-1@acme.example", "key-replay");
    expect(again.status).toBe(201);
    expect(again.headers.get("idempotent-replayed")).toBe("true");
    expect(again.body).toEqual(first.body);
    expect(smtp.to("idem-1@acme.example")).toHaveLength(1);
    // The same key with another body: 422, nothing sent.
    const other = await send("idem-2@acme.example", "key-replay");
    expectError(other, 422, "IDEMPOTENCY_KEY_REUSED");
    expect(smtp.to("idem-2@acme.example")).toHaveLength(0);
    // Keys are per workspace: the other workspace's same key is its own.
    const elsewhere = await rest(
      h,
      h.other.keys.sandbox,
      "POST",
      "/api/v1/sessions",
      {},
      { "idempotency-key": "key-replay" },
    );
    expect(elsewhere.status).toBe(201);
  });

  it("concurrent replays: ten parallel requests with one key run it once; the others wait their turn (409) or replay", async () => {
    const answers = await Promise.all(
      Array.from({ length: 10 }, () => send("idem-burst@acme.example", "key-burst")),
    );
    const statuses = answers.map((a) => a.status).sort();
    console.log(`concurrent replays (${backend}): ${JSON.stringify(statuses)}`);
    const created = answers.filter((a) => a.status === 201);
    expect(created.length).toBeGreaterThanOrEqual(1);
    for (const answer of answers) {
      if (answer.status === 201) expect(answer.body).toEqual(created[0]?.body);
      else expectError(answer, 409, "IDEMPOTENCY_KEY_IN_USE");
    }
    expect(created.filter((a) => a.headers.get("idempotent-replayed") !== "true")).toHaveLength(1);
    expect(smtp.to("idem-burst@acme.example")).toHaveLength(1);
    const later = await send("idem-burst@acme.example", "key-burst");
    expect(later.body).toEqual(created[0]?.body);
  });

  it("in flight: the same key gets 409 while the first request runs, 422 with another body, then the replay", async () => {
    const release = smtp.hold();
    const first = send("idem-slow@acme.example", "key-slow");
    await eventually(async () => smtp.waiting > 0);
    expectError(await send("idem-slow@acme.example", "key-slow"), 409, "IDEMPOTENCY_KEY_IN_USE");
    expectError(await send("idem-other@acme.example", "key-slow"), 422, "IDEMPOTENCY_KEY_REUSED");
    release();
    const done = await first;
    expect(done.status).toBe(201);
    const replay = await send("idem-slow@acme.example", "key-slow");
    expect(replay.body).toEqual(done.body);
    expect(smtp.to("idem-slow@acme.example")).toHaveLength(1);
  });

  it("a 500 (email failed, nothing charged) frees the key: the retry with it runs", async () => {
    smtp.failNext(1);
    expectError(await send("idem-retry@acme.example", "key-retry"), 500, "EMAIL_DELIVERY_FAILED");
    const retried = await send("idem-retry@acme.example", "key-retry");
    expect(retried.status).toBe(201);
    expect(retried.headers.get("idempotent-replayed")).toBeNull();
  });

  it("keys expire after 24 hours: the same key then runs again", async () => {
    const first = await rest(
      h,
      key,
      "POST",
      "/api/v1/sessions",
      { metadata: { n: 1 } },
      { "idempotency-key": "key-expiry" },
    );
    expect(first.status).toBe(201);
    offsetMs = 23 * 3600 * 1000;
    const within = await rest(
      h,
      key,
      "POST",
      "/api/v1/sessions",
      { metadata: { n: 1 } },
      { "idempotency-key": "key-expiry" },
    );
    expect(within.body.id).toBe(first.body.id);
    offsetMs = 24 * 3600 * 1000 + 60_000;
    const after = await rest(
      h,
      key,
      "POST",
      "/api/v1/sessions",
      { metadata: { n: 1 } },
      { "idempotency-key": "key-expiry" },
    );
    expect(after.status).toBe(201);
    expect(after.headers.get("idempotent-replayed")).toBeNull();
    expect(after.body.id).not.toBe(first.body.id);
  });

  it("GraphQL mutations honour Idempotency-Key too; queries ignore it", async () => {
    const first = await gqlWithKey(h, key, "gql-key", CREATE_SESSION, {
      referenceId: "gql-1",
      forceNew: true,
    });
    expect(first.status).toBe(200);
    const again = await gqlWithKey(h, key, "gql-key", CREATE_SESSION, {
      referenceId: "gql-1",
      forceNew: true,
    });
    expect(again.replayed).toBe("true");
    expect(again.body.data.createSession.id).toBe(first.body.data.createSession.id);
    const other = await gqlWithKey(h, key, "gql-key", CREATE_SESSION, {
      referenceId: "gql-2",
      forceNew: true,
    });
    expect(other.status).toBe(422);
    expect(other.body.errors[0].extensions.code).toBe("IDEMPOTENCY_KEY_REUSED");
    const query = await gqlWithKey(h, key, "gql-key", "{ viewer { environment } }", {});
    expect(query.status).toBe(200);
    expect(query.body.data.viewer.environment).toBe("sandbox");
    // A REST request may not reuse a GraphQL request's key either.
    expectError(
      await rest(h, key, "POST", "/api/v1/sessions", {}, { "idempotency-key": "gql-key" }),
      422,
      "IDEMPOTENCY_KEY_REUSED",
    );
    // A key longer than 255 characters: a validation error naming Idempotency-Key.
    expectError(
      await rest(h, key, "POST", "/api/v1/sessions", {}, { "idempotency-key": "a".repeat(300) }),
      422,
      "VALIDATION",
    );
  });

  it("preventing duplicates: a reference_id an open session has returns that session (200) unless force_new", async () => {
    const first = await rest(h, key, "POST", "/api/v1/sessions", { reference_id: "customer-42" });
    expect(first.status).toBe(201);
    const same = await rest(h, key, "POST", "/api/v1/sessions", { reference_id: "customer-42" });
    expect(same.status).toBe(200);
    expect(same.body.id).toBe(first.body.id);
    const forced = await rest(h, key, "POST", "/api/v1/sessions", {
      reference_id: "customer-42",
      force_new: true,
    });
    expect(forced.status).toBe(201);
    expect(forced.body.id).not.toBe(first.body.id);
    // Concurrent creations with one new reference id give one session.
    const burst = await Promise.all(
      Array.from({ length: 5 }, () =>
        rest(h, key, "POST", "/api/v1/sessions", { reference_id: "customer-43" }),
      ),
    );
    expect(new Set(burst.map((a) => a.body.id)).size).toBe(1);
    expect(burst.filter((a) => a.status === 201)).toHaveLength(1);
    // GraphQL's createSession follows the same rule.
    const viaGraphQL = await h.gql(key, CREATE_SESSION, { referenceId: "customer-42" });
    expect([first.body.id, forced.body.id]).toContain(viaGraphQL.data.createSession.id);
  });
});
