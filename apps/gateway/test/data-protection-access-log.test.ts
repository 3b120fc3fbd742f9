import { testBackends } from "@flowgate/db/testing";
import { sql } from "kysely";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createExampleWorkflow, seedCompletedSession } from "./data-protection-helpers.ts";
import { eventually, type Harness, startHarness } from "./harness.ts";

const READ_PERSONAL = /* GraphQL */ `
  query ($id: ID!) {
    session(id: $id) { id metadata referenceId workflowRun { id status decisionMetadata nodeRuns { outputData } } }
  }
`;
const READ_SKELETON = /* GraphQL */ `
  query ($id: ID!) { session(id: $id) { id status result workflowRun { id status nodeRuns { result } } } }
`;
const ACCESS_LOG = /* GraphQL */ `
  query ($id: ID!) { session(id: $id) { accessLog { id keyId recordType recordId sessionId fields channel at } } }
`;
const EXPORT = /* GraphQL */ `
  query ($after: String, $first: Int) {
    accessLog(after: $after, first: $first) {
      __typename
      ... on AccessLogPage { nextCursor entries { id keyId recordType recordId sessionId fields } }
      ... on ValidationError { issues { path message } }
    }
  }
`;

describe.each(testBackends())("access log of personal-data reads (%s)", (backend) => {
  let h: Harness;
  let key: string;
  let keyId: string;
  let sessionId: string;
  let runId: string;

  beforeAll(async () => {
    h = await startHarness(backend);
    key = h.acme.keys.sandbox;
    const workflowId = await createExampleWorkflow(h, key);
    sessionId = await seedCompletedSession(h, key, workflowId);
    const row = await sql<{ id: string }>`select id from api_keys
      where workspace_id = ${h.acme.workspaceId} and environment = 'sandbox'`.execute(h.database.db);
    keyId = row.rows[0]!.id;
  });
  afterAll(() => h.close());

  async function logOf(id: string, atLeast: number) {
    return eventually(async () => {
      const answer = await h.gql(key, ACCESS_LOG, { id });
      const entries = answer.data.session.accessLog as any[];
      return entries.length >= atLeast ? entries : undefined;
    });
  }

  it("records who read which personal fields of which record, one row per request and record", async () => {
    const before = await sql<{ n: number }>`select count(*)::int as n from access_log`.execute(h.database.db);
    // Setting up the session read no personal field through the API (mutations and status polls only).
    expect(before.rows[0]?.n).toBe(0);

    const read = await h.gql(key, READ_PERSONAL, { id: sessionId });
    runId = read.data.session.workflowRun.id;
    const entries = await logOf(sessionId, 2);
    expect(entries).toHaveLength(2);
    const byType = Object.fromEntries(entries.map((e) => [e.recordType, e]));
    expect(byType.Session).toMatchObject({
      keyId,
      recordId: sessionId,
      sessionId,
      channel: "graphql",
      fields: ["sessions.metadata", "sessions.reference_id"],
    });
    // Node runs are logged under their run: one row for the run with every personal field read of it.
    expect(byType.Run).toMatchObject({
      keyId,
      recordId: runId,
      sessionId,
      fields: ["node_runs.output_data", "runs.decision_metadata"],
    });

    // Reading only the audit skeleton logs nothing; a second personal read is a new row per record.
    await h.gql(key, READ_SKELETON, { id: sessionId });
    await h.gql(key, READ_PERSONAL, { id: sessionId });
    const after = await logOf(sessionId, 4);
    expect(after).toHaveLength(4);
    const total = await sql<{ n: number }>`select count(*)::int as n from access_log`.execute(h.database.db);
    expect(total.rows[0]?.n).toBe(4);
  });

  it("is append-only", async () => {
    await expect(sql`update access_log set key_id = 'key_forged'`.execute(h.database.db)).rejects.toThrow(
      /append-only/,
    );
  });

  it("exports the workspace's log a page at a time, and only the caller's workspace", async () => {
    const first = await h.gql(key, EXPORT, { first: 3 });
    expect(first.data.accessLog.entries).toHaveLength(3);
    const next = await h.gql(key, EXPORT, { first: 3, after: first.data.accessLog.nextCursor });
    expect(next.data.accessLog.entries).toHaveLength(1);
    expect(next.data.accessLog.nextCursor).toBeNull();
    const ids = [...first.data.accessLog.entries, ...next.data.accessLog.entries].map((e: any) =>
      Number(e.id),
    );
    expect(ids).toEqual([...ids].sort((a, b) => a - b));
    const other = await h.gql(h.other.keys.sandbox, EXPORT, {});
    expect(other.data.accessLog.entries).toEqual([]);
    const foreign = await h.gql(h.other.keys.sandbox, ACCESS_LOG, { id: sessionId });
    expect(foreign.data.session).toBeNull();
    const invalid = await h.gql(key, EXPORT, { first: 0 });
    expect(invalid.data.accessLog).toMatchObject({
      __typename: "ValidationError",
      issues: [{ path: ["first"] }],
    });
  });
});
