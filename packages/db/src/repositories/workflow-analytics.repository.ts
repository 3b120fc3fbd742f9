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

/** Runs of one version with one status, final status (`""` for none) and duration bucket. */
interface RunBucketRow {
  version: number;
  status: string;
  final_status: string;
  bucket: number;
  runs: number;
}

/** Node runs of one version and node with one result (`""` for none) and duration bucket. */
interface NodeBucketRow {
  version: number;
  node_id: string;
  node_type: string;
  result: string;
  bucket: number;
  executions: number;
}

const dayMs = 24 * 3600 * 1000;

/**
 * A workflow's analytics from the rollups: whole UTC days of the window are summed from
 * `analytics_*_rollups` and the deltas not folded into them yet; the partial days at either end are read
 * from `runs` and `node_runs` in the same bucketed shape. Two queries, whose cost grows with the number of
 * days, versions and nodes, not with the number of runs. Counts equal {@link workflowAnalyticsFromRuns};
 * percentiles come from 1 %-wide duration buckets and are within 1 % of it.
 *
 * The caller must have checked that the workflow belongs to the caller's tenant: a run always belongs to
 * its workflow's workspace and environment, so filtering by workflow id scopes the rows.
 */
export async function workflowAnalytics(
  db: Executor,
  query: WorkflowAnalyticsQuery,
): Promise<WorkflowAnalytics> {
  const version = query.version ?? null;
  const firstDay = Math.ceil(query.from.getTime() / dayMs) * dayMs;
  const endDay = Math.floor(query.to.getTime() / dayMs) * dayMs;
  // Windows of raw rows ([from, firstDay) and [endDay, to)), or all of it when no whole day fits.
  const edges: [Date, Date][] = [
    [query.from, new Date(firstDay)],
    [new Date(endDay), query.to],
  ];
  const raw =
    firstDay < endDay
      ? edges.filter(([from, to]) => from.getTime() < to.getTime())
      : [[query.from, query.to]];
  const days = firstDay < endDay ? { from: isoDay(firstDay), to: isoDay(endDay) } : null;
  const runVersion = version === null ? sql`` : sql`and workflow_version = ${version}`;
  const rawRuns = raw.map(
    ([from, to]) => sql`select workflow_version, status, coalesce(final_status, '') as final_status,
      analytics_duration_bucket(extract(epoch from (completed_at - started_at))::float8 * 1000) as bucket,
      1 as runs
      from runs where workflow_id = ${query.workflowId} and created_at >= ${from} and created_at < ${to} ${runVersion}`,
  );
  const dayRuns = days
    ? [
        sql`select workflow_version, status, final_status, bucket, runs from analytics_run_rollups
          where workflow_id = ${query.workflowId} and day >= ${days.from} and day < ${days.to} ${runVersion}`,
        sql`select workflow_version, status, final_status, bucket, runs from analytics_run_deltas
          where workflow_id = ${query.workflowId} and day >= ${days.from} and day < ${days.to} ${runVersion}`,
      ]
    : [];
  const runRows = await sql<RunBucketRow>`
    select workflow_version as version, status, final_status, bucket, sum(runs)::int as runs
    from (${sql.join([...rawRuns, ...dayRuns], sql` union all `)}) as source
    group by 1, 2, 3, 4 having sum(runs) <> 0
  `.execute(db);

  const nodeVersion = version === null ? sql`` : sql`and r.workflow_version = ${version}`;
  const rollupVersion = version === null ? sql`` : sql`and workflow_version = ${version}`;
  const rawNodes = raw.map(
    ([from, to]) => sql`select r.workflow_version, n.workflow_node_id as node_id, n.node_type,
      coalesce(n.result, '') as result,
      analytics_duration_bucket(extract(epoch from (n.completed_at - n.started_at))::float8 * 1000) as bucket,
      1 as executions
      from runs r join node_runs n on n.run_id = r.id
      where r.workflow_id = ${query.workflowId} and r.created_at >= ${from} and r.created_at < ${to} ${nodeVersion}`,
  );
  const dayNodes = days
    ? [
        sql`select workflow_version, node_id, node_type, result, bucket, executions from analytics_node_rollups
          where workflow_id = ${query.workflowId} and day >= ${days.from} and day < ${days.to} ${rollupVersion}`,
        sql`select workflow_version, node_id, node_type, result, bucket, executions from analytics_node_deltas
          where workflow_id = ${query.workflowId} and day >= ${days.from} and day < ${days.to} ${rollupVersion}`,
      ]
    : [];
  const nodeRows = await sql<NodeBucketRow>`
    select workflow_version as version, node_id, node_type, result, bucket, sum(executions)::int as executions
    from (${sql.join([...rawNodes, ...dayNodes], sql` union all `)}) as source
    group by 1, 2, 3, 4, 5 having sum(executions) <> 0
  `.execute(db);

  return assembleAnalytics(query, version, runRows.rows, nodeRows.rows);
}

