import { newId, type Tenant } from "@flowgate/domain";
import { test as baseTest, describe, expect } from "vitest";
import {
  deleteRunsOfSession,
  findWorkspace,
  insertNodeRun,
  insertOrganization,
  insertRun,
  insertSession,
  insertWorkflow,
  insertWorkflowVersion,
  insertWorkspace,
  sumNodeCosts,
  updateWorkspaceRow,
} from "../src/index.ts";
import { type TestDatabase, testBackends, withDatabase } from "../src/testing/index.ts";

const graph = {
  entry: "start",
  nodes: [
    { id: "start", type: "start" as const, next: "done" },
    { id: "done", type: "terminal" as const, outcome: "approved" },
  ],
};

/** A workspace of its own for each test, with a workflow in each environment. */
async function seedWorkspace(t: TestDatabase) {
  const sandbox: Tenant = { workspaceId: newId("ws"), environment: "sandbox" };
  const live: Tenant = { workspaceId: sandbox.workspaceId, environment: "live" };
  const workflowIds: Record<string, string> = {};
  const organizationId = newId("org");
  await insertOrganization(t.db, { id: organizationId, name: "Acme" });
  await insertWorkspace(t.db, {
    id: sandbox.workspaceId,
    organizationId,
    name: "Tasks",
    settings: { keptByOthers: "yes" },
  });
  for (const tenant of [sandbox, live]) {
    const id = newId("wfl");
    workflowIds[tenant.environment] = id;
    await insertWorkflow(t.db, tenant, {
      id,
      name: "w",
      description: null,
      metadata: {},
      currentVersion: 1,
    });
    await insertWorkflowVersion(t.db, { workflowId: id, version: 1, graph, publishedBy: null });
  }
  return { sandbox, live, workflowIds };
}

/** A completed node run billed `costCents` (recorded in the ledger by the node_runs trigger). */
async function runWithCost(
  t: TestDatabase,
  workflowIds: Record<string, string>,
  tenant: Tenant,
  costCents: number,
  sessionId: string | null = null,
) {
  const run = await insertRun(t.db, tenant, {
    id: newId("wfr"),
    sessionId,
    workflowId: workflowIds[tenant.environment]!,
    workflowVersion: 1,
    graphSnapshot: graph,
    triggerPayload: {},
    triggeredBy: null,
  });
  const nodeRunId = newId("nrn");
  await insertNodeRun(t.db, {
    id: nodeRunId,
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
  return { runId: run.id, nodeRunId };
}

/** The database fixtures, and `workspace` ({@link seedWorkspace}). */
const test = withDatabase(baseTest).extend("workspace", async ({ database }) => seedWorkspace(database));

describe.each(testBackends())("node cost ledger and workspace settings (%s)", (backend) => {
  test.override({ backend });

  test("records every billed node run in the ledger, in the node run's transaction, per environment", async ({
    database: t,
    workspace,
  }) => {
    const { sandbox, live, workflowIds } = workspace;
    const since = new Date(Date.now() - 60_000);
    await runWithCost(t, workflowIds, sandbox, 25);
    await runWithCost(t, workflowIds, sandbox, 0);
    await runWithCost(t, workflowIds, live, 40);
    expect(await sumNodeCosts(t.db, sandbox.workspaceId, { since })).toBe(65);
    expect(await sumNodeCosts(t.db, sandbox.workspaceId, { since, environment: "sandbox" })).toBe(25);
    expect(await sumNodeCosts(t.db, sandbox.workspaceId, { since, environment: "live" })).toBe(40);
    expect(await sumNodeCosts(t.db, sandbox.workspaceId, { since: new Date(Date.now() + 60_000) })).toBe(0);
    const entries = await t.db.selectFrom("node_costs").select(["cost_cents", "environment"]).execute();
    expect(entries).toHaveLength(2);

    // A node run that rolls back leaves nothing in the ledger.
    await expect(
      t.db.transaction().execute(async (trx) => {
        await trx
          .insertInto("node_runs")
          .values({
            id: newId("nrn"),
            run_id: (await trx.selectFrom("runs").select("id").executeTakeFirstOrThrow()).id,
            step: 99,
            workflow_node_id: "task",
            node_type: "task",
            status: "completed",
            cost_cents: 1000,
            started_at: new Date(),
          })
          .execute();
        throw new Error("roll back");
      }),
    ).rejects.toThrow("roll back");
    expect(await sumNodeCosts(t.db, sandbox.workspaceId, { since })).toBe(65);
  });

  test("records changes of a node run's cost as deltas and keeps costs of deleted runs", async ({
    database: t,
    workspace,
  }) => {
    const { sandbox, workflowIds } = workspace;
    const since = new Date(Date.now() - 60_000);
    const before = await sumNodeCosts(t.db, sandbox.workspaceId, { since });
    const session = await insertSession(t.db, sandbox, {
      id: newId("ses"),
      workflowId: workflowIds.sandbox!,
      referenceId: null,
      metadata: {},
      sandbox: null,
    });
    const { nodeRunId } = await runWithCost(t, workflowIds, sandbox, 10, session.id);
    await t.db.updateTable("node_runs").set({ cost_cents: 15 }).where("id", "=", nodeRunId).execute();
    await t.db.updateTable("node_runs").set({ status: "completed" }).where("id", "=", nodeRunId).execute();
    expect(await sumNodeCosts(t.db, sandbox.workspaceId, { since })).toBe(before + 15);
    await deleteRunsOfSession(t.db, session.id);
    expect(await sumNodeCosts(t.db, sandbox.workspaceId, { since })).toBe(before + 15);
  });

  test("merges settings key by key and keeps keys it does not know", async ({ database: t, workspace }) => {
    const { sandbox } = workspace;
    const updated = await updateWorkspaceRow(t.db, sandbox.workspaceId, {
      settingsPatch: { monthlyBudgetCents: 500, allowPrivateTaskUrls: true },
    });
    expect(updated.settings).toEqual({
      defaultLinkExpiryHours: 48,
      allowPrivateTaskUrls: true,
      monthlyBudgetCents: 500,
    });
    await updateWorkspaceRow(t.db, sandbox.workspaceId, {
      name: "Renamed",
      settingsPatch: { monthlyBudgetCents: null },
    });
    const row = await t.db
      .selectFrom("workspaces")
      .select("settings")
      .where("id", "=", sandbox.workspaceId)
      .executeTakeFirstOrThrow();
    expect(row.settings).toEqual({
      keptByOthers: "yes",
      allowPrivateTaskUrls: true,
      monthlyBudgetCents: null,
    });
    expect(await findWorkspace(t.db, sandbox.workspaceId)).toMatchObject({
      name: "Renamed",
      settings: { allowPrivateTaskUrls: true, monthlyBudgetCents: null },
    });
  });
});
