import { testBackends } from "@flowgate/db/testing";
import { sql } from "kysely";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import {
  capturingLogger,
  createExampleWorkflow,
  dumpAllRows,
  HOLD,
  personalValues,
  REDACT,
  RELEASE,
  scanFor,
  scannedFragments,
  seedCompletedSession,
} from "./data-protection-helpers.ts";
import { SEND_WORKFLOW } from "./ddq-helpers.ts";
import { TRIGGER } from "./fixtures.ts";
import { eventually, type Harness, startHarness } from "./harness.ts";
import { startReceiver, type WebhookReceiver } from "./webhook-receiver.ts";

const SET_WORKSPACE = /* GraphQL */ `
  mutation ($id: ID!, $settings: WorkspaceSettingsInput!) {
    updateWorkspace(id: $id, settings: $settings) { __typename ... on Error { message } }
  }
`;
const CREATE_ENDPOINT = /* GraphQL */ `
  mutation ($url: String!) {
    createWebhookEndpoint(url: $url, events: ["*"]) {
      __typename
      ... on WebhookEndpointWithSecret { endpoint { id } }
      ... on Error { message }
    }
  }
`;

/** The audit skeleton of a session: what a redaction must keep, row for row. */
async function skeleton(h: Harness, sessionId: string) {
  const db = h.database.db;
  const session = await sql<Record<string, unknown>>`select id, status, result, workflow_id, created_at,
    submitted_at, completed_at from sessions where id = ${sessionId}`.execute(db);
  const runs = await sql<
    Record<string, unknown>
  >`select id, status, final_status, workflow_version, graph_snapshot,
    last_seq, triggered_by from runs where session_id = ${sessionId} order by id`.execute(db);
  const runIds = runs.rows.map((r) => r.id as string);
  const nodeRuns = runIds.length
    ? await sql<
        Record<string, unknown>
      >`select id, workflow_node_id, status, result, routed_to, attempts, started_at
        from node_runs where run_id in (${sql.join(runIds)}) order by step`.execute(db)
    : { rows: [] };
  const events = runIds.length
    ? await sql<Record<string, unknown>>`select run_id, seq, type, data->>'nodeId' as node_id,
        data->>'result' as result, data->>'finalStatus' as final_status, data->>'decision' as decision
        from run_events where run_id in (${sql.join(runIds)}) order by run_id, seq`.execute(db)
    : { rows: [] };
  const auditRows = runIds.length
    ? await sql<Record<string, unknown>>`select id, action, actor, reason from run_audit
        where run_id in (${sql.join(runIds)}) and action <> 'redact' order by id`.execute(db)
    : { rows: [] };
  const links = await sql<Record<string, unknown>>`select id, entity_id, token_hash, expires_at, email_sent_at
    from workflow_sessions where verification_session_id = ${sessionId}`.execute(db);
  return {
    session: session.rows,
    runs: runs.rows,
    nodeRuns: nodeRuns.rows,
    events: events.rows,
    audit: auditRows.rows,
    links: links.rows,
  };
}

