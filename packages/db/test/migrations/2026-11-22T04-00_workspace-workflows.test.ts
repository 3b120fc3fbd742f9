import { describe, expect, onTestFinished, test } from "vitest";
import { insertNodeRun, sumNodeCosts } from "../../src/index.ts";
import { databaseBefore, testBackends } from "../../src/testing/index.ts";

/**
 * `2026-11-22T04-00_workspace-workflows` created the node cost ledger and filled it with the costs of
 * the node runs recorded before it. The most recent migration that touches existing rows: the later ones
 * only add tables, nullable columns and indexes.
 */
const migration = "2026-11-22T04-00_workspace-workflows";

describe.each(testBackends())(`migration ${migration} (%s)`, (backend) => {
  test("copies the costs of existing node runs into the ledger once, dated when they completed", async () => {
    const t = await databaseBefore(backend, migration);
    onTestFinished(() => t.close());
    const completedAt = new Date("2026-10-05T10:00:00Z");
    const startedAt = new Date("2026-10-07T09:00:00Z");
    const graph = { entry: "start", nodes: [{ id: "start", type: "start" }] };
    await t.before.insertInto("organizations").values({ id: "org_1", name: "Acme" }).execute();
    await t.before
      .insertInto("workspaces")
      .values({ id: "ws_1", organization_id: "org_1", name: "KYC" })
      .execute();
    await t.before
      .insertInto("workflows")
      .values(
        (["sandbox", "live"] as const).map((environment) => ({
          id: `wfl_${environment}`,
          workspace_id: "ws_1",
          environment,
          name: "w",
          status: "active",
          current_version: 1,
        })),
      )
      .execute();
    await t.before
      .insertInto("runs")
      .values(
        (["sandbox", "live"] as const).map((environment) => ({
          id: `wfr_${environment}`,
          workspace_id: "ws_1",
          environment,
          workflow_id: `wfl_${environment}`,
          workflow_version: 1,
          status: "running",
          graph_snapshot: JSON.stringify(graph),
        })),
      )
      .execute();
    const nodeRun = (id: string, runId: string, step: number, costCents: number, completed: Date | null) => ({
      id,
      run_id: runId,
      step,
      workflow_node_id: `node_${id}`,
      node_type: "task",
      status: completed ? "completed" : "running",
      cost_cents: costCents,
      started_at: completed ?? startedAt,
      completed_at: completed,
    });
    await t.before
      .insertInto("node_runs")
      .values([
        nodeRun("nrn_billed", "wfr_sandbox", 1, 40, completedAt),
        nodeRun("nrn_free", "wfr_sandbox", 2, 0, completedAt),
        nodeRun("nrn_live", "wfr_live", 1, 25, null),
      ])
      .execute();

    await t.finishMigrating();

    const ledger = await t.db
      .selectFrom("node_costs")
      .select([
        "workspace_id",
        "environment",
        "run_id",
        "node_run_id",
        "workflow_node_id",
        "cost_cents",
        "created_at",
      ])
      .orderBy("node_run_id")
      .execute();
    // Free node runs leave no entry; a node run that had not completed is dated when it started.
    expect(ledger).toEqual([
      {
        workspace_id: "ws_1",
        environment: "sandbox",
        run_id: "wfr_sandbox",
        node_run_id: "nrn_billed",
        workflow_node_id: "node_nrn_billed",
        cost_cents: 40,
        created_at: completedAt,
      },
      {
        workspace_id: "ws_1",
        environment: "live",
        run_id: "wfr_live",
        node_run_id: "nrn_live",
        workflow_node_id: "node_nrn_live",
        cost_cents: 25,
        created_at: startedAt,
      },
    ]);
    const since = new Date("2026-10-01T00:00:00Z");
    expect(await sumNodeCosts(t.db, "ws_1", { since })).toBe(65);
    expect(await sumNodeCosts(t.db, "ws_1", { since, environment: "sandbox" })).toBe(40);

    // From now on the trigger records new node runs, next to the copied ones and without repeating them.
    await insertNodeRun(t.db, {
      id: "nrn_after",
      runId: "wfr_sandbox",
      step: 3,
      workflowNodeId: "after",
      nodeType: "task",
      status: "completed",
      taskId: null,
      inputData: null,
      outputData: null,
      result: "success",
      routedTo: null,
      error: null,
      costCents: 10,
      startedAt: new Date(),
      completedAt: new Date(),
    });
    expect(await sumNodeCosts(t.db, "ws_1", { since })).toBe(75);
    expect(await t.db.selectFrom("node_costs").select("id").execute()).toHaveLength(3);
  });
});
