import { newId, type Tenant } from "@flowgate/domain";
import { sql } from "kysely";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import {
  compactAnalyticsDeltas,
  insertOrganization,
  insertWorkflow,
  insertWorkflowVersion,
  insertWorkspace,
  type WorkflowAnalytics,
  type WorkflowAnalyticsQuery,
  workflowAnalytics,
  workflowAnalyticsFromRuns,
} from "../src/index.ts";
import { createTestDatabase, type TestDatabase, testBackends } from "../src/testing/index.ts";

const graph = {
  entry: "start",
  nodes: [
    { id: "start", type: "start" as const, next: "done" },
    { id: "done", type: "terminal" as const, outcome: "approved" },
  ],
};

const day = 24 * 3600 * 1000;
const origin = Date.parse("2026-03-01T00:00:00Z");

/** Counts must be equal; a percentile within half a 2 % bucket of the exact one (plus rounding). */
function expectSameAnalytics(actual: WorkflowAnalytics, exact: WorkflowAnalytics): void {
  const close = (a: number | null, b: number | null) => {
    if (b === null) return expect(a).toBeNull();
    expect(a).not.toBeNull();
    expect(Math.abs((a as number) - b)).toBeLessThanOrEqual(0.0101 * (b + 1) + 0.011);
  };
  expect(actual.runs).toBe(exact.runs);
  expect(actual.byStatus).toEqual(exact.byStatus);
  expect(actual.byFinalStatus).toEqual(exact.byFinalStatus);
  expect(actual.versions.map((v) => v.version)).toEqual(exact.versions.map((v) => v.version));
  actual.versions.forEach((version, i) => {
    const oracle = exact.versions[i];
    if (!oracle) throw new Error("missing version");
    expect({ ...version, p50DurationMs: 0, p95DurationMs: 0, nodes: [] }).toEqual({
      ...oracle,
      p50DurationMs: 0,
      p95DurationMs: 0,
      nodes: [],
    });
    close(version.p50DurationMs, oracle.p50DurationMs);
    close(version.p95DurationMs, oracle.p95DurationMs);
    expect(version.nodes.map((n) => ({ ...n, p50DurationMs: 0, p95DurationMs: 0 }))).toEqual(
      oracle.nodes.map((n) => ({ ...n, p50DurationMs: 0, p95DurationMs: 0 })),
    );
    version.nodes.forEach((node, j) => {
      close(node.p50DurationMs, oracle.nodes[j]?.p50DurationMs ?? null);
      close(node.p95DurationMs, oracle.nodes[j]?.p95DurationMs ?? null);
    });
  });
}