describe.each(testBackends())("redactSession and legal holds (%s)", (backend) => {
  let h: Harness;
  let key: string;
  let workflowId: string;
  let keyId: string;
  let receiver: WebhookReceiver;
  const captured = capturingLogger();

  beforeAll(async () => {
    h = await startHarness(backend, {
      logger: captured.logger,
      env: { FLOWGATE_WEBHOOK_RETRY_BASE_MS: "50", FLOWGATE_WEBHOOK_TIMEOUT_MS: "2000" },
    });
    key = h.acme.keys.sandbox;
    workflowId = await createExampleWorkflow(h, key);
    // A webhook receiver on 127.0.0.1 that echoes the start of each body in its answer: the delivery bodies
    // (outbox) and the stored answers (attempts) both copy the session's personal data.
    receiver = await startReceiver((request) => ({ status: 200, body: request.body.slice(0, 1500) }));
    const set = await h.gql(key, SET_WORKSPACE, {
      id: h.acme.workspaceId,
      settings: { allowPrivateTaskUrls: true },
    });
    expect(set.data.updateWorkspace.__typename).toBe("Workspace");
    const endpoint = await h.gql(key, CREATE_ENDPOINT, { url: receiver.url });
    expect(endpoint.data.createWebhookEndpoint.__typename).toBe("WebhookEndpointWithSecret");
    const row = await sql<{ id: string }>`select id from api_keys
      where workspace_id = ${h.acme.workspaceId} and environment = 'sandbox'`.execute(h.database.db);
    keyId = row.rows[0]!.id;
  });
  afterAll(async () => {
    await h.close();
    await receiver.close();
  });

  it("removes every personal value from every table and log line, and keeps the audit skeleton", async () => {
    const sessionId = await seedCompletedSession(h, key, workflowId, { document: true });
    // Its `session.completed` delivery went out: body in the outbox, the echo in the attempt.
    await eventually(
      async () =>
        receiver.received.some(
          (r) => r.payload.type === "session.completed" && r.payload.data.id === sessionId,
        ),
      20_000,
    );
    await eventually(async () => {
      const rows = await sql<{ n: number }>`select count(*)::int as n from webhook_deliveries
        where session_id = ${sessionId} and status = 'pending'`.execute(h.database.db);
      return rows.rows[0]?.n === 0;
    }, 20_000);
    // A second session, created by a recipient send: its link and email carry the recipient's address.
    const sent = await h.gql(key, SEND_WORKFLOW, {
      entity: { entityType: "individual", firstName: "Ident", lastName: "Subject" },
      verification: { checks: { document: true } },
      email: personalValues.linkEmail,
    });
    expect(sent.data.sendWorkflow.__typename).toBe("WorkflowResponse");
    const linkedSessionId = sent.data.sendWorkflow.verificationSessionId as string;

    const before = scanFor(scannedFragments, await dumpAllRows(h));
    // The scan finds the data where it was put (sessions, runs, node runs, events, audit, links, emails).
    for (const table of [
      "sessions",
      "runs",
      "node_runs",
      "run_audit",
      "workflow_sessions",
      "email_outbox",
      "session_checks",
      "session_check_attempts",
      "session_documents",
      "webhook_events",
      "webhook_attempts",
    ]) {
      expect(before.where.some((w) => w.endsWith(` in ${table}`))).toBe(true);
    }
    const kept = await skeleton(h, sessionId);
    const keptLinked = await skeleton(h, linkedSessionId);
    expect(kept.nodeRuns.length).toBeGreaterThanOrEqual(4);

    const redacted = await h.gql(key, REDACT, { sessionId, reason: "GDPR Art. 17 request #1" });
    expect(redacted.data.redactSession).toMatchObject({
      __typename: "RedactSessionPayload",
      changed: true,
      session: {
        id: sessionId,
        status: "completed",
        result: "approved",
        redacted: true,
        redaction: { by: keyId, reason: "GDPR Art. 17 request #1" },
      },
    });
    const linked = await h.gql(key, REDACT, {
      sessionId: linkedSessionId,
      reason: "GDPR Art. 17 request #2",
    });
    expect(linked.data.redactSession.changed).toBe(true);

    const after = scanFor(scannedFragments, await dumpAllRows(h), captured.lines);
    console.log(
      `redaction scan (${backend}): ${before.hits} hits before, ${after.hits} after, over every table and ${captured.lines.length} log lines`,
    );
    expect(after.where).toEqual([]);
    expect(after.hits).toBe(0);
    expect(captured.lines.length).toBeGreaterThan(0);

    // The uploaded document is gone with its row; the links are revoked; `session.redacted` went out
    // without personal data.
    const documents = await sql<{ n: number }>`select count(*)::int as n from session_documents
      where session_id = ${sessionId}`.execute(h.database.db);
    expect(documents.rows[0]?.n).toBe(0);
    const activeLinks = await sql<{ n: number }>`select count(*)::int as n from verification_links
      where session_id = ${sessionId} and revoked_at is null`.execute(h.database.db);
    expect(activeLinks.rows[0]?.n).toBe(0);
    await eventually(
      async () =>
        receiver.received.some(
          (r) => r.payload.type === "session.redacted" && r.payload.data.id === sessionId,
        ),
      20_000,
    );
    const redactedEvent = receiver.received.find(
      (r) => r.payload.type === "session.redacted" && r.payload.data.id === sessionId,
    );
    expect(redactedEvent?.payload.data).toMatchObject({
      object: "session",
      id: sessionId,
      status: "completed",
      result: "approved",
      redacted_by: keyId,
    });
    expect(scanFor(scannedFragments, [{ table: "hook", text: redactedEvent?.body ?? "" }]).hits).toBe(0);
    expect(scanFor(scannedFragments, await dumpAllRows(h), captured.lines).hits).toBe(0);

    expect(await skeleton(h, sessionId)).toEqual(kept);
    expect(await skeleton(h, linkedSessionId)).toEqual(keptLinked);
    const trail = await h.gql(
      key,
      `query ($id: ID!) { session(id: $id) { metadata referenceId workflowRun { auditTrail { action actor reason } nodeRuns { result outputData } } } }`,
      { id: sessionId },
    );
    const run = trail.data.session.workflowRun;
    expect(trail.data.session).toMatchObject({ metadata: {}, referenceId: null });
    expect(run.auditTrail.map((a: { action: string }) => a.action)).toEqual(["submit", "decision", "redact"]);
    expect(run.auditTrail[2]).toMatchObject({ actor: keyId, reason: "GDPR Art. 17 request #1" });
    const aml = run.nodeRuns.find((n: { outputData: unknown }) =>
      JSON.stringify(n.outputData).includes("score"),
    );
    expect(aml.outputData).toEqual({ score: 85, redacted: true });
  });

  it("is idempotent, and a redacted session cannot be triggered, submitted or decided again", async () => {
    const sessionId = await seedCompletedSession(h, key, workflowId);
    const first = await h.gql(key, REDACT, { sessionId, reason: "erasure" });
    const again = await h.gql(key, REDACT, { sessionId, reason: "erasure, again" });
    expect(again.data.redactSession).toMatchObject({
      changed: false,
      session: { redaction: { reason: "erasure", at: first.data.redactSession.session.redaction.at } },
    });
    const triggered = await h.gql(key, TRIGGER, { workflowId, sessionId });
    expect(triggered.data.triggerWorkflow).toMatchObject({
      __typename: "ConflictError",
      currentStatus: "redacted",
    });
    expect(triggered.data.triggerWorkflow.message).toMatch(/redacted/);
    const audits = await sql<{
      n: number;
    }>`select count(*)::int as n from run_audit a join runs r on r.id = a.run_id
      where r.session_id = ${sessionId} and a.action = 'redact'`.execute(h.database.db);
    expect(audits.rows[0]?.n).toBe(1);
  });

  it("refuses to redact a session under legal hold, naming the hold, until it is released", async () => {
    const sessionId = await seedCompletedSession(h, key, workflowId);
    const hold = await h.gql(key, HOLD, { sessionId, reason: "litigation hold: case 2026-118" });
    expect(hold.data.legalHold).toMatchObject({ __typename: "LegalHold", active: true, sessionId });
    const holdId = hold.data.legalHold.id as string;
    const second = await h.gql(key, HOLD, { sessionId, reason: "again" });
    expect(second.data.legalHold).toMatchObject({ __typename: "ConflictError", currentStatus: "held" });

    const refused = await h.gql(key, REDACT, { sessionId, reason: "erasure" });
    expect(refused.data.redactSession).toMatchObject({
      __typename: "LegalHoldError",
      holdId,
      holdReason: "litigation hold: case 2026-118",
      sessionId,
    });
    expect(refused.data.redactSession.message).toContain(holdId);
    const stillThere = await sql<{ n: number }>`select count(*)::int as n from sessions
      where id = ${sessionId} and reference_id = ${personalValues.referenceId}`.execute(h.database.db);
    expect(stillThere.rows[0]?.n).toBe(1);

    const released = await h.gql(key, RELEASE, { sessionId, reason: "case closed" });
    expect(released.data.releaseLegalHold).toMatchObject({ active: false, releaseReason: "case closed" });
    const done = await h.gql(key, REDACT, { sessionId, reason: "erasure" });
    expect(done.data.redactSession.changed).toBe(true);
    const holds = await h.gql(key, `query ($id: ID!) { session(id: $id) { legalHolds { id active } } }`, {
      id: sessionId,
    });
    expect(holds.data.session.legalHolds).toEqual([{ id: holdId, active: false }]);
  });

  it("answers not found for another workspace's session and a validation error without a reason", async () => {
    const sessionId = await seedCompletedSession(h, key, workflowId);
    const foreign = await h.gql(h.other.keys.sandbox, REDACT, { sessionId, reason: "x" });
    expect(foreign.data.redactSession).toMatchObject({ __typename: "NotFoundError", resource: "Session" });
    const blank = await h.gql(key, REDACT, { sessionId, reason: "  " });
    expect(blank.data.redactSession).toMatchObject({
      __typename: "ValidationError",
      issues: [{ path: ["reason"] }],
    });
  });
});
