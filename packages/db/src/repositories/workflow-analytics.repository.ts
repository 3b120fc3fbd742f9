import { sql } from "kysely";
import type { Executor } from "../database.ts";

/** Which runs analytics cover: a workflow's runs created in `[from, to)`, optionally of one version. */
export interface WorkflowAnalyticsQuery {
  workflowId: string;
  from: Date;
  to: Date;
  version?: number | null | undefined;
}

/** A count of runs with one status or final status. */
export interface AnalyticsCount {
  /** The status, final status or node result counted. */
  value: string;
  count: number;
}

/** Statistics of one graph node over the runs of one version. */
export interface NodeAnalytics {
  nodeId: string;
  nodeType: string;
  /** Node runs recorded (one per execution; a retried node counts once). */
  executions: number;
  /** Node runs that completed (a gate still waiting has not). */
  completed: number;
  /** Node runs by result (`pass`, `fail`, `condition_0`, `continue`, an outcome, …). */
  results: AnalyticsCount[];
  /** For policy nodes: passes over pass + fail + error; `null` for other nodes or without outcomes. */
  passRate: number | null;
  /** Median duration of completed executions in ms. */
  p50DurationMs: number | null;
  /** 95th percentile duration of completed executions in ms. */
  p95DurationMs: number | null;
}

/** Statistics of the runs of one version. */
export interface VersionAnalytics {
  version: number;
  runs: number;
  byStatus: AnalyticsCount[];
  byFinalStatus: AnalyticsCount[];
  /** Median run duration (started → completed) in ms, over finished runs. */
  p50DurationMs: number | null;
  /** 95th percentile run duration in ms, over finished runs. */
  p95DurationMs: number | null;
  /** Per node, sorted by node id. */
  nodes: NodeAnalytics[];
}

/** Workflow analytics over a time window: totals and per version. */
export interface WorkflowAnalytics {
  workflowId: string;
  from: Date;
  to: Date;
  /** The version asked for, or `null` for all. */
  version: number | null;
  runs: number;
  byStatus: AnalyticsCount[];
  byFinalStatus: AnalyticsCount[];
  /** Per version, newest first. */
  versions: VersionAnalytics[];
}

interface RunGroupRow {
  version: number;
  status: string;
  final_status: string | null;
  count: number;
  p50: number | null;
  p95: number | null;
  by_version: number;
}

interface NodeGroupRow {
  version: number;
  node_id: string;
  node_type: string;
  result: string | null;
  executions: number;
  completed: number;
  p50: number | null;
  p95: number | null;
  by_node: number;
}

/**
 * Computes a workflow's analytics in SQL: runs by status and final status, run and node durations
 * (p50/p95 with `percentile_cont`), node results and pass rates, per version. Two grouped scans: runs
 * through `runs_workflow_created` / `runs_workflow_version_created` (workflow, [version,] created_at), and
 * their node runs through `node_runs_run_stats` (run_id), both covering the columns read.
 *
 * The caller must have checked that the workflow belongs to the caller's tenant: a run always belongs to
 * its workflow's workspace and environment, so filtering by workflow id scopes the rows.
 */
