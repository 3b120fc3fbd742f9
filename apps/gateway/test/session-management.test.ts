import { testBackends } from "@flowgate/db/testing";
import { sql } from "kysely";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { CREATE_WORKFLOW, DECIDE, SUBMIT_SESSION, TRIGGER } from "./fixtures.ts";
import { eventually, type Harness, startHarness } from "./harness.ts";

const gateGraph = {
  entry: "start",
  nodes: [
    { id: "start", type: "start", next: "doc" },
    { id: "doc", type: "policy", policy: "document", routes: { pass: "gate", fail: "no" } },
    { id: "gate", type: "wait", on_continue: "ok" },
    { id: "ok", type: "terminal", outcome: "approved" },
    { id: "no", type: "terminal", outcome: "rejected" },
  ],
};

const SESSION_FIELDS = /* GraphQL */ `id status result referenceId metadata tags expiresAt`;
const CREATE = /* GraphQL */ `
  mutation ($workflowId: ID, $referenceId: String) {
    createSession(workflowId: $workflowId, referenceId: $referenceId) {
      __typename ... on Session { ${SESSION_FIELDS} } ... on Error { message }
    }
  }
`;
const ERRORS = /* GraphQL */ `
  ... on ConflictError { message currentStatus }
  ... on NotFoundError { message resource }
  ... on ValidationError { message issues { path message } }
`;
const UPDATE = /* GraphQL */ `
  mutation ($id: ID!, $referenceId: String, $metadata: JSONObject, $tags: [String!], $expiresAt: DateTime) {
    updateSession(id: $id, referenceId: $referenceId, metadata: $metadata, tags: $tags, expiresAt: $expiresAt) {
      __typename ... on Session { ${SESSION_FIELDS} } ${ERRORS}
    }
  }
`;
const ADD_TAG = /* GraphQL */ `
  mutation ($sessionId: ID!, $tag: String!) {
    addSessionTag(sessionId: $sessionId, tag: $tag) { __typename ... on Session { tags } ${ERRORS} }
  }
`;
const REMOVE_TAG = /* GraphQL */ `
  mutation ($sessionId: ID!, $tag: String!) {
    removeSessionTag(sessionId: $sessionId, tag: $tag) { __typename ... on Session { tags } ${ERRORS} }
  }
`;
const REPLACE_TAGS = /* GraphQL */ `
  mutation ($sessionId: ID!, $tags: [String!]!) {
    replaceSessionTags(sessionId: $sessionId, tags: $tags) { __typename ... on Session { tags } ${ERRORS} }
  }
`;
const BY_TAG = /* GraphQL */ `
  query ($tag: String, $status: SessionStatus) {
    sessions(first: 50, tag: $tag, status: $status) { edges { node { id tags } } }
  }
`;
const BY_DATE = /* GraphQL */ `
  query ($tag: String, $createdFrom: DateTime, $createdTo: DateTime, $first: Int, $after: String) {
    sessions(first: $first, after: $after, tag: $tag, createdFrom: $createdFrom, createdTo: $createdTo) {
      edges { node { id createdAt } }
      pageInfo { hasNextPage endCursor }
    }
  }
`;
const EXPIRE = /* GraphQL */ `
  mutation ($id: ID!, $reason: String) {
    expireSession(id: $id, reason: $reason) { __typename ... on Session { id status } ${ERRORS} }
  }
`;
const RESUME = /* GraphQL */ `
  mutation ($id: ID!, $expiresInSeconds: Int) {
    resumeSession(id: $id, expiresInSeconds: $expiresInSeconds) {
      __typename ... on ResumeSessionPayload { session { id status expiresAt } } ${ERRORS}
    }
  }
`;
const REPROCESS = /* GraphQL */ `
  mutation ($id: ID!, $reason: String) {
    reprocessSession(id: $id, reason: $reason) {
      __typename
      ... on ReprocessSessionPayload { previousRunId session { id status } run { id status } }
      ${ERRORS}
    }
  }
`;
const DETAILS = /* GraphQL */ `
  query ($id: ID!) {
    session(id: $id) {
      id status result expiresAt tags
      auditTrail { action actor reason data }
      workflowRun { id status finalStatus auditTrail { action reason } }
      runs { id status finalStatus auditTrail { action reason data } }
    }
  }
`;

