import { testBackends } from "@flowgate/db/testing";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { eventually, type Harness, startHarness } from "./harness.ts";
import {
  createWorkflowOverRest,
  expectError,
  originOf,
  quickGraph,
  rest,
  sessionReaches,
  submittedSession,
} from "./rest-helpers.ts";

// Seed 002's session menu over REST, driven as a client would: fetch against a running gateway.

const CHECK = /* GraphQL */ `
  query ($id: ID!) {
    sessionCheck(id: $id) {
      id sessionId runId nodeId policy status result output error createdAt updatedAt
      attempts { id checkId number startedAt completedAt outcome error providerReference output }
    }
  }
`;

/** Every session route this file covers, as the OpenAPI document lists it. */
const sessionRoutes = [
  ["patch", "/api/v1/sessions/{session_id}"],
  ["post", "/api/v1/sessions/{session_id}/tags"],
  ["post", "/api/v1/sessions/{session_id}/tags/remove"],
  ["post", "/api/v1/sessions/{session_id}/tags/replace"],
  ["post", "/api/v1/sessions/{session_id}/expire"],
  ["post", "/api/v1/sessions/{session_id}/resume"],
  ["post", "/api/v1/sessions/{session_id}/reprocess"],
  ["post", "/api/v1/sessions/{session_id}/simulate"],
  ["post", "/api/v1/sessions/{session_id}/links"],
  ["get", "/api/v1/sessions/{session_id}/links"],
  ["post", "/api/v1/sessions/{session_id}/links/{link_id}/revoke"],
  ["post", "/api/v1/sessions/{session_id}/resend-invitation"],
  ["get", "/api/v1/sessions/{session_id}/checks"],
  ["get", "/api/v1/sessions/{session_id}/checks/{check_id}"],
  ["post", "/api/v1/sessions/{session_id}/checks/{check_id}/retry"],
  ["get", "/api/v1/sessions/{session_id}/attempts"],
  ["get", "/api/v1/sessions/{session_id}/risk-assessment"],
  ["get", "/api/v1/sessions/{session_id}/webhook-deliveries"],
] as const;