export async function workflowAnalytics(
  db: Executor,
  query: WorkflowAnalyticsQuery,
): Promise<WorkflowAnalytics> {
  const version = query.version ?? null;
  const versionFilter = version === null ? sql`` : sql`and workflow_version = ${version}`;
  const runDuration = sql`extract(epoch from (completed_at - started_at))::float8 * 1000`;
  const runRows = await sql<RunGroupRow>`
    select workflow_version as version, status, final_status, count(*)::int as count,
      percentile_cont(0.5) within group (order by ${runDuration}) as p50,
      percentile_cont(0.95) within group (order by ${runDuration}) as p95,
      grouping(status, final_status) as by_version
    from runs
    where workflow_id = ${query.workflowId} and created_at >= ${query.from} and created_at < ${query.to}
      ${versionFilter}
    group by grouping sets ((workflow_version), (workflow_version, status, final_status))
  `.execute(db);

  const nodeDuration = sql`extract(epoch from (n.completed_at - n.started_at))::float8 * 1000`;
  const nodeVersionFilter = version === null ? sql`` : sql`and r.workflow_version = ${version}`;
  const nodeRows = await sql<NodeGroupRow>`
    select r.workflow_version as version, n.workflow_node_id as node_id, n.node_type, n.result,
      count(*)::int as executions, count(n.completed_at)::int as completed,
      percentile_cont(0.5) within group (order by ${nodeDuration}) as p50,
      percentile_cont(0.95) within group (order by ${nodeDuration}) as p95,
      grouping(n.result) as by_node
    from runs r
    join node_runs n on n.run_id = r.id
    where r.workflow_id = ${query.workflowId} and r.created_at >= ${query.from} and r.created_at < ${query.to}
      ${nodeVersionFilter}
    group by grouping sets (
      (r.workflow_version, n.workflow_node_id, n.node_type),
      (r.workflow_version, n.workflow_node_id, n.node_type, n.result)
    )
  `.execute(db);

  const versions = new Map<number, VersionAnalytics>();
  const versionOf = (v: number): VersionAnalytics => {
    let entry = versions.get(v);
    if (entry === undefined) {
      entry = {
        version: v,
        runs: 0,
        byStatus: [],
        byFinalStatus: [],
        p50DurationMs: null,
        p95DurationMs: null,
        nodes: [],
      };
      versions.set(v, entry);
    }
    return entry;
  };
  for (const row of runRows.rows) {
    const entry = versionOf(row.version);
    if (Number(row.by_version) !== 0) {
      entry.runs = row.count;
      entry.p50DurationMs = roundMs(row.p50);
      entry.p95DurationMs = roundMs(row.p95);
    } else {
      addCount(entry.byStatus, row.status, row.count);
      if (row.final_status !== null) addCount(entry.byFinalStatus, row.final_status, row.count);
    }
  }

  type NodeTally = NodeAnalytics & { passed: number; decided: number };
  const nodes = new Map<string, NodeTally>();
  const nodesOfVersion = new Map<number, NodeTally[]>();
  for (const row of nodeRows.rows) {
    const key = `${row.version}\u0000${row.node_id}\u0000${row.node_type}`;
    let node = nodes.get(key);
    if (node === undefined) {
      node = {
        nodeId: row.node_id,
        nodeType: row.node_type,
        executions: 0,
        completed: 0,
        results: [],
        passRate: null,
        p50DurationMs: null,
        p95DurationMs: null,
        passed: 0,
        decided: 0,
      };
      nodes.set(key, node);
      versionOf(row.version);
      nodesOfVersion.set(row.version, [...(nodesOfVersion.get(row.version) ?? []), node]);
    }
    if (Number(row.by_node) !== 0) {
      node.executions = row.executions;
      node.completed = row.completed;
      node.p50DurationMs = roundMs(row.p50);
      node.p95DurationMs = roundMs(row.p95);
    } else if (row.result !== null) {
      addCount(node.results, row.result, row.executions);
      if (row.node_type === "policy" && ["pass", "fail", "error"].includes(row.result)) {
        node.decided += row.executions;
        if (row.result === "pass") node.passed += row.executions;
      }
    }
  }

  const ordered = [...versions.values()].sort((a, b) => b.version - a.version);
  const byStatus: AnalyticsCount[] = [];
  const byFinalStatus: AnalyticsCount[] = [];
  for (const entry of ordered) {
    entry.byStatus.sort(byCountThenValue);
    entry.byFinalStatus.sort(byCountThenValue);
    entry.nodes = (nodesOfVersion.get(entry.version) ?? [])
      .map((node) => {
        const { passed, decided, ...rest } = node;
        return {
          ...rest,
          results: rest.results.sort(byCountThenValue),
          passRate: decided > 0 ? passed / decided : null,
        };
      })
      .sort((a, b) => a.nodeId.localeCompare(b.nodeId));
    for (const count of entry.byStatus) addCount(byStatus, count.value, count.count);
    for (const count of entry.byFinalStatus) addCount(byFinalStatus, count.value, count.count);
  }
  return {
    workflowId: query.workflowId,
    from: query.from,
    to: query.to,
    version,
    runs: ordered.reduce((sum, entry) => sum + entry.runs, 0),
    byStatus: byStatus.sort(byCountThenValue),
    byFinalStatus: byFinalStatus.sort(byCountThenValue),
    versions: ordered,
  };
}

function addCount(counts: AnalyticsCount[], value: string, count: number): void {
  const existing = counts.find((entry) => entry.value === value);
  if (existing) existing.count += count;
  else counts.push({ value, count });
}

function byCountThenValue(a: AnalyticsCount, b: AnalyticsCount): number {
  return b.count - a.count || a.value.localeCompare(b.value);
}

function roundMs(value: number | string | null): number | null {
  return value === null ? null : Math.round(Number(value) * 100) / 100;
}
