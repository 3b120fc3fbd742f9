import { testBackends } from "@flowgate/db/testing";
import { SmtpEmailSender } from "@flowgate/engine";
import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { CREDIT_BALANCE, createKycQuestionnaire, GRANT_CREDITS, TestSmtpServer } from "./ddq-helpers.ts";
import { eventually, type Harness, startHarness } from "./harness.ts";
import {
  createWorkflowOverRest,
  expectError,
  expectSameKeys,
  gateGraph,
  payloadGraph,
  quickGraph,
  rest,
  sendCurl,
  sessionReaches,
  submittedSession,
} from "./rest-helpers.ts";

// The seeds' REST examples, sent as the seeds write them (host and ids replaced): each answers the seed's
// status with exactly the seed's response keys, and each error rule the seeds state has a case.

/** Seed 000's curl, verbatim. */
const seed000Curl = `$curl -X POST https://devapi.withverifa.com/api/v1/workflows/workflow_id/trigger \\
> -H "X-API-Key: <apiKey>" \\
> -H "Content-Type: application/json" \\
> -d '{
> "session_id": "ses_abc123"
>}'`;
const seed000Response = { session_id: "ses_abc123", workflow_id: "wfl_abc123", status: "processing" };

/** Seed 001's curl and response example. */
const seed001Curl = `$curl https://devapi.withverifa.com/api/v1/sessions/session_id/workflow-run \\
> -H "X-API-Key: <apiKey>"`;
const seed001Response = {
  id: "wfr_abc123",
  session_id: "ses_abc123",
  workflow_id: "wfl_abc123",
  status: "pending",
  created_at: "2024-01-15T09:30:00Z",
  final_status: "string",
  graph_snapshot: {},
  paused_at_node: "string",
  current_node: "string",
  node_results: {},
  started_at: "2024-01-15T09:30:00Z",
  completed_at: "2024-01-15T09:30:00Z",
  duration_ms: 1,
};

/** Seed 002's curl and response example. */
const seed002Curl = `$curl -X POST https://devapi.withverifa.com/api/v1/sessions/session_id/external-decision \\
> -H "X-API-Key: <apiKey>" \\
> -H "Content-Type: application/json" \\
> -d '{
> "decision": "continue"
>}'`;
const seed002Response = {
  session_id: "ses_abc123",
  decision: "continue",
  status: "processing",
  message: "External decision accepted. The workflow will resume shortly.",
};

/** Seed 003's Workflow Response Object (direct send example). */
const seed003Response = {
  workflow_session_id: "f47ac10b-58cc-4372-a567-0e02b2c3d479",
  status: "sent",
  email_sent: true,
  entity_id: "1b83f447-4a1e-4589-8a12-b8767e3c5426",
  entity_name: "Acme Corp",
  response_id: "d67177bf-6871-45bf-85f2-95a1e52ccc64",
  verification_session_id: null,
  steps: ["ddq"],
  expires_at: "2026-02-26T12:00:00Z",
};

/** Seed 004's curl and response example. */
const seed004Curl = `curl --request POST \\
  --url https://api.example.com/api/v1/workspaces/{workspace_id}/workflows/{workflow_id}/trigger \\
  --header 'Authorization: Bearer <token>' \\
  --header 'Content-Type: application/json' \\
  --data '
{
  "trigger_payload": {}
}
'`;
const seed004Response = {
  id: "3c90c3cc-0d44-4b50-8888-8dd25736052a",
  workflow_id: "3c90c3cc-0d44-4b50-8888-8dd25736052a",
  status: "<string>",
  created_at: "2023-11-07T05:31:56Z",
  triggered_by: "<string>",
  trigger_payload: {},
  started_at: "2023-11-07T05:31:56Z",
  completed_at: "2023-11-07T05:31:56Z",
  error_message: "<string>",
  total_cost_cents: 0,
  node_runs: [],
};
const seed004NodeRun = {
  id: "3c90c3cc-0d44-4b50-8888-8dd25736052a",
  workflow_run_id: "3c90c3cc-0d44-4b50-8888-8dd25736052a",
  workflow_node_id: "3c90c3cc-0d44-4b50-8888-8dd25736052a",
  status: "<string>",
  created_at: "2023-11-07T05:31:56Z",
  task_id: "3c90c3cc-0d44-4b50-8888-8dd25736052a",
  input_data: {},
  output_data: {},
  started_at: "2023-11-07T05:31:56Z",
  completed_at: "2023-11-07T05:31:56Z",
};

