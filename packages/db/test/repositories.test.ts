import { newId, type Tenant } from "@flowgate/domain";
import { test as baseTest, describe, expect } from "vitest";
import {
  appendRunEvents,
  claimJobs,
  claimJobsWithRuns,
  deleteJob,
  findRun,
  findRunEventsAfter,
  findRunsEventsAfter,
  findSession,
  findWorkflow,
  insertAccessLogEntries,
  insertOrganization,
  insertRun,
  insertRunOfVersion,
  insertSession,
  insertWorkflow,
  insertWorkflowVersion,
  insertWorkspace,
  listAccessLogRows,
  listRunAudit,
  listRunEvents,
  listWorkflows,
  lockSessionWithWorkflow,
  releaseJob,
  scheduleRunJob,
  setDefaultWorkflow,
  signalPausedRun,
} from "../src/index.ts";
import { type TestDatabase, testBackends, withDatabase } from "../src/testing/index.ts";

const graph = {
  entry: "start",
  nodes: [
    { id: "start", type: "start" as const, next: "done" },
    { id: "done", type: "terminal" as const, outcome: "approved" },
  ],
};

/** A workspace of its own for each test: its sandbox (`tenant`), its live side, and a workflow. */
async function seedAcme(t: TestDatabase) {
  const tenant: Tenant = { workspaceId: newId("ws"), environment: "sandbox" };
  const otherTenant: Tenant = { workspaceId: tenant.workspaceId, environment: "live" };
  const organizationId = newId("org");
  await insertOrganization(t.db, { id: organizationId, name: "Acme" });
  await insertWorkspace(t.db, { id: tenant.workspaceId, organizationId, name: "KYC" });
  const workflowId = newId("wfl");
  await insertWorkflow(t.db, tenant, {
    id: workflowId,
    name: "w",
    description: null,
    metadata: {},
    currentVersion: 1,
  });
  await insertWorkflowVersion(t.db, { workflowId, version: 1, graph, publishedBy: null });
  return { tenant, otherTenant, workflowId };
}

async function newRun(t: TestDatabase, { tenant, workflowId }: Awaited<ReturnType<typeof seedAcme>>) {
  const session = await insertSession(t.db, tenant, {
    id: newId("ses"),
    workflowId,
    referenceId: null,
    metadata: {},
    sandbox: null,
  });
  return insertRun(t.db, tenant, {
    id: newId("wfr"),
    sessionId: session.id,
    workflowId,
    workflowVersion: 1,
    graphSnapshot: graph,
    triggerPayload: { a: 1 },
    triggeredBy: null,
  });
}

/** The database fixtures, and `acme` ({@link seedAcme}). */
const test = withDatabase(baseTest).extend("acme", async ({ database }) => seedAcme(database));

