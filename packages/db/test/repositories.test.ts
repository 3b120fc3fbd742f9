import { newId, type Tenant } from "@flowgate/domain";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import {
  appendRunEvents,
  claimJobs,
  deleteJob,
  findRun,
  findSession,
  insertOrganization,
  insertRun,
  insertSession,
  insertWorkflow,
  insertWorkflowVersion,
  insertWorkspace,
  listRunEvents,
  listWorkflows,
  releaseJob,
  scheduleRunJob,
} from "../src/index.ts";
import { createTestDatabase, type TestDatabase, testBackends } from "../src/testing/index.ts";

const graph = {
  entry: "start",
  nodes: [
    { id: "start", type: "start" as const, next: "done" },
    { id: "done", type: "terminal" as const, outcome: "approved" },
  ],
};

describe.each(testBackends())("repositories (%s)", (backend) => {
  let t: TestDatabase;
  const tenant: Tenant = { workspaceId: newId("ws"), environment: "sandbox" };
  const otherTenant: Tenant = { workspaceId: tenant.workspaceId, environment: "live" };
  let workflowId: string;

  beforeAll(async () => {
    t = await createTestDatabase(backend);
    const organizationId = newId("org");
    await insertOrganization(t.db, { id: organizationId, name: "Acme" });
    await insertWorkspace(t.db, { id: tenant.workspaceId, organizationId, name: "KYC" });
    workflowId = newId("wfl");
    await insertWorkflow(t.db, tenant, {
      id: workflowId,
      name: "w",
      description: null,
      metadata: {},
      currentVersion: 1,
    });
    await insertWorkflowVersion(t.db, { workflowId, version: 1, graph, publishedBy: null });
  });
  afterAll(() => t.close());

  async function newRun() {
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

  it("maps rows to domain records and keeps tenants apart", async () => {
    const run = await newRun();
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

  it("numbers run events without gaps and refuses a second writer of the same seq", async () => {
    const run = await newRun();
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

  it("claims each due job once, re-offers a job whose lease expired, and keeps one job per run", async () => {
    const runs = await Promise.all([newRun(), newRun(), newRun()]);
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

  it("pages workflows newest first with keyset cursors", async () => {
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

  it("rolls back a failed transaction completely, even with queries from outside interleaved", async () => {
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