describe.each(testBackends())("REST conformance with the seeds (%s)", (backend) => {
  let h: Harness;
  let smtp: TestSmtpServer;
  let key: string;
  let otherKey: string;
  let quick: string;
  let gate: string;

  beforeAll(async () => {
    smtp = await TestSmtpServer.start();
    h = await startHarness(backend, { email: new SmtpEmailSender({ url: smtp.url }) });
    key = h.acme.keys.sandbox;
    otherKey = h.other.keys.sandbox;
    quick = await createWorkflowOverRest(h, key, quickGraph);
    gate = await createWorkflowOverRest(h, key, gateGraph);
  });
  afterAll(async () => {
    await h.close();
    await smtp.close();
  });
  beforeEach(() => smtp.acceptAll());

  it("seed 000: trigger a workflow on a completed session → 200 with the seed's keys; 401, 404, 409, 422", async () => {
    const sessionId = await submittedSession(h, key, quick);
    await sessionReaches(h, key, sessionId, "completed");

    const answer = await sendCurl(h, seed000Curl, {
      "<apiKey>": key,
      "/workflows/workflow_id/": `/workflows/${gate}/`,
      ses_abc123: sessionId,
    });
    expect(answer.status, JSON.stringify(answer.body)).toBe(200);
    expectSameKeys(answer.body, seed000Response);
    expect(answer.body).toEqual({ session_id: sessionId, workflow_id: gate, status: "processing" });

    // 409: the session is processing (or already awaiting the gate), not completed or failed.
    const conflict = await rest(h, key, "POST", `/api/v1/workflows/${gate}/trigger`, {
      session_id: sessionId,
    });
    expectError(conflict, 409, "CONFLICT");
    expect(["processing", "awaiting_external"]).toContain(conflict.body.error.details.current_status);
    // 422: session_id missing, named.
    expectError(await rest(h, key, "POST", `/api/v1/workflows/${gate}/trigger`, {}), 422, "VALIDATION", [
      "session_id",
    ]);
    // 404: an unknown workflow, an unknown session.
    expectError(
      await rest(h, key, "POST", "/api/v1/workflows/wfl_missing/trigger", { session_id: sessionId }),
      404,
      "NOT_FOUND",
    );
    expectError(
      await rest(h, key, "POST", `/api/v1/workflows/${gate}/trigger`, { session_id: "ses_missing" }),
      404,
      "NOT_FOUND",
    );
    // 401: no key, a wrong key (X-API-Key and Bearer).
    expectError(
      await rest(h, null, "POST", `/api/v1/workflows/${gate}/trigger`, { session_id: sessionId }),
      401,
      "UNAUTHENTICATED",
    );
    expectError(
      await rest(
        h,
        null,
        "POST",
        `/api/v1/workflows/${gate}/trigger`,
        { session_id: sessionId },
        {
          authorization: "Bearer fg_sandbox_wrong",
        },
      ),
      401,
      "UNAUTHENTICATED",
    );
  });

  it("seed 001: get the session's workflow run → 200 with exactly the seed's keys; 401, 404", async () => {
    const sessionId = await submittedSession(h, key, quick);
    await sessionReaches(h, key, sessionId, "completed");
    const answer = await sendCurl(h, seed001Curl, {
      "<apiKey>": key,
      "/sessions/session_id/": `/sessions/${sessionId}/`,
    });
    expect(answer.status).toBe(200);
    expectSameKeys(answer.body, seed001Response);
    expect(answer.body).toMatchObject({
      session_id: sessionId,
      workflow_id: quick,
      status: "completed",
      final_status: "approved",
      current_node: "approved",
      paused_at_node: null,
    });
    expect(answer.body.id).toMatch(/^run_|^wfr_/);
    expect(answer.body.graph_snapshot).toMatchObject({ entry: "start" });
    expect(answer.body.node_results.document).toMatchObject({
      policy: "document",
      status: "completed",
      routed_to: "approved",
    });
    expect(typeof answer.body.duration_ms).toBe("number");

    expectError(await rest(h, key, "GET", "/api/v1/sessions/ses_missing/workflow-run"), 404, "NOT_FOUND");
    // A created session has no run yet: 404 too.
    const fresh = await rest(h, key, "POST", "/api/v1/sessions", { workflow_id: quick });
    expectError(
      await rest(h, key, "GET", `/api/v1/sessions/${fresh.body.id}/workflow-run`),
      404,
      "NOT_FOUND",
    );
    expectError(
      await rest(h, null, "GET", `/api/v1/sessions/${sessionId}/workflow-run`),
      401,
      "UNAUTHENTICATED",
    );
  });

  it("seed 002: an external decision on a paused session → 200 with the seed's body; 401, 404, 409, 422", async () => {
    const sessionId = await submittedSession(h, key, gate);
    await sessionReaches(h, key, sessionId, "awaiting_external");
    const run = await rest(h, key, "GET", `/api/v1/sessions/${sessionId}/workflow-run`);
    expect(run.body).toMatchObject({ status: "paused", paused_at_node: "gate" });

    const answer = await sendCurl(h, seed002Curl, {
      "<apiKey>": key,
      "/sessions/session_id/": `/sessions/${sessionId}/`,
    });
    expect(answer.status).toBe(200);
    expectSameKeys(answer.body, seed002Response);
    expect(answer.body).toEqual({ ...seed002Response, session_id: sessionId });
    await sessionReaches(h, key, sessionId, "completed");

    // 409: no longer awaiting_external.
    const again = await rest(h, key, "POST", `/api/v1/sessions/${sessionId}/external-decision`, {
      decision: "continue",
    });
    expectError(again, 409, "CONFLICT");
    expect(again.body.error.details.current_status).toBe("completed");
    // 422: a decision that is not continue/fail/reject, named.
    expectError(
      await rest(h, key, "POST", `/api/v1/sessions/${sessionId}/external-decision`, { decision: "maybe" }),
      422,
      "VALIDATION",
      ["decision"],
    );
    expectError(
      await rest(h, key, "POST", "/api/v1/sessions/ses_missing/external-decision", { decision: "continue" }),
      404,
      "NOT_FOUND",
    );
    expectError(
      await rest(h, null, "POST", `/api/v1/sessions/${sessionId}/external-decision`, {
        decision: "continue",
      }),
      401,
      "UNAUTHENTICATED",
    );
  });

  it("seed 003: direct send, DDQ + verification and prefill → 201 Workflow Response Objects; then send/save/autofill", async () => {
    const questionnaireId = await createKycQuestionnaire(h, key);
    const direct = await rest(h, key, "POST", "/api/v1/workflows/send/", {
      entity: { legal_name: "Acme Corp", email: "ops@acme.example" },
      ddq: { questionnaire_id: questionnaireId },
      email: "rest-direct@acme.example",
    });
    expect(direct.status, JSON.stringify(direct.body)).toBe(201);
    expectSameKeys(direct.body, seed003Response);
    expect(direct.body).toMatchObject({
      status: "sent",
      email_sent: true,
      entity_name: "Acme Corp",
      steps: ["ddq"],
    });
    expect(smtp.to("rest-direct@acme.example")).toHaveLength(1);

    const both = await rest(h, key, "POST", "/api/v1/workflows/send/", {
      entity: { entity_type: "individual", first_name: "Jane", last_name: "Smith" },
      ddq: { questionnaire_id: questionnaireId },
      verification: { checks: { document: true, identity: true } },
      email: "jane@acme.example",
    });
    expect(both.status, JSON.stringify(both.body)).toBe(201);
    expectSameKeys(both.body, seed003Response);
    expect(both.body).toMatchObject({ entity_name: "Jane Smith", steps: ["ddq", "verification"] });
    expect(both.body.verification_session_id).toBeTruthy();

    const prefill = await rest(h, key, "POST", "/api/v1/workflows/send/", {
      entity: { legal_name: "Acme Corp", email: "prefill@acme.example" },
      ddq: { questionnaire_id: questionnaireId, prefill: true },
    });
    expect(prefill.status).toBe(201);
    expectSameKeys(prefill.body, seed003Response);
    expect(prefill.body).toMatchObject({
      workflow_session_id: null,
      status: "prefill_ready",
      email_sent: false,
      verification_session_id: null,
      expires_at: null,
    });
    const responseId = prefill.body.response_id as string;

    const saved = await rest(h, key, "PUT", `/api/v1/responses/${responseId}/save/`, {
      answers: { legal_name: "Acme Trading Ltd", employees: 42 },
    });
    expect(saved.status, JSON.stringify(saved.body)).toBe(200);
    expect(saved.body).toMatchObject({ id: responseId, status: "PREFILL" });
    // 2026-12-01: 202 with the queued job at once; poll it with GET /autofill-jobs/{id}/.
    const autofill = await rest(h, key, "POST", `/api/v1/responses/${responseId}/autofill/`);
    expect(autofill.status, JSON.stringify(autofill.body)).toBe(202);
    expect(autofill.body).toMatchObject({
      object: "autofill_job",
      response_id: responseId,
      provider: "builtin",
    });
    expect(autofill.body.id).toMatch(/^afj_/);
    const job = await eventually(async () => {
      const read = await rest(h, key, "GET", `/api/v1/autofill-jobs/${autofill.body.id}/`);
      expect(read.status, JSON.stringify(read.body)).toBe(200);
      return read.body.status === "SUCCEEDED" ? read.body : null;
    });
    expect(job).toMatchObject({ error: null, attempts: 1, finished_at: expect.any(String) });
    expect(job.filled_count).toBe(job.filled.length);
    expectError(await rest(h, key, "GET", "/api/v1/autofill-jobs/afj_missing/"), 404, "NOT_FOUND");
    // Before 2026-12-01 the request waits for the job and answers the filled answers, as autofill did
    // when it was synchronous.
    const synchronous = await rest(h, key, "POST", `/api/v1/responses/${responseId}/autofill/`, undefined, {
      "verifa-version": "2026-02-01",
    });
    expect(synchronous.status, JSON.stringify(synchronous.body)).toBe(200);
    expect(synchronous.body).toMatchObject({
      response: { id: responseId },
      filled: [],
      provider: { name: "builtin", deterministic: true },
      error: null,
      autofill_job_id: expect.stringMatching(/^afj_/),
    });

    const sent = await rest(h, key, "POST", `/api/v1/responses/${responseId}/send/`, {});
    expect(sent.status, JSON.stringify(sent.body)).toBe(200);
    expectSameKeys(sent.body, seed003Response);
    expect(sent.body).toMatchObject({ status: "sent", email_sent: true, response_id: responseId });
    expect(smtp.to("prefill@acme.example")).toHaveLength(1); // the entity's email, as the seed says

    // 400: the response is not PREFILL any more.
    const notPrefill = await rest(h, key, "POST", `/api/v1/responses/${responseId}/send/`, {});
    expectError(notPrefill, 400, "CONFLICT");
    // 404: an unknown response, an unknown questionnaire.
    expectError(await rest(h, key, "POST", "/api/v1/responses/rsp_missing/send/", {}), 404, "NOT_FOUND");
    expectError(
      await rest(h, key, "POST", "/api/v1/workflows/send/", {
        entity: { legal_name: "Acme" },
        ddq: { questionnaire_id: "qnr_missing" },
        email: "x@acme.example",
      }),
      404,
      "NOT_FOUND",
    );
  });

  it("seed 003: each 400 rule names the offending fields", async () => {
    const questionnaireId = await createKycQuestionnaire(h, key, "Rules DDQ");
    const send = (body: unknown) => rest(h, key, "POST", "/api/v1/workflows/send/", body);
    // Both entity_id and entity.
    expectError(
      await send({
        entity_id: "ent_x",
        entity: { legal_name: "A" },
        ddq: { questionnaire_id: questionnaireId },
        email: "a@b.example",
      }),
      400,
      "VALIDATION",
      ["entity"],
    );
    // Neither DDQ nor verification.
    expectError(await send({ entity: { legal_name: "A" }, email: "a@b.example" }), 400, "VALIDATION", [
      "ddq",
    ]);
    // Email missing on the direct path.
    expectError(
      await send({ entity: { legal_name: "A" }, ddq: { questionnaire_id: questionnaireId } }),
      400,
      "VALIDATION",
      ["email"],
    );
    // Verification for a company.
    const company = await send({
      entity: { legal_name: "A" },
      verification: { checks: { document: true } },
      email: "a@b.example",
    });
    expectError(company, 400, "VALIDATION", ["verification"]);
    // A missing required field of the entity block, and a wrongly typed field (zod).
    expectError(
      await send({
        entity: { entity_type: "individual" },
        ddq: { questionnaire_id: questionnaireId },
        email: "a@b.example",
      }),
      400,
      "VALIDATION",
    );
    expectError(
      await send({ entity: { legal_name: 5 }, ddq: { questionnaire_id: questionnaireId } }),
      400,
      "VALIDATION",
      ["entity.legal_name"],
    );
    // No email anywhere for a prefill response: 400.
    const prefill = await send({
      entity: { legal_name: "No Mail Ltd" },
      ddq: { questionnaire_id: questionnaireId, prefill: true },
    });
    expect(prefill.status).toBe(201);
    expectError(
      await rest(h, key, "POST", `/api/v1/responses/${prefill.body.response_id}/send/`, {}),
      400,
      "VALIDATION",
      ["email"],
    );
    // Malformed JSON.
    expectError(await rest(h, key, "POST", "/api/v1/workflows/send/", "{not json"), 400, "INVALID_JSON");
  });

  it("seed 003: email failure → 500, nothing charged, the response deleted (direct) or back to PREFILL (send)", async () => {
    const live = h.acme.keys.live;
    const questionnaireId = await createKycQuestionnaire(h, live, "Live DDQ");
    await h.gql(live, GRANT_CREDITS, { amount: 5, note: "rest test", idempotencyKey: `rest-${backend}` });
    const balance = async () => (await h.gql(live, CREDIT_BALANCE)).data.creditBalance.balance as number;
    const before = await balance();

    smtp.failNext(1);
    const failed = await rest(h, live, "POST", "/api/v1/workflows/send/", {
      entity: { legal_name: "Failing Mail Ltd" },
      ddq: { questionnaire_id: questionnaireId },
      email: "fails@acme.example",
    });
    expectError(failed, 500, "EMAIL_DELIVERY_FAILED");
    expect(failed.body.error.details).toMatchObject({ retryable: true, response_id: null });
    expect(await balance()).toBe(before);

    const prefill = await rest(h, live, "POST", "/api/v1/workflows/send/", {
      entity: { legal_name: "Prefill Mail Ltd" },
      ddq: { questionnaire_id: questionnaireId, prefill: true },
    });
    smtp.failNext(1);
    const sendFailed = await rest(h, live, "POST", `/api/v1/responses/${prefill.body.response_id}/send/`, {
      email: "fails-too@acme.example",
    });
    expectError(sendFailed, 500, "EMAIL_DELIVERY_FAILED");
    expect(sendFailed.body.error.details.response_id).toBe(prefill.body.response_id);
    expect(await balance()).toBe(before);
    // Retry: it works and charges one credit.
    const retried = await rest(h, live, "POST", `/api/v1/responses/${prefill.body.response_id}/send/`, {
      email: "fails-too@acme.example",
    });
    expect(retried.status).toBe(200);
    expect(await balance()).toBe(before - 1);
  });

  it("seed 004: trigger a workspace workflow with Bearer auth → the seed's run object; 401, 404, 422", async () => {
    const workflowId = await createWorkflowOverRest(h, key, payloadGraph, "payload");
    const answer = await sendCurl(h, seed004Curl, {
      "<token>": key,
      "{workspace_id}": h.acme.workspaceId,
      "{workflow_id}": workflowId,
    });
    expect(answer.status, JSON.stringify(answer.body)).toBe(200);
    expectSameKeys(answer.body, seed004Response);
    expect(answer.body).toMatchObject({ workflow_id: workflowId, trigger_payload: {}, total_cost_cents: 0 });
    for (const nodeRun of answer.body.node_runs) expectSameKeys(nodeRun, seed004NodeRun);

    // Another workspace's id in the path: 404.
    expectError(
      await rest(
        h,
        key,
        "POST",
        `/api/v1/workspaces/${h.other.workspaceId}/workflows/${workflowId}/trigger`,
        {},
      ),
      404,
      "NOT_FOUND",
    );
    expectError(
      await rest(h, key, "POST", `/api/v1/workspaces/${h.acme.workspaceId}/workflows/${workflowId}/trigger`, {
        trigger_payload: "nope",
      }),
      422,
      "VALIDATION",
      ["trigger_payload"],
    );
    expectError(
      await rest(
        h,
        null,
        "POST",
        `/api/v1/workspaces/${h.acme.workspaceId}/workflows/${workflowId}/trigger`,
        {},
      ),
      401,
      "UNAUTHENTICATED",
    );
    expect(otherKey).toBeTruthy();
  });

  it("Key-Inflection: camel answers camelCase and accepts camelCase bodies; caller data keeps its keys", async () => {
    const created = await rest(
      h,
      key,
      "POST",
      "/api/v1/sessions",
      { workflowId: quick, referenceId: "camel-1", metadata: { customer_ref: "x" } },
      { "key-inflection": "camel" },
    );
    expect(created.status, JSON.stringify(created.body)).toBe(201);
    expect(created.body).toMatchObject({
      workflowId: quick,
      referenceId: "camel-1",
      metadata: { customer_ref: "x" },
    });
    expect(created.body).not.toHaveProperty("workflow_id");
    const invalid = await rest(
      h,
      key,
      "POST",
      `/api/v1/workflows/${quick}/trigger`,
      {},
      { "key-inflection": "camel" },
    );
    expectError(invalid, 422, "VALIDATION", ["sessionId"]);
  });
});
