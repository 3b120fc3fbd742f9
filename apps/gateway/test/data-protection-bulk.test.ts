import {
  type Actor,
  Application,
  bulkRedactSessions,
  getBulkOperation,
  provisionWorkspace,
} from "@flowgate/application";
import { createTestDatabase, type TestDatabase, testBackends } from "@flowgate/db/testing";
import { Engine } from "@flowgate/engine";
import { sql } from "kysely";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createExampleWorkflow, HOLD, seedCompletedSession } from "./data-protection-helpers.ts";
import { eventually, type Harness, startHarness } from "./harness.ts";
import { type FlowgateProcess, startFlowgateProcess } from "./processes.ts";

const BULK = /* GraphQL */ `
  mutation ($sessionIds: [ID!], $filter: BulkSessionFilter, $reason: String!) {
    bulkRedactSessions(sessionIds: $sessionIds, filter: $filter, reason: $reason) {
      __typename
      ... on BulkOperation { id status total }
      ... on ValidationError { issues { path message } }
    }
  }
`;
const POLL = /* GraphQL */ `
  query ($id: ID!) {
    bulkOperation(id: $id) {
      id status total processed succeeded skipped failed failures { sessionId status error }
    }
  }
`;

describe.each(testBackends())("bulk redaction through GraphQL (%s)", (backend) => {
  let h: Harness;
  let key: string;
  let workflowId: string;

  beforeAll(async () => {
    h = await startHarness(backend);
    key = h.acme.keys.sandbox;
    workflowId = await createExampleWorkflow(h, key);
  });
  afterAll(() => h.close());

  it("redacts the listed sessions, skips a held one naming the hold, fails an unknown id; polled to completion", async () => {
    const ids = [
      await seedCompletedSession(h, key, workflowId),
      await seedCompletedSession(h, key, workflowId),
      await seedCompletedSession(h, key, workflowId),
    ];
    const held = await seedCompletedSession(h, key, workflowId);
    const hold = await h.gql(key, HOLD, { sessionId: held, reason: "regulator inquiry 9" });
    const foreign = await seedCompletedSession(
      h,
      h.other.keys.sandbox,
      await createExampleWorkflow(h, h.other.keys.sandbox),
    );

    const started = await h.gql(key, BULK, { sessionIds: [...ids, held, foreign], reason: "bulk erasure" });
    expect(started.data.bulkRedactSessions).toMatchObject({ __typename: "BulkOperation", total: 5 });
    const operationId = started.data.bulkRedactSessions.id;
    const done = await eventually(async () => {
      const polled = await h.gql(key, POLL, { id: operationId });
      return polled.data.bulkOperation.status === "completed" ? polled.data.bulkOperation : undefined;
    }, 30_000);
    expect(done).toMatchObject({ total: 5, processed: 5, succeeded: 3, skipped: 1, failed: 1 });
    expect(done.failures).toEqual([
      { sessionId: held, status: "skipped", error: expect.stringContaining(hold.data.legalHold.id) },
      { sessionId: foreign, status: "failed", error: `Session ${foreign} not found` },
    ]);
    const redacted = await sql<{ id: string }>`select id from sessions where redacted_at is not null`.execute(
      h.database.db,
    );
    expect(redacted.rows.map((r) => r.id).sort()).toEqual([...ids].sort());
    expect((await h.gql(h.other.keys.sandbox, POLL, { id: operationId })).data.bulkOperation).toBeNull();
  });

  it("takes a filter, and refuses both or neither of ids and filter", async () => {
    const both = await h.gql(key, BULK, {
      sessionIds: ["ses_x"],
      filter: { statuses: ["created"] },
      reason: "x",
    });
    expect(both.data.bulkRedactSessions).toMatchObject({
      __typename: "ValidationError",
      issues: [{ path: ["sessionIds"] }],
    });
    const created = await h.gql(key, `mutation { createSession { __typename ... on Session { id } } }`);
    const filtered = await h.gql(key, BULK, { filter: { statuses: ["created"] }, reason: "abandoned" });
    const operationId = filtered.data.bulkRedactSessions.id;
    const done = await eventually(async () => {
      const polled = await h.gql(key, POLL, { id: operationId });
      return polled.data.bulkOperation.status === "completed" ? polled.data.bulkOperation : undefined;
    }, 30_000);
    expect(done.succeeded).toBeGreaterThanOrEqual(1);
    const row = await sql<{ redacted_at: Date | null }>`select redacted_at from sessions
      where id = ${created.data.createSession.id}`.execute(h.database.db);
    expect(row.rows[0]?.redacted_at).toBeInstanceOf(Date);
  });
});

const sessionCount = Number(process.env.FLOWGATE_BULK_TEST_SESSIONS ?? 10_000);

