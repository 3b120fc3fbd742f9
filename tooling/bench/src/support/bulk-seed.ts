import type pg from "pg";

/** Ids of the seeded workflows: `wfl_bench_0` (the hot one, 4 of 5 runs) to `wfl_bench_19`. */
export const hotWorkflowId = "wfl_bench_0";

/** The seeded run with number `n` (1-based), e.g. `wfr_000000042`. */
export function seededRunId(n: number): string {
  return `wfr_${String(n).padStart(9, "0")}`;
}

/**
 * Creates the 20 workflows (3 versions each) that {@link seedRuns} spreads runs over, in `workspaceId`'s
 * sandbox. `graph` is stored as every version's graph.
 */
export async function seedWorkflows(
  client: pg.Pool | pg.Client,
  workspaceId: string,
  graph: unknown,
): Promise<void> {
  await client.query(
    `insert into workflows (id, workspace_id, environment, name, status, current_version)
     select 'wfl_bench_' || g, $1, 'sandbox', 'bench ' || g, 'active', 3 from generate_series(0, 19) g`,
    [workspaceId],
  );
  await client.query(
    `insert into workflow_versions (workflow_id, version, graph)
     select w.id, v, $1::jsonb from workflows w, generate_series(1, 3) v where w.id like 'wfl_bench_%'`,
    [JSON.stringify(graph)],
  );
}

/**
 * Bulk-inserts runs `from`..`to` (1-based, inclusive) with SQL `generate_series`, not through the engine:
 * one completed session per run, 5 node runs per run (start, document, aml, risk, approved), every fifth
 * run in one of 19 other workflows and the rest in {@link hotWorkflowId}, versions 1–3, created at
 * pseudo-random times over the last 365 days (the same run number always lands at the same offset, so
 * seeding in steps gives the same data as seeding at once); 1 in 50 runs paused, 1 in 97 failed.
 */
export async function seedRuns(
  client: pg.Pool | pg.Client,
  workspaceId: string,
  from: number,
  to: number,
): Promise<void> {
  const series = `generate_series(${Number(from)}::int, ${Number(to)}::int) g,
    lateral (select now() - interval '365 days' * ((g * 0.6180339887) - floor(g * 0.6180339887)) as ts) t`;
  await client.query(
    `insert into sessions (id, workspace_id, environment, workflow_id, status, result, created_at, updated_at,
        submitted_at, completed_at)
     select 'ses_' || lpad(g::text, 9, '0'), $1, 'sandbox',
       case when g % 5 = 0 then 'wfl_bench_' || (1 + g % 19) else '${hotWorkflowId}' end,
       'completed', 'approved', ts, ts, ts, ts + interval '1 second'
     from ${series}`,
    [workspaceId],
  );
  await client.query(
    `insert into runs (id, workspace_id, environment, session_id, workflow_id, workflow_version, status,
        final_status, graph_snapshot, current_node, step_count, last_seq, created_at, started_at, completed_at)
     select 'wfr_' || lpad(g::text, 9, '0'), $1, 'sandbox', 'ses_' || lpad(g::text, 9, '0'),
       case when g % 5 = 0 then 'wfl_bench_' || (1 + g % 19) else '${hotWorkflowId}' end,
       1 + g % 3,
       case when g % 50 = 0 then 'paused' when g % 97 = 0 then 'failed' else 'completed' end,
       case when g % 50 = 0 or g % 97 = 0 then null when g % 7 = 0 then 'rejected'
            when g % 11 = 0 then 'needs_review' else 'approved' end,
       '{}'::jsonb, 'approved', 2, 8, ts, ts,
       case when g % 50 = 0 then null else ts + interval '1 ms' * (40 + g % 400) end
     from ${series}`,
    [workspaceId],
  );
  await client.query(
    `insert into node_runs (id, run_id, step, workflow_node_id, node_type, status, result, routed_to,
        output_data, started_at, completed_at)
     select 'nrn_' || lpad(g::text, 9, '0') || '_' || s, 'wfr_' || lpad(g::text, 9, '0'), s,
       (array['start', 'document', 'aml', 'risk', 'approved'])[s],
       (array['start', 'policy', 'policy', 'conditional', 'terminal'])[s],
       'completed',
       case s when 1 then 'started'
              when 2 then case when h % 10 = 0 then 'fail' when h % 31 = 0 then 'error' else 'pass' end
              when 3 then case when h % 13 = 0 then 'fail' else 'pass' end
              when 4 then case when h % 4 = 0 then 'condition_0' else 'default' end
              else 'approved' end,
       (array['document', 'aml', 'risk', 'approved', null])[s],
       case s when 3 then jsonb_build_object('score', h % 100) else null end,
       ts + interval '10 ms' * s,
       ts + interval '10 ms' * s + interval '1 ms' * (h % 200)
     from ${series}, generate_series(1, 5) s,
       lateral (select abs(hashtext(g::text || '/' || s)) as h) x`,
  );
}

/** Refreshes the planner's statistics after seeding (VACUUM ANALYZE of the seeded tables). */
export async function analyzeSeeded(client: pg.Pool | pg.Client): Promise<void> {
  for (const table of [
    "sessions",
    "runs",
    "node_runs",
    "analytics_run_deltas",
    "analytics_run_rollups",
    "analytics_run_histograms",
    "analytics_node_deltas",
    "analytics_node_rollups",
    "analytics_node_histograms",
  ]) {
    await client.query(`vacuum analyze ${table}`);
  }
}
