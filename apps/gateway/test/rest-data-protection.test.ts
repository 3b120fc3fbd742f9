import { execFileSync } from "node:child_process";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { testBackends } from "@flowgate/db/testing";
import { strFromU8, unzipSync } from "fflate";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import {
  createExampleWorkflow,
  HOLD,
  personalValues,
  RELEASE,
  seedCompletedSession,
} from "./data-protection-helpers.ts";
import { eventually, type Harness, startHarness } from "./harness.ts";
import { expectError, rest } from "./rest-helpers.ts";

/** The PDF's text, extracted with poppler's pdftotext. */
function pdfText(pdf: Buffer): string {
  const dir = mkdtempSync(join(tmpdir(), "rest-report-"));
  try {
    const file = join(dir, "report.pdf");
    writeFileSync(file, pdf);
    return execFileSync("/usr/bin/pdftotext", ["-layout", file, "-"], { encoding: "utf8" });
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

/** Main's session mutations that would write to a session again; each must refuse a redacted one. */
const MUTATIONS: { name: string; query: string; vars: (id: string) => Record<string, unknown> }[] = [
  {
    name: "updateSession",
    query: `mutation ($id: ID!) { updateSession(id: $id, metadata: { note: "x" }) { __typename ... on ConflictError { message currentStatus } } }`,
    vars: (id) => ({ id }),
  },
  {
    name: "addSessionTag",
    query: `mutation ($id: ID!) { addSessionTag(sessionId: $id, tag: "vip") { __typename ... on ConflictError { message currentStatus } } }`,
    vars: (id) => ({ id }),
  },
  {
    name: "resumeSession",
    query: `mutation ($id: ID!) { resumeSession(id: $id) { __typename ... on ConflictError { message currentStatus } } }`,
    vars: (id) => ({ id }),
  },
  {
    name: "reprocessSession",
    query: `mutation ($id: ID!) { reprocessSession(id: $id, reason: "again") { __typename ... on ConflictError { message currentStatus } } }`,
    vars: (id) => ({ id }),
  },
  {
    name: "createVerificationLink",
    query: `mutation ($id: ID!) { createVerificationLink(sessionId: $id) { __typename ... on ConflictError { message currentStatus } } }`,
    vars: (id) => ({ id }),
  },
  {
    name: "resendSessionInvitation",
    query: `mutation ($id: ID!) { resendSessionInvitation(sessionId: $id, email: "new@example.org") { __typename ... on ConflictError { message currentStatus } } }`,
    vars: (id) => ({ id }),
  },
  {
    name: "simulateSessionAction",
    query: `mutation ($id: ID!) { simulateSessionAction(sessionId: $id, action: "complete_capture") { __typename ... on ConflictError { message currentStatus } } }`,
    vars: (id) => ({ id }),
  },
];

describe.each(testBackends())("REST data protection (%s)", (backend) => {
  let h: Harness;
  let key: string;
  let workflowId: string;

  beforeAll(async () => {
    h = await startHarness(backend);
    key = h.acme.keys.sandbox;
    workflowId = await createExampleWorkflow(h, key);
  });
  afterAll(() => h.close());

  it("serves the PDF report and a DSAR export of a session", async () => {
    const sessionId = await seedCompletedSession(h, key, workflowId, { document: true });
    const report = await fetch(
      `${h.server.url.replace(/\/graphql$/, "")}/api/v1/sessions/${sessionId}/report.pdf`,
      {
        headers: { "x-api-key": key },
      },
    );
    expect(report.status).toBe(200);
    expect(report.headers.get("content-type")).toBe("application/pdf");
    const text = pdfText(Buffer.from(await report.arrayBuffer()));
    expect(text).toContain(sessionId);
    expect(text).toContain(personalValues.referenceId);

    const exported = await rest(h, key, "POST", `/api/v1/sessions/${sessionId}/export`);
    expect(exported.status).toBe(201);
    expect(exported.body).toMatchObject({ subject_type: "session", subject_id: sessionId });
    expect(exported.body.id).toMatch(/^dsx_/);
    const zip = unzipSync(new Uint8Array(await (await fetch(exported.body.url)).arrayBuffer()));
    expect(strFromU8(zip["records.json"]!)).toContain(personalValues.documentNumber);
    const files = Object.keys(zip).filter((path) => path.includes("/files/session_documents/"));
    expect(files).toHaveLength(1);
    expect(files[0]).toMatch(new RegExp(`${personalValues.documentName}$`));

    const foreign = await rest(h, h.other.keys.sandbox, "POST", `/api/v1/sessions/${sessionId}/export`);
    expectError(foreign, 404, "NOT_FOUND");
    const foreignReport = await rest(
      h,
      h.other.keys.sandbox,
      "GET",
      `/api/v1/sessions/${sessionId}/report.pdf`,
    );
    expectError(foreignReport, 404, "NOT_FOUND");
  });

  it("redacts with DELETE (reason in the body or the query), names a legal hold, and is idempotent", async () => {
    const sessionId = await seedCompletedSession(h, key, workflowId);
    const noReason = await rest(h, key, "DELETE", `/api/v1/sessions/${sessionId}`);
    expectError(noReason, 422, "VALIDATION", ["reason"]);

    const hold = await h.gql(key, HOLD, { sessionId, reason: "litigation hold: case 7" });
    const held = await rest(h, key, "DELETE", `/api/v1/sessions/${sessionId}?reason=erasure`);
    expectError(held, 409, "CONFLICT");
    expect(held.body.error.details).toMatchObject({
      hold_id: hold.data.legalHold.id,
      hold_reason: "litigation hold: case 7",
    });
    await h.gql(key, RELEASE, { sessionId, reason: "case closed" });

    const foreign = await rest(h, h.other.keys.sandbox, "DELETE", `/api/v1/sessions/${sessionId}?reason=x`);
    expectError(foreign, 404, "NOT_FOUND");

    const redacted = await rest(h, key, "DELETE", `/api/v1/sessions/${sessionId}?reason=GDPR%20Art.%2017`);
    expect(redacted.status).toBe(200);
    expect(redacted.body).toMatchObject({
      id: sessionId,
      status: "completed",
      result: "approved",
      reference_id: null,
      metadata: {},
      redacted: true,
      changed: true,
      redaction: { reason: "GDPR Art. 17" },
    });
    const again = await rest(h, key, "DELETE", `/api/v1/sessions/${sessionId}`, { reason: "again" });
    expect(again.status).toBe(200);
    expect(again.body).toMatchObject({ changed: false, redaction: { reason: "GDPR Art. 17" } });

    // The report shows the redaction and none of the removed data.
    const report = await fetch(
      `${h.server.url.replace(/\/graphql$/, "")}/api/v1/sessions/${sessionId}/report.pdf`,
      {
        headers: { "x-api-key": key },
      },
    );
    const text = pdfText(Buffer.from(await report.arrayBuffer()));
    expect(text.toLowerCase()).toContain("redact");
    expect(text).not.toContain(personalValues.referenceId);

    // Main's session mutations refuse a redacted session with a conflict that says so.
    for (const mutation of MUTATIONS) {
      const answer = await h.gql(key, mutation.query, mutation.vars(sessionId));
      expect(answer.data[mutation.name], mutation.name).toMatchObject({
        __typename: "ConflictError",
        currentStatus: "redacted",
      });
      expect(answer.data[mutation.name].message).toMatch(/redacted/);
    }
  });

  it("access-logs REST reads of sessions: one, a page, a workflow run (channel rest)", async () => {
    const sessionId = await seedCompletedSession(h, key, workflowId);
    expect((await rest(h, key, "GET", `/api/v1/sessions/${sessionId}`)).status).toBe(200);
    expect((await rest(h, key, "GET", `/api/v1/sessions/${sessionId}/workflow-run`)).status).toBe(200);
    expect((await rest(h, key, "GET", "/api/v1/sessions?limit=100")).status).toBe(200);
    await eventually(async () => {
      const rows = await h.database.db
        .selectFrom("access_log")
        .select(["record_type", "fields"])
        .where("session_id", "=", sessionId)
        .where("channel", "=", "rest")
        .execute();
      const types = rows.map((row) => row.record_type).sort();
      return types.join(",") === "Run,Session,Session";
    });
    // Another workspace's read is refused and logs nothing.
    expect((await rest(h, h.other.keys.sandbox, "GET", `/api/v1/sessions/${sessionId}`)).status).toBe(404);
  });

  it("documents the routes in the OpenAPI document", async () => {
    const doc = await rest(h, null, "GET", "/api/v1/openapi.json");
    expect(doc.status).toBe(200);
    expect(Object.keys(doc.body.paths["/api/v1/sessions/{session_id}"])).toContain("delete");
    expect(doc.body.paths["/api/v1/sessions/{session_id}/report.pdf"].get.tags).toEqual(["Data protection"]);
    expect(doc.body.paths["/api/v1/sessions/{session_id}/export"].post.responses["201"]).toBeDefined();
    expect(doc.body.paths["/api/v1/sessions/bulk-redact"].post.responses["202"]).toBeDefined();
    expect(doc.body.paths["/api/v1/bulk-operations/{operation_id}"].get.tags).toEqual(["Data protection"]);
  });

  it("bulk redacts by ids: 202 with the operation, polled to completed, a held session skipped naming the hold", async () => {
    const free = await seedCompletedSession(h, key, workflowId);
    const held = await seedCompletedSession(h, key, workflowId);
    await h.gql(key, HOLD, { sessionId: held, reason: "litigation hold: case 9" });

    expectError(
      await rest(h, key, "POST", "/api/v1/sessions/bulk-redact", { session_ids: [free] }),
      422,
      "VALIDATION",
      ["reason"],
    );
    expectError(
      await rest(h, key, "POST", "/api/v1/sessions/bulk-redact", { reason: "erasure" }),
      422,
      "VALIDATION",
    );

    const started = await rest(h, key, "POST", "/api/v1/sessions/bulk-redact", {
      session_ids: [free, held],
      reason: "GDPR Art. 17 batch",
    });
    expect(started.status).toBe(202);
    expect(started.body).toMatchObject({ kind: "redact_sessions", total: 2, reason: "GDPR Art. 17 batch" });
    expect(started.body.id).toMatch(/^blk_/);
    const done = await eventually(async () => {
      const answer = await rest(h, key, "GET", `/api/v1/bulk-operations/${started.body.id}`);
      return answer.body.status === "completed" ? answer : undefined;
    }, 30_000);
    expect(done.body).toMatchObject({ total: 2, processed: 2, succeeded: 1, skipped: 1, failed: 0 });
    expect(done.body.failures).toEqual([
      { session_id: held, status: "skipped", error: expect.stringContaining("litigation hold: case 9") },
    ]);
    const redacted = await rest(h, key, "GET", `/api/v1/sessions/${free}`);
    expect(redacted.body.reference_id).toBeNull();
    const kept = await rest(h, key, "GET", `/api/v1/sessions/${held}`);
    expect(kept.body.reference_id).toBe(personalValues.referenceId);

    const foreign = await rest(h, h.other.keys.sandbox, "GET", `/api/v1/bulk-operations/${started.body.id}`);
    expectError(foreign, 404, "NOT_FOUND");
  });
});
