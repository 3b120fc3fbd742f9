import { sql } from "kysely";
import { Migrator } from "kysely/migration";
import { describe, expect, onTestFinished, test } from "vitest";
import { compactAnalyticsDeltas, workflowAnalytics, workflowAnalyticsFromRuns } from "../../src/index.ts";
import { migrationProvider } from "../../src/migrations/index.ts";
import { databaseBefore, testBackends } from "../../src/testing/index.ts";

/**
 * `2026-11-30T18-10_analytics-hourly-spans` replaced the day-keyed rollups with hourly spans and rebuilt
 * them from the runs and node runs already there: runs recorded before it (some folded by the old
 * compactor's tables, all of them rows in `runs`/`node_runs`) must count exactly as the raw query counts
 * them, before and after the new compactor folds the rebuilt deltas.
 */
const migration = "2026-11-30T18-10_analytics-hourly-spans";
const origin = "2026-05-01T00:00:00Z";
const graph = {
  entry: "start",
  nodes: [
    { id: "start", type: "start", next: "done" },
    { id: "done", type: "terminal", outcome: "approved" },
  ],
};

describe.each(testBackends())(`migration ${migration} (%s)`, (backend) => {
  test("runs and node runs recorded before it are counted exactly as the raw query counts them", async () => {
    const t = await databaseBefore(backend, migration);
    onTestFinished(() => t.close());
    await t.before.insertInto("organizations").values({ id: "org_1", name: "Acme" }).execute();
    await t.before
      .insertInto("workspaces")
      .values({ id: "ws_1", organization_id: "org_1", name: "KYC" })
      .execute();
    await t.before
      .insertInto("workflows")
      .values({
        id: "wfl_1",
        workspace_id: "ws_1",
        environment: "sandbox",
        name: "w",
        status: "active",
        current_version: 2,
      })
      .execute();
    for (const version of [1, 2]) {
      await t.before
        .insertInto("workflow_versions")
        .values({ workflow_id: "wfl_1", version, graph: JSON.stringify(graph) })
        .execute();
    }
    // 300 runs every 3 hours over five weeks (the schema as it was: its triggers wrote day-keyed deltas).
    await sql`
      insert into runs (id, workspace_id, environment, workflow_id, workflow_version, status, final_status,
        graph_snapshot, created_at, started_at, completed_at)
      select 'wfr_m' || i, 'ws_1', 'sandbox', 'wfl_1', 1 + i % 2,
        (array['completed', 'failed', 'running', 'paused', 'cancelled'])[1 + i % 5],
        case i % 5 when 0 then 'approved' when 1 then 'declined' when 4 then 'cancelled' end,
        ${JSON.stringify(graph)}::jsonb,
        ${origin}::timestamptz + (i * interval '3 hours'),
        ${origin}::timestamptz + (i * interval '3 hours'),
        case when i % 5 in (0, 1, 4) then
          ${origin}::timestamptz + (i * interval '3 hours') + ((i * 37) % 900 + 1) * interval '1 millisecond'
        end
      from generate_series(1, 300) as i`.execute(t.before);
    await sql`
      insert into node_runs (id, run_id, step, workflow_node_id, node_type, status, result, started_at, completed_at)
      select 'nr_' || r.id || '_' || s, r.id, s, (array['start', 'done'])[s], (array['start', 'terminal'])[s],
        'completed', 'ok', r.created_at, r.created_at + (s * 11 + length(r.id)) * interval '3 milliseconds'
      from runs r cross join generate_series(1, 2) as s`.execute(t.before);

    await t.finishMigrating();

    const windows = [
      { workflowId: "wfl_1", from: new Date("2026-04-01T00:00:00Z"), to: new Date("2026-07-01T00:00:00Z") },
      { workflowId: "wfl_1", from: new Date("2026-05-03T10:30:00Z"), to: new Date("2026-05-20T07:15:00Z") },
      {
        workflowId: "wfl_1",
        from: new Date("2026-05-01T00:00:00Z"),
        to: new Date("2026-06-15T00:00:00Z"),
        version: 2,
      },
    ];
    const expectExact = async () => {
      for (const query of windows) {
        const exact = await workflowAnalyticsFromRuns(t.db, query);
        const rolled = await workflowAnalytics(t.db, query);
        expect(rolled.runs).toBe(exact.runs);
        expect(rolled.byStatus).toEqual(exact.byStatus);
        expect(rolled.byFinalStatus).toEqual(exact.byFinalStatus);
        expect(
          rolled.versions.map((v) => [
            v.version,
            v.runs,
            v.nodes.map((n) => [n.nodeId, n.executions, n.completed, n.results]),
          ]),
        ).toEqual(
          exact.versions.map((v) => [
            v.version,
            v.runs,
            v.nodes.map((n) => [n.nodeId, n.executions, n.completed, n.results]),
          ]),
        );
      }
    };
    expect((await workflowAnalyticsFromRuns(t.db, windows[0]!)).runs).toBe(300);
    await expectExact();
    while ((await compactAnalyticsDeltas(t.db, 100)) > 0) {}
    await expectExact();

    // Down goes back to the day-keyed rollups, rebuilt from the same runs.
    const migrator = new Migrator({
      db: t.db,
      provider: migrationProvider,
      ...(t.schema ? { migrationTableSchema: t.schema } : {}),
    });
    const names = Object.keys(await migrationProvider.getMigrations()).sort();
    const { error } = await migrator.migrateTo(names[names.indexOf(migration) - 1] as string);
    expect(error).toBeUndefined();
    const days = await sql<{
      runs: number;
    }>`select coalesce(sum(runs), 0)::int as runs from analytics_run_deltas`.execute(t.db);
    expect(days.rows[0]?.runs).toBe(300);
    const rollups = await sql<{ n: number }>`select count(*)::int as n from information_schema.tables
      where table_name = 'analytics_run_rollups' and table_schema = current_schema()`.execute(t.db);
    expect(rollups.rows[0]?.n).toBe(0);
  });
});