/**
 * Puts bucketed rows together: counts by summing, percentiles by walking each histogram (the value of a
 * bucket is its midpoint), as `percentile_cont` interpolates between neighbouring ranks.
 */
function assembleAnalytics(
  query: WorkflowAnalyticsQuery,
  version: number | null,
  runRows: RunBucketRow[],
  nodeRows: NodeBucketRow[],
): WorkflowAnalytics {
  const versions = new Map<number, VersionAnalytics & { histogram: Map<number, number> }>();
  const versionOf = (v: number) => {
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
        histogram: new Map(),
      };
      versions.set(v, entry);
    }
    return entry;
  };
  for (const row of runRows) {
    const entry = versionOf(row.version);
    entry.runs += row.runs;
    addCount(entry.byStatus, row.status, row.runs);
    if (row.final_status !== "") addCount(entry.byFinalStatus, row.final_status, row.runs);
    if (row.bucket >= 0) entry.histogram.set(row.bucket, (entry.histogram.get(row.bucket) ?? 0) + row.runs);
  }

  type NodeTally = NodeAnalytics & { passed: number; decided: number; histogram: Map<number, number> };
  const nodes = new Map<string, NodeTally>();
  const nodesOfVersion = new Map<number, NodeTally[]>();
  for (const row of nodeRows) {
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
        histogram: new Map(),
      };
      nodes.set(key, node);
      versionOf(row.version);
      nodesOfVersion.set(row.version, [...(nodesOfVersion.get(row.version) ?? []), node]);
    }
    node.executions += row.executions;
    if (row.bucket >= 0) {
      node.completed += row.executions;
      node.histogram.set(row.bucket, (node.histogram.get(row.bucket) ?? 0) + row.executions);
    }
    if (row.result !== "") {
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
  const result: VersionAnalytics[] = [];
  for (const { histogram, ...entry } of ordered) {
    entry.byStatus.sort(byCountThenValue);
    entry.byFinalStatus.sort(byCountThenValue);
    entry.p50DurationMs = histogramPercentile(histogram, 0.5);
    entry.p95DurationMs = histogramPercentile(histogram, 0.95);
    entry.nodes = (nodesOfVersion.get(entry.version) ?? [])
      .map((node) => {
        const { passed, decided, histogram: durations, ...rest } = node;
        return {
          ...rest,
          results: rest.results.sort(byCountThenValue),
          passRate: decided > 0 ? passed / decided : null,
          p50DurationMs: histogramPercentile(durations, 0.5),
          p95DurationMs: histogramPercentile(durations, 0.95),
        };
      })
      .sort((a, b) => a.nodeId.localeCompare(b.nodeId));
    for (const count of entry.byStatus) addCount(byStatus, count.value, count.count);
    for (const count of entry.byFinalStatus) addCount(byFinalStatus, count.value, count.count);
    result.push(entry);
  }
  return {
    workflowId: query.workflowId,
    from: query.from,
    to: query.to,
    version,
    runs: result.reduce((sum, entry) => sum + entry.runs, 0),
    byStatus: byStatus.sort(byCountThenValue),
    byFinalStatus: byFinalStatus.sort(byCountThenValue),
    versions: result,
  };
}

/** The middle of duration bucket `bucket` in ms (the inverse of `analytics_duration_bucket`). */
export function durationBucketMidpointMs(bucket: number): number {
  return (1.01 ** bucket + 1.01 ** (bucket + 1)) / 2 - 1;
}