describe.each(testBackends())("analytics rollups (%s)", (backend) => {
  let t: TestDatabase;
  let workflowId: string;

  const minute = 60_000;
  /**
   * Windows over the runs (1 March to 9 June, one every 4 hours on the hour): whole months and days,
   * partial days and months at both ends, less than a day, and one version; partial hours at either end
   * added from the runs or subtracted from their hour (the part outside the window shorter, or after now),
   * and less than an hour read as the whole hour minus both ends.
   */
  const windows = (): WorkflowAnalyticsQuery[] => [
    { workflowId, from: new Date(origin - 40 * day), to: new Date(origin + 120 * day) },
    { workflowId, from: new Date(origin + 0.3 * day), to: new Date(origin + 75.6 * day) },
    { workflowId, from: new Date(origin + 20.3 * day), to: new Date(origin + 30 * day) },
    { workflowId, from: new Date(origin + 2.25 * day), to: new Date(origin + 2.75 * day) },
    { workflowId, from: new Date(origin + 1.5 * day), to: new Date(origin + 3 * day) },
    { workflowId, from: new Date(origin), to: new Date(origin + 92 * day), version: 2 },
    {
      workflowId,
      from: new Date(origin + 2 * day + 59 * minute),
      to: new Date(origin + 5 * day + 4 * 60 * minute + 1),
    },
    {
      workflowId,
      from: new Date(origin + 9 * day + 8 * 60 * minute + 1),
      to: new Date(origin + 30 * day + 13 * minute),
    },
    { workflowId, from: new Date(origin + 60 * day + 4 * minute), to: new Date(Date.now() + 10 * minute) },
    {
      workflowId,
      from: new Date(origin + 10 * day + 3 * 60 * minute + 59 * minute),
      to: new Date(origin + 10 * day + 4 * 60 * minute + 55 * minute),
    },
    {
      workflowId,
      from: new Date(origin + 10 * day + 4 * 60 * minute + 5 * minute),
      to: new Date(origin + 10 * day + 4 * 60 * minute + 55 * minute),
    },
    {
      workflowId,
      from: new Date(origin + 12 * day + 7 * minute),
      to: new Date(origin + 40 * day + 11 * minute),
      version: 1,
    },
  ];

  async function expectRollupsMatch(): Promise<void> {
    for (const query of windows()) {
      expectSameAnalytics(await workflowAnalytics(t.db, query), await workflowAnalyticsFromRuns(t.db, query));
    }
  }

  beforeAll(async () => {
    t = await createTestDatabase(backend);
    const organizationId = newId("org");
    await insertOrganization(t.db, { id: organizationId, name: "Acme" });
    const tenant: Tenant = { workspaceId: newId("ws"), environment: "sandbox" };
    await insertWorkspace(t.db, { id: tenant.workspaceId, organizationId, name: "w", settings: {} });
    workflowId = newId("wfl");
    await insertWorkflow(t.db, tenant, {
      id: workflowId,
      name: "w",
      description: null,
      metadata: {},
      currentVersion: 2,
    });
    for (const version of [1, 2]) {
      await insertWorkflowVersion(t.db, { workflowId, version, graph, publishedBy: null });
    }
    // 600 runs over a hundred days, two versions, every status; durations from 0.4 ms to minutes.
    await sql`
      insert into runs (id, workspace_id, environment, workflow_id, workflow_version, status, final_status,
        graph_snapshot, created_at, started_at, completed_at)
      select 'wfr_r' || i, ${tenant.workspaceId}, 'sandbox', ${workflowId}, 1 + i % 2,
        (array['completed', 'failed', 'running', 'paused', 'cancelled'])[1 + i % 5],
        case i % 5 when 0 then 'approved' when 1 then 'declined' when 4 then 'cancelled' end,
        ${JSON.stringify(graph)}::jsonb,
        ${new Date(origin).toISOString()}::timestamptz + (i * interval '4 hours'),
        case when i % 7 = 0 then null
          else ${new Date(origin).toISOString()}::timestamptz + (i * interval '4 hours') end,
        case when i % 5 in (0, 1, 4) then
          ${new Date(origin).toISOString()}::timestamptz + (i * interval '4 hours')
            + ((i * 37) % 900 + 0.4) * interval '1 millisecond' * (1 + (i % 3) * 100)
        end
      from generate_series(1, 600) as i`.execute(t.db);
    await sql`
      insert into node_runs (id, run_id, step, workflow_node_id, node_type, status, result, started_at, completed_at)
      select 'nr_' || r.id || '_' || s, r.id, s, (array['start', 'check', 'done'])[s],
        (array['start', 'policy', 'terminal'])[s], 'completed',
        case when s = 2 then (array['pass', 'fail', 'error', null])[1 + (length(r.id) + s) % 4] else 'ok' end,
        r.created_at + s * interval '1 second',
        case when (length(r.id) + s) % 6 <> 0 then r.created_at + s * interval '1 second'
          + (s * 13 + length(r.id)) * interval '7 milliseconds' end
      from runs r cross join generate_series(1, 3) as s
      where r.workflow_id = ${workflowId}`.execute(t.db);
  });
  afterAll(() => t.close());

  it("equals the raw query from the deltas alone, before any compaction", async () => {
    await expectRollupsMatch();
  });

  it("equals it after the deltas are folded into the rollups", async () => {
    let moved = 0;
    for (
      let batch = await compactAnalyticsDeltas(t.db, 500);
      batch > 0;
      batch = await compactAnalyticsDeltas(t.db, 500)
    ) {
      moved += batch;
    }
    expect(moved).toBeGreaterThan(600);
    const left = await sql<{ n: number }>`select count(*)::int as n from analytics_run_deltas`.execute(t.db);
    expect(left.rows[0]?.n).toBe(0);
    await expectRollupsMatch();
  });

  it("follows status changes, deletions and new runs, folded or not", async () => {
    await sql`update runs set status = 'completed', final_status = 'approved', completed_at = started_at + interval '2 seconds'
      where workflow_id = ${workflowId} and status in ('running', 'paused') and started_at is not null`.execute(
      t.db,
    );
    await sql`update node_runs set result = 'pass' where result = 'fail'`.execute(t.db);
    await sql`delete from runs where id in ('wfr_r10', 'wfr_r11', 'wfr_r12')`.execute(t.db);
    await sql`delete from node_runs where id = 'nr_wfr_r20_2'`.execute(t.db);
    await expectRollupsMatch();
    await compactAnalyticsDeltas(t.db);
    await expectRollupsMatch();
    const empty = await sql<{
      n: number;
    }>`select count(*)::int as n from analytics_run_rollups where runs = 0`.execute(t.db);
    expect(empty.rows[0]?.n).toBe(0);
  });

  it("counts a run across a day boundary that finishes after the compactor ran, with a retried node", async () => {
    const midnight = origin + 50 * day;
    const created = [midnight - 1, midnight, midnight + 3600 * 1000 - 1];
    await sql`
      insert into runs (id, workspace_id, environment, workflow_id, workflow_version, status, graph_snapshot,
        created_at, started_at)
      select 'wfr_edge' || i, w.workspace_id, w.environment, w.id, 2, 'running', '{}'::jsonb, c, c
      from workflows w, unnest(${created.map((ms) => new Date(ms).toISOString())}::timestamptz[])
        with ordinality as t(c, i)
      where w.id = ${workflowId}`.execute(t.db);
    // The policy node errs, is retried (a second node run of the same node) and passes.
    await sql`
      insert into node_runs (id, run_id, step, workflow_node_id, node_type, status, result, started_at, completed_at)
      select 'nr_' || r.id || '_' || s.step, r.id, s.step, s.node_id, s.node_type, 'completed', s.result,
        r.created_at + s.step * interval '1 second', r.created_at + s.step * interval '1 second' + interval '25 ms'
      from runs r, (values (1, 'start', 'start', 'ok'), (2, 'check', 'policy', 'error'), (3, 'check', 'policy', 'pass'))
        as s(step, node_id, node_type, result)
      where r.id like 'wfr_edge%'`.execute(t.db);
    await compactAnalyticsDeltas(t.db);
    await sql`update runs set status = 'completed', final_status = 'approved',
      completed_at = started_at + interval '1500 ms' where id like 'wfr_edge%'`.execute(t.db);
    const edges: WorkflowAnalyticsQuery[] = [
      { workflowId, from: new Date(midnight - day), to: new Date(midnight) },
      { workflowId, from: new Date(midnight), to: new Date(midnight + 1800 * 1000) },
      { workflowId, from: new Date(midnight - 2), to: new Date(midnight + 3600 * 1000) },
      { workflowId, from: new Date(midnight - 7 * day), to: new Date(midnight + 7 * day), version: 2 },
    ];
    for (const query of edges) {
      const exact = await workflowAnalyticsFromRuns(t.db, query);
      expectSameAnalytics(await workflowAnalytics(t.db, query), exact);
    }
    const retried = await workflowAnalyticsFromRuns(t.db, edges[2] as WorkflowAnalyticsQuery);
    const edgeVersion = retried.versions.find((v) => v.version === 2);
    expect(edgeVersion?.runs).toBe(3);
    expect(edgeVersion?.nodes.find((n) => n.nodeId === "check")?.executions).toBe(6);
    await compactAnalyticsDeltas(t.db);
    for (const query of edges) {
      expectSameAnalytics(await workflowAnalytics(t.db, query), await workflowAnalyticsFromRuns(t.db, query));
    }
    await expectRollupsMatch();
  });

  it("keeps no delta of a transaction that rolled back", async () => {
    const before = await sql<{ n: number }>`select count(*)::int as n from analytics_run_deltas`.execute(
      t.db,
    );
    await expect(
      t.db.transaction().execute(async (trx) => {
        await sql`update runs set status = 'failed', final_status = 'declined' where workflow_id = ${workflowId}`.execute(
          trx,
        );
        throw new Error("rolled back");
      }),
    ).rejects.toThrow("rolled back");
    const after = await sql<{ n: number }>`select count(*)::int as n from analytics_run_deltas`.execute(t.db);
    expect(after.rows[0]?.n).toBe(before.rows[0]?.n);
    await expectRollupsMatch();
  });
});