describe.each(testBackends())("session management through GraphQL (%s)", (backend) => {
  let h: Harness;
  let key: string;
  let workflowId: string;

  beforeAll(async () => {
    h = await startHarness(backend);
    key = h.acme.keys.sandbox;
    const wf = await h.gql(key, CREATE_WORKFLOW, { name: "gate", graph: gateGraph });
    workflowId = wf.data.createWorkflow.id;
  });
  afterAll(() => h.close());

  async function create(referenceId?: string): Promise<string> {
    const { data } = await h.gql(key, CREATE, { workflowId, referenceId });
    return data.createSession.id;
  }

  async function details(id: string) {
    return (await h.gql(key, DETAILS, { id })).data.session;
  }

  it("updates reference, metadata, tags and expiry, moving the expiry timer, with an audit entry", async () => {
    const id = await create("ref-1");
    const expiresAt = new Date(Date.now() + 3 * 3600_000).toISOString();
    const { data } = await h.gql(key, UPDATE, {
      id,
      referenceId: "ref-2",
      metadata: { plan: "gold" },
      tags: ["vip", "eu", "vip"],
      expiresAt,
    });
    expect(data.updateSession).toMatchObject({
      __typename: "Session",
      referenceId: "ref-2",
      metadata: { plan: "gold" },
      tags: ["vip", "eu"],
      expiresAt,
    });
    const jobs = await h.database.db
      .selectFrom("jobs")
      .select("run_at")
      .where("session_id", "=", id)
      .execute();
    expect(jobs.map((j) => j.run_at.toISOString())).toEqual([expiresAt]);
    const session = await details(id);
    expect(session.auditTrail).toEqual([
      expect.objectContaining({ action: "update", actor: expect.stringMatching(/^key_/) }),
    ]);
    expect(session.auditTrail[0].data.fields.sort()).toEqual([
      "expiresAt",
      "metadata",
      "referenceId",
      "tags",
    ]);
  });

  it("refuses bad updates naming the field, and another workspace's session is not found", async () => {
    const id = await create();
    const badTag = await h.gql(key, UPDATE, { id, tags: ["ok", "not ok"] });
    expect(badTag.data.updateSession).toMatchObject({
      __typename: "ValidationError",
      issues: [{ path: ["tags", "1"] }],
    });
    const past = await h.gql(key, UPDATE, { id, expiresAt: new Date(Date.now() - 1000).toISOString() });
    expect(past.data.updateSession.issues[0].path).toEqual(["expiresAt"]);
    const nothing = await h.gql(key, UPDATE, { id });
    expect(nothing.data.updateSession.__typename).toBe("ValidationError");
    const foreign = await h.gql(h.other.keys.sandbox, UPDATE, { id, referenceId: "x" });
    expect(foreign.data.updateSession).toMatchObject({ __typename: "NotFoundError", resource: "Session" });
    const live = await h.gql(h.acme.keys.live, UPDATE, { id, referenceId: "x" });
    expect(live.data.updateSession.__typename).toBe("NotFoundError");
  });

  it("adds, removes and replaces tags, and filters sessions by tag", async () => {
    const a = await create();
    const b = await create();
    expect((await h.gql(key, ADD_TAG, { sessionId: a, tag: "blue" })).data.addSessionTag.tags).toEqual([
      "blue",
    ]);
    expect((await h.gql(key, ADD_TAG, { sessionId: a, tag: "blue" })).data.addSessionTag.tags).toEqual([
      "blue",
    ]);
    expect((await h.gql(key, ADD_TAG, { sessionId: a, tag: "red" })).data.addSessionTag.tags).toEqual([
      "blue",
      "red",
    ]);
    expect((await h.gql(key, ADD_TAG, { sessionId: b, tag: "red" })).data.addSessionTag.tags).toEqual([
      "red",
    ]);
    const bad = await h.gql(key, ADD_TAG, { sessionId: b, tag: "no spaces" });
    expect(bad.data.addSessionTag).toMatchObject({
      __typename: "ValidationError",
      issues: [{ path: ["tag"] }],
    });

    const red = await h.gql(key, BY_TAG, { tag: "red" });
    expect(red.data.sessions.edges.map((e: any) => e.node.id).sort()).toEqual([a, b].sort());
    const blue = await h.gql(key, BY_TAG, { tag: "blue" });
    expect(blue.data.sessions.edges.map((e: any) => e.node.id)).toEqual([a]);
    // Another workspace sees none of them.
    const foreign = await h.gql(h.other.keys.sandbox, BY_TAG, { tag: "red" });
    expect(foreign.data.sessions.edges).toEqual([]);

    expect((await h.gql(key, REMOVE_TAG, { sessionId: a, tag: "blue" })).data.removeSessionTag.tags).toEqual([
      "red",
    ]);
    expect(
      (await h.gql(key, REMOVE_TAG, { sessionId: a, tag: "absent" })).data.removeSessionTag.tags,
    ).toEqual(["red"]);
    const replaced = await h.gql(key, REPLACE_TAGS, { sessionId: a, tags: ["x", "y", "x"] });
    expect(replaced.data.replaceSessionTags.tags).toEqual(["x", "y"]);
    const cleared = await h.gql(key, REPLACE_TAGS, { sessionId: b, tags: [] });
    expect(cleared.data.replaceSessionTags.tags).toEqual([]);
    expect((await h.gql(key, BY_TAG, { tag: "red" })).data.sessions.edges).toEqual([]);
    expect((await details(a)).auditTrail.map((e: any) => e.action)).toEqual([
      "tag.add",
      "tag.add",
      "tag.remove",
      "tag.replace",
    ]);
  });

  it("filters sessions by creation time [createdFrom, createdTo), with a tag and across pages", async () => {
    /** The next millisecond after now, so that ids made before and after it differ in their time part. */
    const nextMillisecond = () => {
      const now = Date.now();
      while (Date.now() <= now) {
        // spin until the clock moves (at most 1 ms)
      }
      return new Date();
    };
    const tag = `range-${backend}`;
    const early = await create();
    const middle = nextMillisecond();
    nextMillisecond();
    const late1 = await create();
    const late2 = await create();
    for (const id of [early, late1, late2]) await h.gql(key, ADD_TAG, { sessionId: id, tag });
    const ids = async (vars: Record<string, unknown>) =>
      (await h.gql(key, BY_DATE, { first: 50, tag, ...vars })).data.sessions.edges.map((e: any) => e.node.id);

    expect(await ids({ createdFrom: middle.toISOString() })).toEqual([late2, late1]);
    expect(await ids({ createdTo: middle.toISOString() })).toEqual([early]);
    expect(await ids({})).toEqual([late2, late1, early]);
    const later = new Date(Date.now() + 60_000).toISOString();
    expect(await ids({ createdFrom: later })).toEqual([]);
    // Pages keep the range.
    const first = (await h.gql(key, BY_DATE, { first: 1, tag, createdFrom: middle.toISOString() })).data
      .sessions;
    expect(first.edges.map((e: any) => e.node.id)).toEqual([late2]);
    expect(first.pageInfo.hasNextPage).toBe(true);
    const second = await ids({
      first: 5,
      after: first.pageInfo.endCursor,
      createdFrom: middle.toISOString(),
    });
    expect(second).toEqual([late1]);
    // Another workspace sees none of them.
    const foreign = await h.gql(h.other.keys.sandbox, BY_DATE, { first: 50, createdTo: later });
    expect(foreign.data.sessions.edges.map((e: any) => e.node.id)).not.toContain(early);

    // An empty range is bad input naming createdTo.
    const empty = await h.gql(key, BY_DATE, { createdFrom: later, createdTo: middle.toISOString() });
    expect(empty.data).toBeNull();
    expect(empty.errors?.[0]).toMatchObject({
      message: "createdTo must be after createdFrom",
      extensions: { code: "BAD_USER_INPUT", field: "createdTo" },
    });
    const notADate = await h.gql(key, BY_DATE, { createdFrom: "yesterday" });
    expect(notADate.errors?.[0]?.message).toContain("createdFrom");
  });

  it("the tag filter has a GIN index that the planner uses", async () => {
    const indexes = await sql<{ indexdef: string }>`
      select indexdef from pg_indexes where tablename = 'sessions' and indexname = 'sessions_tags'
    `.execute(h.database.db);
    expect(indexes.rows[0]?.indexdef).toContain("USING gin (tags)");
    await sql`set enable_seqscan = off`.execute(h.database.db);
    try {
      const plan = await sql<{ "QUERY PLAN": string }>`
        explain select id from sessions where tags @> array['red']::text[]
      `.execute(h.database.db);
      expect(plan.rows.map((r) => r["QUERY PLAN"]).join("\n")).toContain("sessions_tags");
    } finally {
      await sql`set enable_seqscan = on`.execute(h.database.db);
    }
  });

  it("expires an open session with an audit entry; expired refuses submit, trigger, update and expire", async () => {
    const id = await create();
    const expired = await h.gql(key, EXPIRE, { id, reason: "customer left" });
    expect(expired.data.expireSession).toEqual({ __typename: "Session", id, status: "expired" });
    const submit = await h.gql(key, SUBMIT_SESSION, { sessionId: id });
    expect(submit.data.submitSession).toMatchObject({ __typename: "ConflictError", code: "CONFLICT" });
    const trigger = await h.gql(key, TRIGGER, { workflowId, sessionId: id });
    expect(trigger.data.triggerWorkflow).toMatchObject({
      __typename: "ConflictError",
      currentStatus: "expired",
    });
    const again = await h.gql(key, EXPIRE, { id });
    expect(again.data.expireSession).toMatchObject({ __typename: "ConflictError", currentStatus: "expired" });
    const update = await h.gql(key, UPDATE, { id, referenceId: "late" });
    expect(update.data.updateSession).toMatchObject({
      __typename: "ConflictError",
      currentStatus: "expired",
    });
    const session = await details(id);
    expect(session.auditTrail).toEqual([
      expect.objectContaining({ action: "expire", reason: "customer left", data: { explicit: true } }),
    ]);
    const jobs = await h.database.db.selectFrom("jobs").select("id").where("session_id", "=", id).execute();
    expect(jobs).toEqual([]);
  });

  it("expiring a session waiting at a gate cancels its run", async () => {
    const id = await create();
    const submitted = await h.gql(key, SUBMIT_SESSION, { sessionId: id });
    const runId = submitted.data.submitSession.run.id;
    await eventually(async () => (await details(id)).status === "awaiting_external");
    const expired = await h.gql(key, EXPIRE, { id });
    expect(expired.data.expireSession.status).toBe("expired");
    const session = await details(id);
    expect(session.workflowRun).toMatchObject({ id: runId, status: "cancelled" });
    expect(session.workflowRun.auditTrail.map((a: any) => a.action)).toEqual(["submit", "expire"]);
    const decide = await h.gql(key, DECIDE, { sessionId: id, decision: "continue" });
    expect(decide.data.submitExternalDecision.__typename).toBe("ConflictError");
  });

  it("resumes an expired or abandoned undecided session with a new expiry, and refuses others", async () => {
    const id = await create();
    await h.gql(key, EXPIRE, { id });
    const resumed = await h.gql(key, RESUME, { id, expiresInSeconds: 7200 });
    expect(resumed.data.resumeSession).toMatchObject({
      __typename: "ResumeSessionPayload",
      session: { status: "created" },
    });
    const expiresAt = Date.parse(resumed.data.resumeSession.session.expiresAt);
    expect(expiresAt).toBeGreaterThan(Date.now() + 7000_000);
    const jobs = await h.database.db
      .selectFrom("jobs")
      .select("run_at")
      .where("session_id", "=", id)
      .execute();
    expect(jobs.map((j) => j.run_at.getTime())).toEqual([expiresAt]);
    // It can be submitted again.
    const submit = await h.gql(key, SUBMIT_SESSION, { sessionId: id });
    expect(submit.data.submitSession.__typename).toBe("SubmitSessionPayload");
    await eventually(async () => (await details(id)).status === "awaiting_external");
    // Awaiting a decision: not resumable.
    const refused = await h.gql(key, RESUME, { id });
    expect(refused.data.resumeSession).toMatchObject({
      __typename: "ConflictError",
      currentStatus: "awaiting_external",
    });
    await h.gql(key, DECIDE, { sessionId: id, decision: "continue" });
    await eventually(async () => (await details(id)).status === "completed");
    const decided = await h.gql(key, RESUME, { id });
    expect(decided.data.resumeSession).toMatchObject({
      __typename: "ConflictError",
      currentStatus: "completed",
    });
    const bad = await h.gql(key, RESUME, { id: await create(), expiresInSeconds: 5 });
    expect(bad.data.resumeSession.issues[0].path).toEqual(["expiresInSeconds"]);
    // An abandoned (never submitted) session gets a new expiry and stays created.
    const abandoned = await create();
    const extended = await h.gql(key, RESUME, { id: abandoned, expiresInSeconds: 600 });
    expect(extended.data.resumeSession.session.status).toBe("created");
    expect((await details(id)).auditTrail.map((e: any) => e.action)).toEqual(["expire", "resume"]);
  });

  it("reprocesses a decided session from the start, keeping the earlier run as history", async () => {
    const id = await create();
    const first = (await h.gql(key, SUBMIT_SESSION, { sessionId: id })).data.submitSession.run.id;
    await eventually(async () => (await details(id)).status === "awaiting_external");
    const early = await h.gql(key, REPROCESS, { id });
    expect(early.data.reprocessSession).toMatchObject({
      __typename: "ConflictError",
      currentStatus: "awaiting_external",
    });
    await h.gql(key, DECIDE, { sessionId: id, decision: "continue" });
    await eventually(async () => (await details(id)).status === "completed");
    const reprocessed = await h.gql(key, REPROCESS, { id, reason: "new rules" });
    expect(reprocessed.data.reprocessSession).toMatchObject({
      __typename: "ReprocessSessionPayload",
      previousRunId: first,
      session: { id, status: "processing" },
    });
    const second = reprocessed.data.reprocessSession.run.id;
    expect(second).not.toBe(first);
    const session = await eventually(async () => {
      const s = await details(id);
      return s.status === "awaiting_external" ? s : null;
    });
    expect(session.workflowRun.id).toBe(second);
    expect(session.runs.map((r: any) => r.id)).toEqual([first, second]);
    expect(session.runs[0]).toMatchObject({ status: "completed", finalStatus: "approved" });
    expect(session.runs[0].auditTrail.map((a: any) => a.action)).toEqual(["submit", "decision", "reprocess"]);
    expect(session.runs[1].auditTrail).toEqual([
      expect.objectContaining({
        action: "reprocess",
        reason: "new rules",
        data: expect.objectContaining({ previousRunId: first }),
      }),
    ]);
    expect(session.auditTrail).toEqual([
      expect.objectContaining({
        action: "reprocess",
        reason: "new rules",
        data: expect.objectContaining({ previousRunId: first, runId: second, previousResult: "approved" }),
      }),
    ]);
    const foreign = await h.gql(h.other.keys.sandbox, REPROCESS, { id });
    expect(foreign.data.reprocessSession.__typename).toBe("NotFoundError");
  });
});