/** `percentile_cont(p)` over a histogram of duration buckets, or `null` when it is empty. */
function histogramPercentile(histogram: Map<number, number>, p: number): number | null {
  let total = 0;
  for (const count of histogram.values()) total += count;
  if (total === 0) return null;
  const rank = p * (total - 1);
  const lower = Math.floor(rank);
  const upper = Math.ceil(rank);
  const buckets = [...histogram.entries()].sort((a, b) => a[0] - b[0]);
  let seen = 0;
  let lowerValue: number | null = null;
  let upperValue: number | null = null;
  for (const [bucket, count] of buckets) {
    seen += count;
    if (lowerValue === null && lower < seen) lowerValue = durationBucketMidpointMs(bucket);
    if (upper < seen) {
      upperValue = durationBucketMidpointMs(bucket);
      break;
    }
  }
  const low = lowerValue ?? 0;
  const high = upperValue ?? low;
  return roundMs(low + (high - low) * (rank - lower));
}

/**
 * Moves up to `limit` analytics deltas of each kind into the rollups (one statement each, so a crash
 * moves all or nothing), and drops rollup rows that reached zero. Concurrent callers take disjoint deltas
 * (`skip locked`). Returns how many deltas were moved.
 *
 * @param db - Database or transaction.
 * @param limit - Deltas of each kind to move at most.
 */
export async function compactAnalyticsDeltas(db: Executor, limit = 10_000): Promise<number> {
  const runs = await sql<{ moved: number }>`
    with batch as (
      select id from analytics_run_deltas order by id limit ${limit} for update skip locked
    ), moved as (
      delete from analytics_run_deltas d using batch where d.id = batch.id
      returning d.workflow_id, d.day, d.workflow_version, d.status, d.final_status, d.bucket, d.runs
    ), folded as (
      insert into analytics_run_rollups as r (workflow_id, day, workflow_version, status, final_status, bucket, runs)
      select workflow_id, day, workflow_version, status, final_status, bucket, sum(runs)::int
      from moved group by 1, 2, 3, 4, 5, 6
      on conflict (workflow_id, day, workflow_version, status, final_status, bucket)
      do update set runs = r.runs + excluded.runs
      returning 1
    )
    select (select count(*) from moved)::int as moved, (select count(*) from folded)::int as folded
  `.execute(db);
  const nodes = await sql<{ moved: number }>`
    with batch as (
      select id from analytics_node_deltas order by id limit ${limit} for update skip locked
    ), moved as (
      delete from analytics_node_deltas d using batch where d.id = batch.id
      returning d.workflow_id, d.day, d.workflow_version, d.node_id, d.node_type, d.result, d.bucket, d.executions
    ), folded as (
      insert into analytics_node_rollups as r
        (workflow_id, day, workflow_version, node_id, node_type, result, bucket, executions)
      select workflow_id, day, workflow_version, node_id, node_type, result, bucket, sum(executions)::int
      from moved group by 1, 2, 3, 4, 5, 6, 7
      on conflict (workflow_id, day, workflow_version, node_id, node_type, result, bucket)
      do update set executions = r.executions + excluded.executions
      returning 1
    )
    select (select count(*) from moved)::int as moved, (select count(*) from folded)::int as folded
  `.execute(db);
  const moved = (runs.rows[0]?.moved ?? 0) + (nodes.rows[0]?.moved ?? 0);
  if (moved > 0) {
    await sql`delete from analytics_run_rollups where runs = 0`.execute(db);
    await sql`delete from analytics_node_rollups where executions = 0`.execute(db);
  }
  return moved;
}

function isoDay(ms: number): string {
  return new Date(ms).toISOString().slice(0, 10);
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
 * The exact analytics, computed from `runs` and `node_runs` with `percentile_cont`: the oracle the rollups
 * are tested against. Two grouped scans: runs through `runs_workflow_created` /
 * `runs_workflow_version_created` (workflow, [version,] created_at), and their node runs through
 * `node_runs_run_stats` (run_id), both covering the columns read; their cost grows with the runs in the
 * window.
 */
export async function workflowAnalyticsFromRuns(
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
