import { runRetention } from "@flowgate/application";
import { testBackends } from "@flowgate/db/testing";
import { sql } from "kysely";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createExampleWorkflow, HOLD, seedCompletedSession } from "./data-protection-helpers.ts";
import { eventually, type Harness, startHarness } from "./harness.ts";

const SET_POLICY = /* GraphQL */ `
  mutation ($redact: Int, $abandoned: Int) {
    setRetentionPolicy(redactAfterDays: $redact, deleteAbandonedAfterDays: $abandoned) {
      __typename
      ... on RetentionPolicy { redactAfterDays deleteAbandonedAfterDays }
      ... on ValidationError { issues { path message } }
    }
  }
`;
const PREVIEW = /* GraphQL */ `query ($at: DateTime) { retentionPreview(at: $at) { redact delete } }`;
const dayMs = 86_400_000;

describe.each(testBackends())("retention with a fake clock (%s)", (backend) => {
  let h: Harness;
  let key: string;

  beforeAll(async () => {
    h = await startHarness(backend);
    key = h.acme.keys.sandbox;
  });
  afterAll(() => h.close());

  it("redacts final sessions after N days and deletes abandoned ones after M days, respecting legal holds", async () => {
    const workflowId = await createExampleWorkflow(h, key);
    const old = await seedCompletedSession(h, key, workflowId);
    const held = await seedCompletedSession(h, key, workflowId);
    await h.gql(key, HOLD, { sessionId: held, reason: "court order 12" });
    const abandoned = (await h.gql(key, `mutation { createSession { ... on Session { id } } }`)).data
      .createSession.id;

    const invalid = await h.gql(key, SET_POLICY, { redact: 0, abandoned: 14 });
    expect(invalid.data.setRetentionPolicy).toMatchObject({
      __typename: "ValidationError",
      issues: [{ path: ["redactAfterDays"] }],
    });
    const set = await h.gql(key, SET_POLICY, { redact: 30, abandoned: 14 });
    expect(set.data.setRetentionPolicy).toEqual({
      __typename: "RetentionPolicy",
      redactAfterDays: 30,
      deleteAbandonedAfterDays: 14,
    });

    // Today nothing is due; 40 days on (the fake clock), the old session and the abandoned one are.
    expect((await h.gql(key, PREVIEW, {})).data.retentionPreview).toEqual({ redact: 0, delete: 0 });
    const later = new Date(Date.now() + 40 * dayMs);
    expect((await h.gql(key, PREVIEW, { at: later.toISOString() })).data.retentionPreview).toEqual({
      redact: 1,
      delete: 1,
    });
    expect(await runRetention(h.app, new Date(Date.now() + 10 * dayMs))).toEqual({ redacted: 0, deleted: 0 });
    expect(await runRetention(h.app, later)).toEqual({ redacted: 1, deleted: 1 });

    const rows = await sql<{
      id: string;
      redacted_by: string | null;
      metadata: unknown;
    }>`select id, redacted_by,
      metadata from sessions where id in (${old}, ${held}, ${abandoned}) order by id`.execute(h.database.db);
    const byId = Object.fromEntries(rows.rows.map((r) => [r.id, r]));
    expect(byId[old]).toMatchObject({ redacted_by: "retention", metadata: {} });
    expect(byId[held]?.redacted_by).toBeNull();
    expect(byId[abandoned]).toBeUndefined();
    expect((await h.gql(key, PREVIEW, { at: later.toISOString() })).data.retentionPreview).toEqual({
      redact: 0,
      delete: 0,
    });
    // Another workspace has no policy: its preview is empty.
    expect(
      (await h.gql(h.other.keys.sandbox, PREVIEW, { at: later.toISOString() })).data.retentionPreview,
    ).toEqual({
      redact: 0,
      delete: 0,
    });
  });

  it("runs as a durable daily job that reschedules itself", async () => {
    const job = await eventually(async () => {
      const found = await sql<{ run_at: Date; locked_by: string | null }>`select run_at, locked_by from jobs
        where id = 'job_retention_daily'`.execute(h.database.db);
      const row = found.rows[0];
      return row && row.run_at.getTime() > Date.now() + 23 * 3600_000 && !row.locked_by ? row : undefined;
    });
    expect(job.run_at.getTime()).toBeLessThan(Date.now() + 25 * 3600_000);
  });
});