/**
 * 10,000 sessions (bulk-seeded with SQL, each with personal metadata) are redacted by a worker process that
 * the test SIGKILLs part-way; a second worker finishes. Every session must be redacted exactly once and none
 * skipped: a trigger counts each session's transition to redacted.
 */
describe.skipIf(!process.env.DATABASE_URL)("bulk redaction survives a killed worker (postgres)", () => {
  let t: TestDatabase;
  let app: Application;
  let actor: Actor;
  const workers: FlowgateProcess[] = [];

  beforeAll(async () => {
    t = await createTestDatabase("postgres");
    app = new Application({ engine: new Engine({ db: t.db, worker: false }) });
    const ws = await provisionWorkspace(app, { organizationName: "o", workspaceName: "w" });
    actor = {
      workspaceId: ws.workspaceId,
      environment: "sandbox",
      keyId: "key_bulk_test",
      scopes: ["admin"],
    };
  });
  afterAll(async () => {
    await Promise.all(workers.map((w) => w.stop("SIGKILL")));
    await t?.close();
  });

  it(`redacts ${sessionCount} sessions exactly once across a SIGKILL`, async () => {
    await sql`insert into sessions (id, workspace_id, environment, status, result, reference_id, metadata, completed_at)
      select 'ses_bulk' || lpad(i::text, 6, '0'), ${actor.workspaceId}, 'sandbox', 'completed', 'approved',
        'ref-bulk-' || i, jsonb_build_object('fullName', 'Bulk Person ' || i, 'email', 'bulk' || i || '@example.org'),
        now() - interval '40 days'
      from generate_series(1, ${sessionCount}) as i`.execute(t.db);
    await sql`create table redaction_transitions (session_id text not null)`.execute(t.db);
    await sql`create function count_redaction() returns trigger language plpgsql as $$
      begin
        if old.redacted_at is null and new.redacted_at is not null then
          insert into redaction_transitions values (new.id);
        end if;
        return new;
      end $$`.execute(t.db);
    await sql`create trigger count_redaction after update on sessions for each row execute function count_redaction()`.execute(
      t.db,
    );

    const env = {
      DATABASE_URL: t.url!,
      FLOWGATE_DB_SCHEMA: t.schema!,
      FLOWGATE_LEASE_MS: "2000",
      FLOWGATE_POLL_INTERVAL_MS: "200",
      FLOWGATE_WORKER_CONCURRENCY: "2",
    };
    workers.push(await startFlowgateProcess("worker", env));
    const started = Date.now();
    const operation = await bulkRedactSessions(app, actor, {
      filter: { statuses: ["completed"] },
      reason: "retention sweep (test)",
    });
    expect(operation.total).toBe(sessionCount);

    // Kill the worker (SIGKILL: no drain) once about a third is done, then start another.
    const killAt = await eventually(async () => {
      const progress = await getBulkOperation(app, actor, operation.id);
      return progress && progress.processed >= sessionCount / 3 ? progress.processed : undefined;
    }, 120_000);
    await workers[0]!.stop("SIGKILL");
    const killedAt = Date.now();
    workers.push(await startFlowgateProcess("worker", env));
    const done = await eventually(async () => {
      const progress = await getBulkOperation(app, actor, operation.id);
      return progress?.status === "completed" ? progress : undefined;
    }, 180_000);
    const elapsedS = (Date.now() - started) / 1000;

    expect(done).toMatchObject({
      total: sessionCount,
      processed: sessionCount,
      succeeded: sessionCount,
      skipped: 0,
      failed: 0,
    });
    const transitions = await sql<{ n: number; distinct_n: number }>`select count(*)::int as n,
      count(distinct session_id)::int as distinct_n from redaction_transitions`.execute(t.db);
    expect(transitions.rows[0]).toEqual({ n: sessionCount, distinct_n: sessionCount });
    const left = await sql<{ n: number }>`select count(*)::int as n from sessions
      where metadata <> '{}'::jsonb or reference_id is not null or redacted_at is null`.execute(t.db);
    expect(left.rows[0]?.n).toBe(0);
    const pending = await sql<{ n: number }>`select count(*)::int as n from bulk_operation_items
      where operation_id = ${operation.id} and status <> 'succeeded'`.execute(t.db);
    expect(pending.rows[0]?.n).toBe(0);
    const beforeKill = killAt / ((killedAt - started) / 1000);
    console.log(
      `bulk redaction: ${sessionCount} sessions in ${elapsedS.toFixed(1)} s end to end (${(sessionCount / elapsedS).toFixed(0)} sessions/s, one worker process at a time, including a SIGKILL at ${killAt} processed and the replacement's start and lease expiry, ${((Date.now() - killedAt) / 1000).toFixed(1)} s from the kill to the end); ${beforeKill.toFixed(0)} sessions/s before the kill; 0 redacted twice, 0 skipped`,
    );
  }, 300_000);
});