describe.each(testBackends())("REST sessions: seed 002's session menu (%s)", (backend) => {
  let h: Harness;
  let key: string;
  let otherKey: string;
  let workflowId: string;

  beforeAll(async () => {
    h = await startHarness(backend);
    key = h.acme.keys.sandbox;
    otherKey = h.other.keys.sandbox;
    workflowId = await createWorkflowOverRest(h, key, quickGraph);
  });
  afterAll(async () => {
    await h?.close();
  });

  async function newSession(body: Record<string, unknown> = {}): Promise<string> {
    const created = await rest(h, key, "POST", "/api/v1/sessions", { workflow_id: workflowId, ...body });
    expect(created.status, JSON.stringify(created.body)).toBe(201);
    return created.body.id;
  }

  async function completedSession(sandbox?: Record<string, unknown>): Promise<string> {
    const id = sandbox ? await newSession({ sandbox }) : await submittedSession(h, key, workflowId);
    if (sandbox) expect((await rest(h, key, "POST", `/api/v1/sessions/${id}/submit`)).status).toBe(200);
    await sessionReaches(h, key, id, "completed");
    return id;
  }

  it("lists every new route in the served OpenAPI document", async () => {
    const doc = (await rest(h, null, "GET", "/api/v1/openapi.json")).body;
    for (const [method, path] of sessionRoutes) {
      expect(doc.paths[path]?.[method], `${method} ${path}`).toBeTruthy();
      expect(doc.paths[path][method].tags).toEqual(["Sessions"]);
    }
    expect(doc.components.schemas.UpdateSessionRequest.properties.expires_at).toBeTruthy();
    expect(doc.components.schemas.Session.properties.tags.type).toBe("array");
  });

  it("PATCH /sessions/{id} updates what is given; a bad field is a typed error naming it", async () => {
    const id = await newSession({ reference_id: `patch-${backend}` });
    const expiresAt = new Date(Date.now() + 3 * 24 * 3600_000).toISOString();
    const patched = await rest(h, key, "PATCH", `/api/v1/sessions/${id}`, {
      reference_id: "user-42",
      metadata: { plan: "premium" },
      tags: ["vip", "eu"],
      expires_at: expiresAt,
    });
    expect(patched.status, JSON.stringify(patched.body)).toBe(200);
    expect(patched.body).toMatchObject({
      id,
      reference_id: "user-42",
      metadata: { plan: "premium" },
      tags: ["vip", "eu"],
      expires_at: expiresAt,
      is_sandbox: true,
    });
    // Only the fields given change; null clears the reference.
    const cleared = await rest(h, key, "PATCH", `/api/v1/sessions/${id}`, { reference_id: null });
    expect(cleared.body).toMatchObject({
      reference_id: null,
      metadata: { plan: "premium" },
      tags: ["vip", "eu"],
    });
    // camelCase with Key-Inflection: camel.
    const camel = await rest(
      h,
      key,
      "PATCH",
      `/api/v1/sessions/${id}`,
      { referenceId: "camel-1" },
      { "key-inflection": "camel" },
    );
    expect(camel.body).toMatchObject({ referenceId: "camel-1", expiresAt });

    expectError(await rest(h, key, "PATCH", `/api/v1/sessions/${id}`, { tags: "vip" }), 422, "VALIDATION", [
      "tags",
    ]);
    expectError(
      await rest(h, key, "PATCH", `/api/v1/sessions/${id}`, { expires_at: "next tuesday" }),
      422,
      "VALIDATION",
      ["expires_at"],
    );
    expectError(
      await rest(h, key, "PATCH", `/api/v1/sessions/${id}`, {
        expires_at: new Date(Date.now() + 90 * 24 * 3600_000).toISOString(),
      }),
      422,
      "VALIDATION",
      ["expires_at"],
    );
    expectError(
      await rest(h, key, "PATCH", `/api/v1/sessions/${id}`, { reference_id: "" }),
      422,
      "VALIDATION",
      ["reference_id"],
    );
    expectError(await rest(h, key, "PATCH", `/api/v1/sessions/${id}`, {}), 422, "VALIDATION");
    expectError(
      await rest(h, key, "PATCH", `/api/v1/sessions/${id}`, { tags: ["fine", "not fine!"] }),
      422,
      "VALIDATION",
      ["tags.1"],
    );
    expectError(
      await rest(h, otherKey, "PATCH", `/api/v1/sessions/${id}`, { metadata: {} }),
      404,
      "NOT_FOUND",
    );
    expectError(await rest(h, key, "PATCH", "/api/v1/sessions/ses_nope", { metadata: {} }), 404, "NOT_FOUND");
  });

  it("adds, removes and replaces tags; lists filter by tag; idempotency keys replay", async () => {
    const id = await newSession();
    const tag = `tag-${backend}`;
    const added = await rest(
      h,
      key,
      "POST",
      `/api/v1/sessions/${id}/tags`,
      { tag },
      { "idempotency-key": `t-${id}` },
    );
    expect(added.status).toBe(200);
    expect(added.body.tags).toEqual([tag]);
    const replayed = await rest(
      h,
      key,
      "POST",
      `/api/v1/sessions/${id}/tags`,
      { tag },
      { "idempotency-key": `t-${id}` },
    );
    expect(replayed.headers.get("idempotent-replayed")).toBe("true");
    expect(replayed.body).toEqual(added.body);
    // Adding it again changes nothing.
    expect((await rest(h, key, "POST", `/api/v1/sessions/${id}/tags`, { tag })).body.tags).toEqual([tag]);
    const listed = await rest(h, key, "GET", `/api/v1/sessions?tag=${tag}`);
    expect(listed.body.data.map((s: { id: string }) => s.id)).toEqual([id]);

    const replaced = await rest(h, key, "POST", `/api/v1/sessions/${id}/tags/replace`, {
      tags: ["a", "b", "a"],
    });
    expect(replaced.body.tags).toEqual(["a", "b"]);
    const removed = await rest(h, key, "POST", `/api/v1/sessions/${id}/tags/remove`, { tag: "a" });
    expect(removed.body.tags).toEqual(["b"]);
    expect((await rest(h, key, "GET", `/api/v1/sessions?tag=${tag}`)).body.data).toEqual([]);

    expectError(await rest(h, key, "POST", `/api/v1/sessions/${id}/tags`, {}), 422, "VALIDATION", ["tag"]);
    expectError(
      await rest(h, key, "POST", `/api/v1/sessions/${id}/tags`, { tag: "has space" }),
      422,
      "VALIDATION",
      ["tag"],
    );
    expectError(
      await rest(h, key, "POST", `/api/v1/sessions/${id}/tags/replace`, { tags: "a" }),
      422,
      "VALIDATION",
      ["tags"],
    );
    expectError(
      await rest(
        h,
        key,
        "POST",
        `/api/v1/sessions/${id}/tags`,
        { tag: "x" },
        { "idempotency-key": `t-${id}` },
      ),
      422,
      "IDEMPOTENCY_KEY_REUSED",
    );
    expectError(
      await rest(h, otherKey, "POST", `/api/v1/sessions/${id}/tags`, { tag: "x" }),
      404,
      "NOT_FOUND",
    );
  });

  it("expires a session (submit then conflicts), resumes it with a fresh link, refuses to resume a decided one", async () => {
    const id = await newSession();
    const expired = await rest(h, key, "POST", `/api/v1/sessions/${id}/expire`, { reason: "customer left" });
    expect(expired.status, JSON.stringify(expired.body)).toBe(200);
    expect(expired.body.status).toBe("expired");
    const again = await rest(h, key, "POST", `/api/v1/sessions/${id}/expire`);
    expectError(again, 409, "CONFLICT");
    expect(again.body.error.details.current_status).toBe("expired");
    expectError(await rest(h, key, "POST", `/api/v1/sessions/${id}/submit`), 409, "CONFLICT");
    expectError(
      await rest(h, key, "PATCH", `/api/v1/sessions/${id}`, { metadata: { a: 1 } }),
      409,
      "CONFLICT",
    );
    expectError(
      await rest(h, key, "POST", `/api/v1/sessions/${id}/expire`, { reason: "x".repeat(1001) }),
      422,
      "VALIDATION",
      ["reason"],
    );

    expectError(
      await rest(h, key, "POST", `/api/v1/sessions/${id}/resume`, { expires_in_seconds: 10 }),
      422,
      "VALIDATION",
      ["expires_in_seconds"],
    );
    const resumed = await rest(h, key, "POST", `/api/v1/sessions/${id}/resume`, { expires_in_seconds: 3600 });
    expect(resumed.status, JSON.stringify(resumed.body)).toBe(200);
    expect(resumed.body.session).toMatchObject({ id, status: "created" });
    const link = resumed.body.verification_link;
    expect(link).toMatchObject({ session_id: id, status: "active", max_uses: 1, uses: 0 });
    expect(link.token).toMatch(/^fgv_/);
    expect(link.capture_url).toMatch(new RegExp(`/verify/${link.token}$`));
    // The capture page opens with it.
    expect((await fetch(`${originOf(h)}/verify/${link.token}`)).status).toBe(200);

    const decided = await completedSession();
    const refused = await rest(h, key, "POST", `/api/v1/sessions/${decided}/resume`);
    expectError(refused, 409, "CONFLICT");
    expect(refused.body.error.details.current_status).toBe("completed");
    expectError(await rest(h, key, "POST", `/api/v1/sessions/${decided}/expire`), 409, "CONFLICT");
    expectError(await rest(h, otherKey, "POST", `/api/v1/sessions/${id}/expire`), 404, "NOT_FOUND");
    expectError(await rest(h, otherKey, "POST", `/api/v1/sessions/${id}/resume`), 404, "NOT_FOUND");
  });

  it("generates, lists and revokes one-time links; resends the invitation email through the outbox (token masked)", async () => {
    const id = await newSession();
    const created = await rest(h, key, "POST", `/api/v1/sessions/${id}/links`, {
      expires_in_hours: 2,
      max_uses: 2,
    });
    expect(created.status, JSON.stringify(created.body)).toBe(201);
    expect(created.body).toMatchObject({
      session_id: id,
      status: "active",
      max_uses: 2,
      uses: 0,
      revoked_at: null,
    });
    expect(created.body.token).toMatch(/^fgv_/);
    const second = await rest(h, key, "POST", `/api/v1/sessions/${id}/links`);
    expect(second.body.max_uses).toBe(1);

    const listed = await rest(h, key, "GET", `/api/v1/sessions/${id}/links`);
    expect(listed.status).toBe(200);
    expect(listed.body.data.map((l: { id: string }) => l.id).sort()).toEqual(
      [created.body.id, second.body.id].sort(),
    );
    // A listed link never carries its token.
    for (const link of listed.body.data) expect(link).not.toHaveProperty("token");
    // Version 2025-11-01: the bare array.
    const old = await rest(h, key, "GET", `/api/v1/sessions/${id}/links`, undefined, {
      "verifa-version": "2025-11-01",
    });
    expect(Array.isArray(old.body)).toBe(true);

    const revoked = await rest(h, key, "POST", `/api/v1/sessions/${id}/links/${created.body.id}/revoke`);
    expect(revoked.status).toBe(200);
    expect(revoked.body.status).toBe("revoked");
    expect(typeof revoked.body.revoked_at).toBe("string");
    expect((await fetch(`${originOf(h)}/verify/${created.body.token}`)).status).not.toBe(200);
    // Another session's link is not found under this session, nor for another workspace.
    const elsewhere = await newSession();
    expectError(
      await rest(h, key, "POST", `/api/v1/sessions/${elsewhere}/links/${second.body.id}/revoke`),
      404,
      "NOT_FOUND",
    );
    expectError(
      await rest(h, otherKey, "POST", `/api/v1/sessions/${id}/links/${second.body.id}/revoke`),
      404,
      "NOT_FOUND",
    );
    expectError(await rest(h, otherKey, "GET", `/api/v1/sessions/${id}/links`), 404, "NOT_FOUND");
    expectError(
      await rest(h, key, "POST", `/api/v1/sessions/${id}/links`, { max_uses: 0 }),
      422,
      "VALIDATION",
      ["max_uses"],
    );
    expectError(
      await rest(h, key, "POST", `/api/v1/sessions/${id}/links`, { expires_in_hours: "soon" }),
      422,
      "VALIDATION",
      ["expires_in_hours"],
    );
    const decided = await completedSession();
    expectError(await rest(h, key, "POST", `/api/v1/sessions/${decided}/links`), 409, "CONFLICT");

    // The invitation: without an email on the session the field is named; with one it is sent.
    expectError(await rest(h, key, "POST", `/api/v1/sessions/${id}/resend-invitation`), 422, "VALIDATION", [
      "email",
    ]);
    expectError(
      await rest(h, key, "POST", `/api/v1/sessions/${id}/resend-invitation`, { email: "not-an-email" }),
      422,
      "VALIDATION",
      ["email"],
    );
    const email = `invitee-${backend}@example.com`;
    const sent = await rest(h, key, "POST", `/api/v1/sessions/${id}/resend-invitation`, { email });
    expect(sent.status, JSON.stringify(sent.body)).toBe(200);
    expect(sent.body).toMatchObject({
      sent_to: email,
      session: { id, invitee_email: email },
      link: { session_id: id, status: "active", sent_to: email },
    });
    const message = await h.database.db
      .selectFrom("email_outbox")
      .selectAll()
      .where("to_address", "=", email)
      .executeTakeFirstOrThrow();
    // The outbox keeps the email with the link's token masked (test/browser/capture-page.test.ts opens an
    // invitation's link received over SMTP).
    expect(message.text_body).toMatch(/\/verify\/fgv_…[A-Za-z0-9_-]{4}/);
    expect(message.text_body).not.toMatch(/fgv_[A-Za-z0-9_-]{43}/);
    // With the email stored, the next resend needs none.
    expect((await rest(h, key, "POST", `/api/v1/sessions/${id}/resend-invitation`)).body.sent_to).toBe(email);
    expectError(
      await rest(h, otherKey, "POST", `/api/v1/sessions/${id}/resend-invitation`, { email }),
      404,
      "NOT_FOUND",
    );
  });

  it("simulates sandbox actions; a live key gets a clear 403; unknown actions and nodes are named", async () => {
    const id = await newSession();
    const captured = await rest(h, key, "POST", `/api/v1/sessions/${id}/simulate`, {
      action: "complete_capture",
    });
    expect(captured.status, JSON.stringify(captured.body)).toBe(200);
    expect(captured.body).toMatchObject({ id, action: "complete_capture", simulated: true });
    expect(typeof captured.body.run_id).toBe("string");
    await sessionReaches(h, key, id, "completed");
    expect((await rest(h, key, "GET", `/api/v1/sessions/${id}/result`)).body.result).toBe("approved");

    const failed = await rest(h, key, "POST", `/api/v1/sessions/${id}/simulate`, {
      action: "fail_check(document)",
    });
    expect(failed.status, JSON.stringify(failed.body)).toBe(200);
    expect(failed.body.run_id).toBeTruthy();
    await eventually(async () => {
      const result = await rest(h, key, "GET", `/api/v1/sessions/${id}/result`);
      return result.body.status === "completed" && result.body.result === "rejected";
    }, 15_000);

    expectError(
      await rest(h, key, "POST", `/api/v1/sessions/${id}/simulate`, { action: "explode" }),
      422,
      "VALIDATION",
      ["action"],
    );
    expectError(
      await rest(h, key, "POST", `/api/v1/sessions/${id}/simulate`, { action: "pass_check", node: "nope" }),
      422,
      "VALIDATION",
      ["node"],
    );
    expectError(await rest(h, key, "POST", `/api/v1/sessions/${id}/simulate`, {}), 422, "VALIDATION", [
      "action",
    ]);

    const live = await rest(h, h.acme.keys.live, "POST", `/api/v1/sessions/${id}/simulate`, {
      action: "expire",
    });
    expectError(live, 403, "SANDBOX_ONLY");
    expect(live.body.error.message).toMatch(/sandbox key/);
    expectError(
      await rest(h, otherKey, "POST", `/api/v1/sessions/${id}/simulate`, { action: "expire" }),
      404,
      "NOT_FOUND",
    );
    const expiring = await newSession();
    const expired = await rest(h, key, "POST", `/api/v1/sessions/${expiring}/simulate`, { action: "expire" });
    expect(expired.body).toMatchObject({ status: "expired", run_id: null, session: { status: "expired" } });
  });

  it("lists checks with their attempts, gets one, lists attempts, retries a failed check", async () => {
    const id = await completedSession({ document: { outcome: "fail" } });
    expect((await rest(h, key, "GET", `/api/v1/sessions/${id}/result`)).body.result).toBe("rejected");
    const checks = await rest(h, key, "GET", `/api/v1/sessions/${id}/checks`);
    expect(checks.status).toBe(200);
    expect(checks.body.data).toHaveLength(1);
    const [check] = checks.body.data;
    expect(check).toMatchObject({
      session_id: id,
      node_id: "document",
      policy: "document",
      status: "failed",
    });
    expect(check.id).toMatch(/^chk_/);
    expect(check.attempts).toHaveLength(1);
    expect(check.attempts[0]).toMatchObject({ check_id: check.id, number: 1, outcome: "fail" });

    const one = await rest(h, key, "GET", `/api/v1/sessions/${id}/checks/${check.id}`);
    expect(one.body).toEqual(check);
    // REST (Key-Inflection: camel) and GraphQL give the same check object.
    const camel = await rest(h, key, "GET", `/api/v1/sessions/${id}/checks/${check.id}`, undefined, {
      "key-inflection": "camel",
    });
    const viaGraphQL = await h.gql(key, CHECK, { id: check.id });
    expect(camel.body).toEqual(viaGraphQL.data.sessionCheck);
    const attempts = await rest(h, key, "GET", `/api/v1/sessions/${id}/attempts`);
    expect(attempts.body.data).toEqual(check.attempts);

    const retried = await rest(h, key, "POST", `/api/v1/sessions/${id}/checks/${check.id}/retry`, {
      reason: "provider outage",
    });
    expect(retried.status, JSON.stringify(retried.body)).toBe(200);
    expect(retried.body.check.id).toBe(check.id);
    expect(retried.body.run).toMatchObject({ session_id: id, workflow_id: workflowId });
    await eventually(async () => {
      const again = await rest(h, key, "GET", `/api/v1/sessions/${id}/checks/${check.id}`);
      return again.body.attempts.length === 2 && again.body.status === "failed";
    }, 15_000);

    const passed = await completedSession();
    const [passedCheck] = (await rest(h, key, "GET", `/api/v1/sessions/${passed}/checks`)).body.data;
    expectError(
      await rest(h, key, "POST", `/api/v1/sessions/${passed}/checks/${passedCheck.id}/retry`),
      409,
      "CONFLICT",
    );
    // A check is addressed under its own session and workspace.
    expectError(await rest(h, key, "GET", `/api/v1/sessions/${passed}/checks/${check.id}`), 404, "NOT_FOUND");
    expectError(
      await rest(h, key, "POST", `/api/v1/sessions/${passed}/checks/${check.id}/retry`),
      404,
      "NOT_FOUND",
    );
    expectError(
      await rest(h, otherKey, "GET", `/api/v1/sessions/${id}/checks/${check.id}`),
      404,
      "NOT_FOUND",
    );
    expectError(await rest(h, otherKey, "GET", `/api/v1/sessions/${id}/checks`), 404, "NOT_FOUND");
    expectError(await rest(h, otherKey, "GET", `/api/v1/sessions/${id}/attempts`), 404, "NOT_FOUND");
    expectError(
      await rest(h, key, "POST", `/api/v1/sessions/${id}/checks/${check.id}/retry`, { reason: 5 }),
      422,
      "VALIDATION",
      ["reason"],
    );
  });

  it("answers the risk assessment once the run ended, 404 before", async () => {
    const open = await newSession();
    expectError(await rest(h, key, "GET", `/api/v1/sessions/${open}/risk-assessment`), 404, "NOT_FOUND");
    const id = await completedSession({ document: { outcome: "fail" } });
    const risk = await eventually(async () => {
      const answer = await rest(h, key, "GET", `/api/v1/sessions/${id}/risk-assessment`);
      return answer.status === 200 ? answer : null;
    });
    expect(risk.body).toMatchObject({ session_id: id });
    expect(risk.body.score).toBeGreaterThanOrEqual(0);
    expect(risk.body.score).toBeLessThanOrEqual(100);
    expect(["low", "medium", "high", "critical"]).toContain(risk.body.level);
    expect(typeof risk.body.rules_version).toBe("string");
    expect(risk.body.signals.length).toBeGreaterThan(0);
    expect(risk.body.signals[0]).toHaveProperty("check_id");
    expectError(await rest(h, otherKey, "GET", `/api/v1/sessions/${id}/risk-assessment`), 404, "NOT_FOUND");
  });

  it("reprocesses a decided session and keeps the earlier run; refuses an open one", async () => {
    const id = await completedSession();
    const before = (await rest(h, key, "GET", `/api/v1/sessions/${id}/workflow-run`)).body;
    const reprocessed = await rest(h, key, "POST", `/api/v1/sessions/${id}/reprocess`, {
      reason: "new rules",
    });
    expect(reprocessed.status, JSON.stringify(reprocessed.body)).toBe(200);
    expect(reprocessed.body.session).toMatchObject({ id, status: "processing", result: null });
    expect(reprocessed.body.previous_run_id).toBe(before.id);
    expect(reprocessed.body.run.id).not.toBe(before.id);
    await sessionReaches(h, key, id, "completed");
    expect((await rest(h, key, "GET", `/api/v1/sessions/${id}/workflow-run`)).body.id).toBe(
      reprocessed.body.run.id,
    );

    const open = await newSession();
    expectError(await rest(h, key, "POST", `/api/v1/sessions/${open}/reprocess`), 409, "CONFLICT");
    expectError(await rest(h, otherKey, "POST", `/api/v1/sessions/${id}/reprocess`), 404, "NOT_FOUND");
  });

  it("creates a session for an identity; duplicates per identity are refused unless allowed", async () => {
    const body = {
      workflow_id: workflowId,
      reference_id: `ident-${backend}`,
      identity: { first_name: "Ada", last_name: "Lovelace", email: "ada@example.com" },
    };
    const created = await rest(h, key, "POST", "/api/v1/sessions", body);
    expect(created.status, JSON.stringify(created.body)).toBe(201);
    expect(created.body.identity_id).toMatch(/^ent_/);
    expect(created.body.invitee_email).toBe("ada@example.com");
    const identityId = created.body.identity_id;
    const duplicate = await rest(h, key, "POST", "/api/v1/sessions", {
      workflow_id: workflowId,
      reference_id: `ident-${backend}`,
      identity_id: identityId,
    });
    expectError(duplicate, 409, "CONFLICT");
    const allowed = await rest(h, key, "POST", "/api/v1/sessions", {
      workflow_id: workflowId,
      reference_id: `ident-${backend}`,
      identity_id: identityId,
      allow_duplicate: true,
    });
    expect(allowed.status).toBe(201);
    const ofIdentity = await rest(h, key, "GET", `/api/v1/sessions?identity_id=${identityId}`);
    expect(ofIdentity.body.data.map((s: { id: string }) => s.id).sort()).toEqual(
      [created.body.id, allowed.body.id].sort(),
    );
    expectError(
      await rest(h, key, "POST", "/api/v1/sessions", { identity: { first_name: "Ada" } }),
      422,
      "VALIDATION",
      ["identity.last_name"],
    );
    expectError(
      await rest(h, otherKey, "POST", "/api/v1/sessions", { identity_id: identityId }),
      404,
      "NOT_FOUND",
    );
  });

  it("lists the webhook deliveries of a session", async () => {
    const id = await newSession();
    const deliveries = await rest(h, key, "GET", `/api/v1/sessions/${id}/webhook-deliveries?limit=10`);
    expect(deliveries.status).toBe(200);
    expect(deliveries.body).toEqual({ data: [], has_more: false, next_cursor: null });
    expectError(
      await rest(h, key, "GET", `/api/v1/sessions/${id}/webhook-deliveries?limit=0`),
      422,
      "VALIDATION",
      ["limit"],
    );
    expectError(
      await rest(h, otherKey, "GET", `/api/v1/sessions/${id}/webhook-deliveries`),
      404,
      "NOT_FOUND",
    );
  });
});