describe.each(testBackends())("repositories (%s)", (backend) => {
  test.override({ backend });

  test("maps rows to domain records and keeps tenants apart", async ({ database: t, acme }) => {
    const { tenant, otherTenant } = acme;
    const run = await newRun(t, acme);
    const found = await findRun(t.db, tenant, run.id);
    expect(found).toMatchObject({
      id: run.id,
      status: "pending",
      graphSnapshot: graph,
      triggerPayload: { a: 1 },
      lastSeq: 0,
    });
    expect(found?.createdAt).toBeInstanceOf(Date);
    expect(await findRun(t.db, otherTenant, run.id)).toBeUndefined();
    expect(await findSession(t.db, otherTenant, run.sessionId!)).toBeUndefined();
  });

  test("numbers run events without gaps and refuses a second writer of the same seq", async ({
    database: t,
    acme,
  }) => {
    const run = await newRun(t, acme);
    const first = await appendRunEvents(t.db, run.id, 0, [
      { type: "run.started", data: {} },
      { type: "node.started", data: { nodeId: "start" } },
    ]);
    expect(first.lastSeq).toBe(2);
    await expect(appendRunEvents(t.db, run.id, 1, [{ type: "node.completed", data: {} }])).rejects.toThrow();
    await appendRunEvents(t.db, run.id, 2, [{ type: "node.completed", data: {} }]);
    expect((await listRunEvents(t.db, run.id, 0)).map((e) => e.seq)).toEqual([1, 2, 3]);
    expect((await listRunEvents(t.db, run.id, 1, 2)).map((e) => e.type)).toEqual(["node.started"]);
  });

  test("reads a run of the tenant with its events after a seq in one query; another tenant's run is undefined", async ({
    database: t,
    acme,
  }) => {
    const { tenant, otherTenant } = acme;
    const run = await newRun(t, acme);
    expect(await findRunEventsAfter(t.db, tenant, run.id, 0)).toEqual({ events: [] });
    await appendRunEvents(t.db, run.id, 0, [
      { type: "run.started", data: {} },
      { type: "node.started", data: { nodeId: "start" } },
      { type: "node.completed", data: { nodeId: "start" } },
    ]);
    const after1 = await findRunEventsAfter(t.db, tenant, run.id, 1);
    expect(after1?.events.map((e) => [e.seq, e.type])).toEqual([
      [2, "node.started"],
      [3, "node.completed"],
    ]);
    expect(after1?.events[0]).toEqual((await listRunEvents(t.db, run.id, 1, 2))[0]);
    expect(await findRunEventsAfter(t.db, tenant, run.id, 3)).toEqual({ events: [] });
    expect(await findRunEventsAfter(t.db, otherTenant, run.id, 0)).toBeUndefined();
    expect(await findRunEventsAfter(t.db, tenant, newId("wfr"), 0)).toBeUndefined();
  });

  test("reads several runs' events after their seqs in one query, aligned with the requests", async ({
    database: t,
    acme,
  }) => {
    const { tenant, otherTenant } = acme;
    const [first, second] = await Promise.all([newRun(t, acme), newRun(t, acme)]);
    await appendRunEvents(t.db, first.id, 0, [
      { type: "run.started", data: {} },
      { type: "node.started", data: { nodeId: "start" } },
    ]);
    await appendRunEvents(t.db, second.id, 0, [{ type: "run.started", data: {} }]);
    const found = await findRunsEventsAfter(t.db, tenant, [
      { runId: second.id, afterSeq: 0 },
      { runId: newId("wfr"), afterSeq: 0 },
      { runId: first.id, afterSeq: 1 },
      { runId: first.id, afterSeq: 0 },
      { runId: second.id, afterSeq: 1 },
    ]);
    expect(found.map((f) => f?.events.map((e) => [e.runId, e.seq]))).toEqual([
      [[second.id, 1]],
      undefined,
      [[first.id, 2]],
      [
        [first.id, 1],
        [first.id, 2],
      ],
      [],
    ]);
    expect(found[2]?.events[0]).toEqual((await listRunEvents(t.db, first.id, 1, 2))[0]);
    expect(await findRunsEventsAfter(t.db, otherTenant, [{ runId: first.id, afterSeq: 0 }])).toEqual([
      undefined,
    ]);
    expect(await findRunsEventsAfter(t.db, tenant, [])).toEqual([]);
  });

  test("appends access-log rows in order, a run's row getting the run's session", async ({
    database: t,
    acme,
  }) => {
    const { tenant } = acme;
    const run = await newRun(t, acme);
    const at = new Date("2026-11-30T12:00:00.000Z");
    const entry = { tenant, keyId: "key_reader", channel: "graphql", at };
    await insertAccessLogEntries(t.db, [
      {
        ...entry,
        recordType: "Run",
        recordId: run.id,
        sessionId: null,
        runId: run.id,
        fields: ["run_events.data"],
      },
      { ...entry, recordType: "Entity", recordId: "ent_1", sessionId: null, runId: null, fields: [] },
      {
        ...entry,
        recordType: "Session",
        recordId: run.sessionId!,
        sessionId: run.sessionId,
        runId: null,
        fields: ["sessions.metadata", "sessions.reference_id"],
      },
    ]);
    const rows = await listAccessLogRows(t.db, tenant, { since: at, limit: 10, order: "asc" });
    expect(rows.map((r) => [r.recordType, r.sessionId, r.fields, r.keyId, r.channel, r.createdAt])).toEqual([
      ["Run", run.sessionId, ["run_events.data"], "key_reader", "graphql", at],
      ["Entity", null, [], "key_reader", "graphql", at],
      ["Session", run.sessionId, ["sessions.metadata", "sessions.reference_id"], "key_reader", "graphql", at],
    ]);
  });

  test("locks a session with the workflow it runs in one statement: its own, else the default", async ({
    database: t,
    acme,
  }) => {
    const { tenant, otherTenant, workflowId } = acme;
    const session = (workflowId: string | null) =>
      insertSession(t.db, tenant, {
        id: newId("ses"),
        workflowId,
        referenceId: null,
        metadata: {},
        sandbox: null,
      });
    const own = await session(workflowId);
    const locked = await lockSessionWithWorkflow(t.db, tenant, own.id);
    expect(locked?.session).toEqual(await findSession(t.db, tenant, own.id));
    expect(locked?.workflow).toEqual(await findWorkflow(t.db, tenant, workflowId));
    const none = await session(null);
    expect((await lockSessionWithWorkflow(t.db, tenant, none.id))?.workflow).toBeUndefined();
    await setDefaultWorkflow(t.db, tenant, workflowId);
    expect((await lockSessionWithWorkflow(t.db, tenant, none.id))?.workflow).toMatchObject({
      id: workflowId,
      isDefault: true,
    });
    expect(await lockSessionWithWorkflow(t.db, otherTenant, own.id)).toBeUndefined();
  });

  test("starts a run on a stored version with its first step queued in one statement; an unknown version writes nothing", async ({
    database: t,
    acme,
  }) => {
    const { tenant, workflowId } = acme;
    const id = newId("wfr");
    const input = { id, sessionId: null, workflowId, triggerPayload: { a: 1 }, triggeredBy: "key_1" };
    const run = await insertRunOfVersion(t.db, tenant, { ...input, workflowVersion: 1 });
    expect(run).toMatchObject({
      id,
      status: "pending",
      workflowVersion: 1,
      graphSnapshot: graph,
      triggerPayload: { a: 1 },
      triggeredBy: "key_1",
    });
    expect(await findRun(t.db, tenant, id)).toEqual(run);
    const jobs = (await claimJobs(t.db, "w1", 100, 60_000)).filter((job) => job.runId === id);
    expect(jobs.map((job) => job.kind)).toEqual(["run.step"]);
    await deleteJob(t.db, jobs[0]!.id, "w1");
    const unknown = newId("wfr");
    expect(
      await insertRunOfVersion(t.db, tenant, { ...input, id: unknown, workflowVersion: 2 }),
    ).toBeUndefined();
    expect(await findRun(t.db, tenant, unknown)).toBeUndefined();
  });

  test("a run's statement can mark its session submitted; without it, or on an unknown version, the session is untouched", async ({
    database: t,
    acme,
  }) => {
    const { tenant, workflowId } = acme;
    const newSession = () =>
      insertSession(t.db, tenant, {
        id: newId("ses"),
        workflowId: null,
        referenceId: null,
        metadata: {},
        sandbox: null,
      });
    const input = (sessionId: string) => ({
      id: newId("wfr"),
      sessionId,
      workflowId,
      triggerPayload: {},
      triggeredBy: null,
    });
    const at = new Date("2026-12-01T10:00:00.000Z");

    const submitted = await newSession();
    await insertRunOfVersion(
      t.db,
      tenant,
      { ...input(submitted.id), workflowVersion: 1 },
      { sessionSubmittedAt: at },
    );
    expect(await findSession(t.db, tenant, submitted.id)).toMatchObject({
      status: "processing",
      workflowId,
      submittedAt: at,
      updatedAt: at,
    });

    const untouched = await newSession();
    await insertRunOfVersion(t.db, tenant, { ...input(untouched.id), workflowVersion: 1 });
    expect(await findSession(t.db, tenant, untouched.id)).toEqual(untouched);

    const unknownVersion = await newSession();
    expect(
      await insertRunOfVersion(
        t.db,
        tenant,
        { ...input(unknownVersion.id), workflowVersion: 2 },
        { sessionSubmittedAt: at },
      ),
    ).toBeUndefined();
    expect(await findSession(t.db, tenant, unknownVersion.id)).toEqual(unknownVersion);
    // The suites share a database: leave no queued job behind for the claim tests.
    for (const job of await claimJobs(t.db, "w1", 100, 60_000)) await deleteJob(t.db, job.id, "w1");
  });

  test("hands a paused run its signal in one statement: signal, session processing, step job, audit entry", async ({
    database: t,
    acme,
  }) => {
    const { tenant } = acme;
    const run = await newRun(t, acme);
    const pendingSignal = {
      kind: "decision",
      decision: "continue",
      metadata: { by: "ops" },
      decidedBy: "key_1",
    } as const;
    await signalPausedRun(t.db, {
      runId: run.id,
      sessionId: run.sessionId!,
      pendingSignal,
      decisionMetadata: { by: "ops" },
      audit: { action: "decision", actor: "key_1", reason: null, data: { decision: "continue" } },
    });
    expect(await findRun(t.db, tenant, run.id)).toMatchObject({
      pendingSignal,
      decisionMetadata: { by: "ops" },
    });
    expect((await findSession(t.db, tenant, run.sessionId!))?.status).toBe("processing");
    expect((await listRunAudit(t.db, run.id)).map((e) => [e.action, e.actor, e.data])).toEqual([
      ["decision", "key_1", { decision: "continue" }],
    ]);
    const jobs = (await claimJobs(t.db, "w1", 100, 60_000)).filter((job) => job.runId === run.id);
    expect(jobs.map((job) => job.kind)).toEqual(["run.step"]);
    for (const job of jobs) await deleteJob(t.db, job.id, "w1");
  });

  test("claims each due job once, re-offers a job whose lease expired, and keeps one job per run", async ({
    database: t,
    acme,
  }) => {
    const runs = await Promise.all([newRun(t, acme), newRun(t, acme), newRun(t, acme)]);
    for (const run of runs) await scheduleRunJob(t.db, run.id, "run.step");
    await scheduleRunJob(t.db, runs[0]!.id, "run.step"); // upsert, not a second job
    const [a, b] = await Promise.all([claimJobs(t.db, "w1", 2, 60_000), claimJobs(t.db, "w2", 2, 60_000)]);
    const claimed = [...a, ...b].filter((job) => runs.some((r) => r.id === job.runId));
    expect(claimed).toHaveLength(3);
    expect(new Set(claimed.map((j) => j.id)).size).toBe(3);
    expect(await claimJobs(t.db, "w3", 10, 60_000)).toEqual([]);

    const job = claimed[0]!;
    await releaseJob(t.db, job.id, "not-the-holder", new Date(), null);
    expect(await claimJobs(t.db, "w3", 10, 60_000)).toEqual([]);
    await t.db
      .updateTable("jobs")
      .set({ locked_until: new Date(Date.now() - 1) })
      .where("id", "=", job.id)
      .execute();
    const reclaimed = await claimJobs(t.db, "w3", 10, 60_000);
    expect(reclaimed.map((j) => j.id)).toEqual([job.id]);
    expect(reclaimed[0]!.attempts).toBe(2);
    await deleteJob(t.db, job.id, "w3");
    for (const other of claimed.slice(1)) await deleteJob(t.db, other.id, other.lockedBy!);
    expect(await t.db.selectFrom("jobs").selectAll().execute()).toEqual([]);
  });

  test("claims run.step jobs with their runs and sessions as a read returns them, in the claim's statement", async ({
    database: t,
    acme,
  }) => {
    const run = await newRun(t, acme);
    await t.db
      .updateTable("runs")
      .set({
        started_at: new Date("2026-01-02T03:04:05.678Z"),
        node_started_seq: 3,
        node_started_at: new Date(),
      })
      .where("id", "=", run.id)
      .execute();
    await t.db
      .updateTable("sessions")
      .set({
        sandbox: JSON.stringify({ doc: { outcome: "fail" } }),
        tags: ["a", "b"],
        expires_at: new Date(),
      })
      .where("id", "=", run.sessionId!)
      .execute();
    const orphan = await insertRun(t.db, acme.tenant, {
      id: newId("wfr"),
      sessionId: null,
      workflowId: acme.workflowId,
      workflowVersion: 1,
      graphSnapshot: graph,
      triggerPayload: {},
      triggeredBy: null,
    });
    for (const r of [run, orphan]) await scheduleRunJob(t.db, r.id, "run.step");

    const claimed = (await claimJobsWithRuns(t.db, "w1", 10, 60_000)).filter((job) =>
      [run.id, orphan.id].includes(job.runId ?? ""),
    );
    const mine = claimed.find((job) => job.runId === run.id)!;
    expect(mine).toMatchObject({ kind: "run.step", lockedBy: "w1", attempts: 1 });
    expect(mine.run).toEqual(await findRun(t.db, acme.tenant, run.id));
    expect(mine.session).toEqual(await findSession(t.db, acme.tenant, run.sessionId!));
    // A run without a session comes with `session: null`.
    const alone = claimed.find((job) => job.runId === orphan.id)!;
    expect(alone.run).toEqual(await findRun(t.db, acme.tenant, orphan.id));
    expect(alone.session).toBeNull();
  });

  test("pages workflows newest first with keyset cursors", async ({ database: t, acme }) => {
    const { tenant, otherTenant, workflowId } = acme;
    const ids: string[] = [workflowId];
    for (let i = 0; i < 4; i++) {
      const w = await insertWorkflow(t.db, tenant, {
        id: newId("wfl"),
        name: `w${i}`,
        description: null,
        metadata: {},
        currentVersion: 1,
      });
      ids.push(w.id);
    }
    const newestFirst = [...ids].reverse();
    const page1 = await listWorkflows(t.db, tenant, { limit: 2 });
    expect(page1.map((w) => w.id)).toEqual(newestFirst.slice(0, 2));
    const page2 = await listWorkflows(t.db, tenant, { limit: 2, afterId: page1[1]!.id });
    expect(page2.map((w) => w.id)).toEqual(newestFirst.slice(2, 4));
    expect(await listWorkflows(t.db, otherTenant, { limit: 10 })).toEqual([]);
  });

  test("rolls back a failed transaction completely, even with queries from outside interleaved", async ({
    database: t,
    acme,
  }) => {
    const { tenant } = acme;
    const id = newId("wfl");
    const outside = t.db.selectFrom("workflows").select("id").execute();
    await expect(
      t.db.transaction().execute(async (trx) => {
        await insertWorkflow(trx, tenant, {
          id,
          name: "tx",
          description: null,
          metadata: {},
          currentVersion: 1,
        });
        await outside;
        throw new Error("boom");
      }),
    ).rejects.toThrow("boom");
    expect((await t.db.selectFrom("workflows").select("id").where("id", "=", id).execute()).length).toBe(0);
  });
});
