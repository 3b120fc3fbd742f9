import { newId, type Tenant } from "@flowgate/domain";
import { test as baseTest, describe, expect } from "vitest";
import {
  findMonthlySpend,
  insertNodeRun,
  insertOrganization,
  insertRun,
  insertWorkflow,
  insertWorkflowVersion,
  insertWorkspace,
  reserveMonthlySpend,
} from "../src/index.ts";
import { type TestDatabase, testBackends, withDatabase } from "../src/testing/index.ts";

const graph = {
  entry: "start",
  nodes: [
    { id: "start", type: "start" as const, next: "done" },
    { id: "done", type: "terminal" as const, outcome: "approved" },
  ],
};

/** The database fixtures, and `tenant`: a workspace of its own for each test. */
const test = withDatabase(baseTest).extend("tenant", async ({ database }) => {
  const organizationId = newId("org");
  const tenant: Tenant = { workspaceId: newId("ws"), environment: "sandbox" };
  await insertOrganization(database.db, { id: organizationId, name: "Acme" });
  await insertWorkspace(database.db, { id: tenant.workspaceId, organizationId, name: "w", settings: {} });
  return tenant;
});

/** A node run billed `costCents` (recorded in the ledger by the node_runs trigger). */
async function billed(t: TestDatabase, tenant: Tenant, costCents: number) {
  const workflowId = newId("wfl");
  await insertWorkflow(t.db, tenant, {
    id: workflowId,
    name: "w",
    description: null,
    metadata: {},
    currentVersion: 1,
  });
  await insertWorkflowVersion(t.db, { workflowId, version: 1, graph, publishedBy: null });
  const run = await insertRun(t.db, tenant, {
    id: newId("wfr"),
    sessionId: null,
    workflowId,
    workflowVersion: 1,
    graphSnapshot: graph,
    triggerPayload: {},
    triggeredBy: null,
  });
  await insertNodeRun(t.db, {
    id: newId("nrn"),
    runId: run.id,
    step: 1,
    workflowNodeId: "task",
    nodeType: "task",
    status: "completed",
    taskId: null,
    inputData: null,
    outputData: null,
    result: "success",
    routedTo: null,
    error: null,
    costCents,
    startedAt: new Date(),
    completedAt: new Date(),
  });
}

describe.each(testBackends())("monthly spending counter (%s)", (backend) => {
  test.override({ backend });

  test("runs on the suite's backend", ({ database }) => {
    expect(database.backend).toBe(backend);
  });

  test("starts each month from the ledger, then claims with a guarded update that refuses what does not fit", async ({
    database: t,
    tenant,
  }) => {
    await billed(t, tenant, 70);
    const now = new Date();
    const claim = (costCents: number, budgetCents: number | null, at = now) =>
      t.db
        .transaction()
        .execute((trx) =>
          reserveMonthlySpend(trx, { workspaceId: tenant.workspaceId, at, costCents, budgetCents }),
        );
    expect(await findMonthlySpend(t.db, tenant.workspaceId, now)).toBeNull();
    expect(await claim(20, 100)).toEqual({ ok: true, spentCents: 70 });
    expect(await claim(20, 100)).toEqual({ ok: false, spentCents: 90 });
    expect(await claim(10, 100)).toEqual({ ok: true, spentCents: 90 });
    // Without a budget the cost still counts, so a budget set later starts from the truth.
    expect(await claim(5, null)).toEqual({ ok: true, spentCents: 100 });
    expect(await findMonthlySpend(t.db, tenant.workspaceId, now)).toBe(105);
    // A claim whose transaction rolls back is not counted.
    await expect(
      t.db.transaction().execute(async (trx) => {
        await reserveMonthlySpend(trx, {
          workspaceId: tenant.workspaceId,
          at: now,
          costCents: 1,
          budgetCents: null,
        });
        throw new Error("roll back");
      }),
    ).rejects.toThrow("roll back");
    expect(await findMonthlySpend(t.db, tenant.workspaceId, now)).toBe(105);
    // Next month (UTC) has a counter of its own, started from that month's ledger (empty).
    const nextMonth = new Date(Date.UTC(now.getUTCFullYear(), now.getUTCMonth() + 1, 1, 0, 0, 1));
    expect(await claim(100, 100, nextMonth)).toEqual({ ok: true, spentCents: 0 });
    expect(await findMonthlySpend(t.db, tenant.workspaceId, now)).toBe(105);
  });

  test("lets 50 concurrent claims together spend at most the budget", async ({ database: t, tenant }) => {
    const at = new Date();
    const outcomes = await Promise.all(
      Array.from({ length: 50 }, () =>
        t.db.transaction().execute((trx) =>
          reserveMonthlySpend(trx, {
            workspaceId: tenant.workspaceId,
            at,
            costCents: 30,
            budgetCents: 1000,
          }),
        ),
      ),
    );
    expect(outcomes.filter((outcome) => outcome.ok)).toHaveLength(33);
    expect(await findMonthlySpend(t.db, tenant.workspaceId, at)).toBe(990);
  });
});
