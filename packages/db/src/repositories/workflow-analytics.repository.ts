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

/**
 * One row of the runs' analytics, by `kind`: `c` runs of one version, status and final status (`""` for
 * none) in the window's spans; `h` one span's duration histogram of one version (`counts[i]` finished runs
 * in bucket `i`, in PostgreSQL's text form of an integer array, `{0,0,3,1}`); `r` runs of the window's partial
 * hours and deltas not folded yet, by status and duration bucket (`-1` for none).
 */
interface RunSourceRow {
  kind: "c" | "h" | "r";
  version: number;
  status: string | null;
  final_status: string | null;
  bucket: number | null;
  runs: number;
  counts: string | null;
}

/** Like {@link RunSourceRow} for node runs, by node and result; `completed` of the executions finished. */
interface NodeSourceRow {
  kind: "c" | "h" | "r";
  version: number;
  node_id: string;
  node_type: string;
  result: string | null;
  bucket: number | null;
  executions: number;
  completed: number;
  counts: string | null;
}

const hourMs = 3600 * 1000;

const runDurationSql = sql`analytics_duration_bucket(extract(epoch from (completed_at - started_at))::float8 * 1000)`;
const nodeDurationSql = sql`analytics_duration_bucket(extract(epoch from (n.completed_at - n.started_at))::float8 * 1000)`;

/**
 * A workflow's analytics from the rollups. The window splits into whole UTC hours, covered by the fewest
 * aligned spans of 4^level hours (1 hour to 4,096 hours; a year takes a few dozen), whose counts and
 * histograms are read by primary key, plus the deltas not folded yet; and the partial hours at either end,
 * read from `runs` and `node_runs`: either the part inside the window is added, or its hour is read whole
 * and the part outside subtracted, whichever holds fewer runs (the shorter part, and never the part after
 * now, so a window that ends now reads none of the current hour's runs). Two queries (runs, node runs) whose
 * cost grows with spans, versions, nodes and results, not with runs: at most half an hour's runs at either
 * end come from the raw tables. Counts equal
 * {@link workflowAnalyticsFromRuns}; percentiles are within 1 % of it (half a 2 % bucket).
 *
 * The caller must have checked that the workflow belongs to the caller's tenant: a run always belongs to
 * its workflow's workspace and environment, so filtering by workflow id scopes the rows.
 */
export async function workflowAnalytics(
  db: Executor,
  query: WorkflowAnalyticsQuery,
): Promise<WorkflowAnalytics> {
  const version = query.version ?? null;
  const { workflowId } = query;
  const plan = windowPlan(query.from, query.to, Date.now());
  const runVersion = version === null ? sql`` : sql`and workflow_version = ${version}`;
  const joinedVersion = version === null ? sql`` : sql`and r.workflow_version = ${version}`;
  const spanVersion = version === null ? sql`` : sql`where s.workflow_version = ${version}`;
  // `columns(sign)`: a run or node run inside the window counts once, one outside its hour's span -1 times.
  const rawRuns = (columns: (sign: RawPart["sign"]) => ReturnType<typeof sql>) =>
    plan.raw.map(
      ({ from, to, sign }) => sql`select ${columns(sign)} from runs
        where workflow_id = ${workflowId} and created_at >= ${from} and created_at < ${to} ${runVersion}`,
    );
  const rawNodes = (columns: (sign: RawPart["sign"]) => ReturnType<typeof sql>) =>
    plan.raw.map(
      ({ from, to, sign }) => sql`select ${columns(sign)} from runs r join node_runs n on n.run_id = r.id
        where r.workflow_id = ${workflowId} and r.created_at >= ${from} and r.created_at < ${to} ${joinedVersion}`,
    );
  const deltas = (table: string, columns: ReturnType<typeof sql>) =>
    plan.hours
      ? [
          sql`select ${columns} from ${sql.table(table)} where workflow_id = ${workflowId}
            and hour >= ${plan.hours.from} and hour < ${plan.hours.to} ${runVersion}`,
        ]
      : [];
  // Spans are looked up by a join with the window's list of spans: one primary-key range each.
  const spanRows = plan.spans.map((span) => sql`(${span.level}::smallint, ${span.start}::integer)`);
  const spanList =
    spanRows.length > 0
      ? sql`(values ${sql.join(spanRows)})`
      : sql`(select null::smallint, null::integer where false)`;
  const inSpans = (table: string) => sql`${spanList} as span(level, start)
    join ${sql.table(table)} as s on s.workflow_id = ${workflowId} and s.level = span.level
      and s.period_start = span.start ${spanVersion}`;
  const union = (parts: ReturnType<typeof sql>[]) => sql.join(parts, sql` union all `);

  const [runRows, nodeRows] = await Promise.all([
    sql<RunSourceRow>`
      (select 'r' as kind, workflow_version as version, status, final_status, bucket, sum(runs)::int as runs,
        null::text as counts
      from (${union([
        // Names the columns, whichever sources the window needs.
        sql`select null::integer as workflow_version, null::text as status, null::text as final_status,
          null::integer as bucket, 0 as runs where false`,
        ...rawRuns(
          (sign) =>
            sql`workflow_version, status, coalesce(final_status, ''), ${runDurationSql}, ${sql.lit(sign)}`,
        ),
        ...deltas("analytics_run_deltas", sql`workflow_version, status, final_status, bucket, runs`),
      ])}) as source group by 2, 3, 4, 5 having sum(runs) <> 0)
      union all
      (select 'c', s.workflow_version, s.status, s.final_status, null, sum(s.runs)::int, null
      from ${inSpans("analytics_run_rollups")} group by 2, 3, 4)
      union all
      (select 'h', s.workflow_version, null, null, null, s.total, s.counts::text from ${inSpans("analytics_run_histograms")})
    `.execute(db),
    sql<NodeSourceRow>`
      (select 'r' as kind, workflow_version as version, node_id, node_type, result, bucket,
        sum(executions)::int as executions, sum(completed)::int as completed, null::text as counts
      from (${union([
        sql`select null::integer as workflow_version, null::text as node_id, null::text as node_type,
          null::text as result, null::integer as bucket, 0 as executions, 0 as completed where false`,
        ...rawNodes(
          (sign) => sql`r.workflow_version, n.workflow_node_id, n.node_type, coalesce(n.result, ''),
            ${nodeDurationSql}, ${sql.lit(sign)}, ${sql.lit(sign)} * (n.completed_at is not null)::int`,
        ),
        ...deltas(
          "analytics_node_deltas",
          sql`workflow_version, node_id, node_type, result, bucket, executions,
            case when bucket >= 0 then executions else 0 end`,
        ),
      ])}) as source group by 2, 3, 4, 5, 6 having sum(executions) <> 0 or sum(completed) <> 0)
      union all
      (select 'c', s.workflow_version, s.node_id, s.node_type, s.result, null, sum(s.executions)::int,
        sum(s.completed)::int, null
      from ${inSpans("analytics_node_rollups")} group by 2, 3, 4, 5)
      union all
      (select 'h', s.workflow_version, s.node_id, s.node_type, null, null, s.total, 0, s.counts::text
      from ${inSpans("analytics_node_histograms")})
    `.execute(db),
  ]);
  return assembleAnalytics(query, version, runRows.rows, nodeRows.rows);
}

/** Runs created in `[from, to)`, read from the runs themselves, added (`1`) or subtracted (`-1`). */
interface RawPart {
  from: Date;
  to: Date;
  sign: 1 | -1;
}

/** Which parts of `[from, to)` each source covers. */
interface WindowPlan {
  /**
   * Partial hours, read from the runs themselves: added when inside the window, subtracted when outside it
   * but inside `hours` (all of the window when no whole hour is worth reading).
   */
  raw: RawPart[];
  /** UTC hours (hours since 1970-01-01, end exclusive), read from the spans and the deltas. */
  hours: { from: number; to: number } | null;
  /** The same hours as aligned spans of 4^level hours starting at hour `start`. */
  spans: { level: number; start: number }[];
}

/** Longest span: 4^6 = 4,096 hours, about 171 days (levels 0–6: 1, 4, 16, 64, 256, 1,024, 4,096 hours). */
const maxSpanLevel = 6;

/**
 * Plans `[from, to)`. At either end the hour cut by the window is either left out, its part inside the
 * window added from the runs, or read whole, its part outside subtracted, whichever takes the runs of less
 * time, counting none after `now` (no run is created in the future; either choice gives the same result).
 */
function windowPlan(from: Date, to: Date, now: number): WindowPlan {
  const start = from.getTime();
  const end = to.getTime();
  /** Time in `[a, b)` that can hold runs. */
  const runTime = (a: number, b: number) => Math.max(0, Math.min(b, now) - a);
  const startIn = Math.ceil(start / hourMs);
  const startOut = Math.floor(start / hourMs);
  const firstHour = runTime(startOut * hourMs, start) < runTime(start, startIn * hourMs) ? startOut : startIn;
  const endIn = Math.floor(end / hourMs);
  const endOut = Math.ceil(end / hourMs);
  const endHour = runTime(end, endOut * hourMs) < runTime(endIn * hourMs, end) ? endOut : endIn;
  const edges: RawPart[] = [
    firstHour <= start / hourMs
      ? { from: new Date(firstHour * hourMs), to: from, sign: -1 }
      : { from, to: new Date(firstHour * hourMs), sign: 1 },
    endHour >= end / hourMs
      ? { from: to, to: new Date(endHour * hourMs), sign: -1 }
      : { from: new Date(endHour * hourMs), to, sign: 1 },
  ];
  const raw = edges.filter((part) => part.from.getTime() < part.to.getTime());
  const edgeTime = raw.reduce((sum, part) => sum + runTime(part.from.getTime(), part.to.getTime()), 0);
  if (firstHour >= endHour || runTime(start, end) <= edgeTime) {
    return { raw: [{ from, to, sign: 1 }], hours: null, spans: [] };
  }
  const spans: WindowPlan["spans"] = [];
  for (let hour = firstHour; hour < endHour; ) {
    let level = maxSpanLevel;
    while (level > 0 && (hour % 4 ** level !== 0 || hour + 4 ** level > endHour)) level--;
    spans.push({ level, start: hour });
    hour += 4 ** level;
  }
  return { raw, hours: { from: firstHour, to: endHour }, spans };
}

/**
 * Puts the rows together: counts by summing, histograms by adding bucket by bucket, percentiles by walking
 * each histogram (a bucket stands for its midpoint), interpolating between neighbouring ranks as
 * `percentile_cont` does.
 */
function assembleAnalytics(
  query: WorkflowAnalyticsQuery,
  version: number | null,
  runRows: RunSourceRow[],
  nodeRows: NodeSourceRow[],
): WorkflowAnalytics {
  const versions = new Map<number, VersionAnalytics & { histogram: number[] }>();
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
        histogram: [],
      };
      versions.set(v, entry);
    }
    return entry;
  };
  for (const row of runRows) {
    if (row.kind === "h") {
      if (row.counts) addHistogramText(versionOf(row.version).histogram, row.counts);
      continue;
    }
    const entry = versionOf(row.version);
    if (row.runs !== 0) {
      entry.runs += row.runs;
      addCount(entry.byStatus, row.status ?? "", row.runs);
      if (row.final_status) addCount(entry.byFinalStatus, row.final_status, row.runs);
    }
    if (row.kind === "r" && row.bucket !== null && row.bucket >= 0) {
      addToBucket(entry.histogram, row.bucket, row.runs);
    }
  }

  type NodeTally = NodeAnalytics & { passed: number; decided: number; histogram: number[] };
  const nodes = new Map<string, NodeTally>();
  const nodesOfVersion = new Map<number, NodeTally[]>();
  const nodeOf = (v: number, nodeId: string, nodeType: string) => {
    const key = `${v}\u0000${nodeId}\u0000${nodeType}`;
    let node = nodes.get(key);
    if (node === undefined) {
      node = {
        nodeId,
        nodeType,
        executions: 0,
        completed: 0,
        results: [],
        passRate: null,
        p50DurationMs: null,
        p95DurationMs: null,
        passed: 0,
        decided: 0,
        histogram: [],
      };
      nodes.set(key, node);
      versionOf(v);
      nodesOfVersion.set(v, [...(nodesOfVersion.get(v) ?? []), node]);
    }
    return node;
  };
  for (const row of nodeRows) {
    const node = nodeOf(row.version, row.node_id, row.node_type);
    if (row.kind === "h") {
      if (row.counts) addHistogramText(node.histogram, row.counts);
      continue;
    }
    node.executions += row.executions;
    node.completed += row.completed;
    if (row.result) {
      addCount(node.results, row.result, row.executions);
      if (row.node_type === "policy" && ["pass", "fail", "error"].includes(row.result)) {
        node.decided += row.executions;
        if (row.result === "pass") node.passed += row.executions;
      }
    }
    if (row.kind === "r" && row.bucket !== null && row.bucket >= 0) {
      addToBucket(node.histogram, row.bucket, row.executions);
    }
  }

  const ordered = [...versions.values()].sort((a, b) => b.version - a.version);
  const byStatus: AnalyticsCount[] = [];
  const byFinalStatus: AnalyticsCount[] = [];
  const result: VersionAnalytics[] = [];
  for (const { histogram, ...entry } of ordered) {
    // A version whose runs all went (deleted) leaves nothing but zeros behind.
    if (entry.runs === 0 && !(nodesOfVersion.get(entry.version) ?? []).some((n) => n.executions !== 0)) {
      continue;
    }
    entry.byStatus = entry.byStatus.filter((count) => count.count !== 0).sort(byCountThenValue);
    entry.byFinalStatus = entry.byFinalStatus.filter((count) => count.count !== 0).sort(byCountThenValue);
    entry.p50DurationMs = histogramPercentile(histogram, 0.5);
    entry.p95DurationMs = histogramPercentile(histogram, 0.95);
    entry.nodes = (nodesOfVersion.get(entry.version) ?? [])
      .filter((node) => node.executions !== 0)
      .map((node) => {
        const { passed, decided, histogram: durations, ...rest } = node;
        return {
          ...rest,
          results: rest.results.filter((count) => count.count !== 0).sort(byCountThenValue),
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

/**
 * Adds a span's histogram to `histogram` (element `i` counts bucket `i`), from PostgreSQL's text form of an
 * integer array with lower bound 1 (`{0,0,3,-1}`: `counts[i + 1]` in bucket `i`). Read as text and summed
 * in one pass instead of as `integer[]`: a year reads a few hundred span histograms of ~270 buckets each,
 * and node-postgres's generic array parser (an array and a `parseInt` per element) took about five times
 * as long as the query itself, growing with the counts' digits.
 */
function addHistogramText(histogram: number[], text: string): void {
  if (text.charCodeAt(0) !== 0x7b /* { */)
    throw new Error(`not a one-based integer array: ${text.slice(0, 20)}`);
  let bucket = 0;
  let value = 0;
  let negative = false;
  let digits = false;
  for (let i = 1; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (c >= 0x30 && c <= 0x39) {
      value = value * 10 + (c - 0x30);
      digits = true;
    } else if (c === 0x2d /* - */) {
      negative = true;
    } else if (c === 0x2c /* , */ || c === 0x7d /* } */) {
      if (!digits) break; // `{}`
      if (value !== 0) addToBucket(histogram, bucket, negative ? -value : value);
      bucket++;
      value = 0;
      negative = false;
      digits = false;
    } else {
      throw new Error(`not an integer array: ${text.slice(0, 20)}`);
    }
  }
}

function addToBucket(histogram: number[], bucket: number, count: number): void {
  while (histogram.length <= bucket) histogram.push(0);
  histogram[bucket] = (histogram[bucket] as number) + count;
}

/** The middle of duration bucket `bucket` in ms (the inverse of `analytics_duration_bucket`). */
export function durationBucketMidpointMs(bucket: number): number {
  return (1.02 ** bucket + 1.02 ** (bucket + 1)) / 2 - 1;
}

/** `percentile_cont(p)` over a histogram of duration buckets, or `null` when it is empty. */
function histogramPercentile(histogram: number[], p: number): number | null {
  let total = 0;
  for (const count of histogram) total += count;
  if (total === 0) return null;
  const rank = p * (total - 1);
  const lower = Math.floor(rank);
  const upper = Math.ceil(rank);
  let seen = 0;
  let lowerValue: number | null = null;
  let upperValue: number | null = null;
  for (const [bucket, count] of histogram.entries()) {
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
 * Moves up to `limit` analytics deltas of each kind into the counts and histograms of every span level
 * (one statement each, so a crash moves all or nothing), then drops rows that reached zero. A batch takes
 * deltas in workflow and hour order, not in the order they were made: the sums do not depend on it, and a
 * backlog (a bulk import, runs spread over a year) then touches a few spans per batch instead of one per
 * delta. The batch's ids are deleted as an array (one primary-key probe each) rather than joined: with the
 * join, one batch of the benchmark's bulk import ran for 20 minutes in a worker that had started on empty
 * tables (presumably a nested loop planned from their statistics). Concurrent
 * callers take disjoint deltas (`skip locked`); two that fold into the same span queue on its row. Returns
 * how many deltas were moved.
 *
 * @param db - Database or transaction.
 * @param limit - Deltas of each kind to move at most.
 */
export async function compactAnalyticsDeltas(db: Executor, limit = 10_000): Promise<number> {
  const runs = await sql<{ moved: number }>`
    with moved as (
      delete from analytics_run_deltas d where d.id = any (array(
        select id from analytics_run_deltas order by workflow_id, hour limit ${limit} for update skip locked))
      returning d.workflow_id, d.hour, d.workflow_version, d.status, d.final_status, d.bucket, d.runs
    ), spans as (
      select workflow_id, level, (hour >> (2 * level)) << (2 * level) as period_start, workflow_version, status,
        final_status, bucket, runs
      from moved, generate_series(0, ${maxSpanLevel}::int) as level
    ), counts as (
      insert into analytics_run_rollups as c (workflow_id, level, period_start, workflow_version, status, final_status, runs)
      select workflow_id, level, period_start, workflow_version, status, final_status, sum(runs)::int
      from spans group by 1, 2, 3, 4, 5, 6
      on conflict (workflow_id, level, period_start, workflow_version, status, final_status)
      do update set runs = c.runs + excluded.runs
    ), buckets as (
      select workflow_id, level, period_start, workflow_version, bucket, sum(runs)::int as runs
      from spans where bucket >= 0 group by 1, 2, 3, 4, 5
    ), histograms as (
      insert into analytics_run_histograms as h (workflow_id, level, period_start, workflow_version, total, counts)
      select workflow_id, level, period_start, workflow_version, sum(runs)::int,
        analytics_histogram(array_agg(bucket), array_agg(runs))
      from buckets group by 1, 2, 3, 4
      on conflict (workflow_id, level, period_start, workflow_version)
      do update set total = h.total + excluded.total, counts = analytics_histogram_add(h.counts, excluded.counts)
    )
    select count(*)::int as moved from moved
  `.execute(db);
  const nodes = await sql<{ moved: number }>`
    with moved as (
      delete from analytics_node_deltas d where d.id = any (array(
        select id from analytics_node_deltas order by workflow_id, hour limit ${limit} for update skip locked))
      returning d.workflow_id, d.hour, d.workflow_version, d.node_id, d.node_type, d.result, d.bucket, d.executions
    ), spans as (
      select workflow_id, level, (hour >> (2 * level)) << (2 * level) as period_start, workflow_version, node_id,
        node_type, result, bucket, executions
      from moved, generate_series(0, ${maxSpanLevel}::int) as level
    ), counts as (
      insert into analytics_node_rollups as c
        (workflow_id, level, period_start, workflow_version, node_id, node_type, result, executions, completed)
      select workflow_id, level, period_start, workflow_version, node_id, node_type, result, sum(executions)::int,
        sum(case when bucket >= 0 then executions else 0 end)::int
      from spans group by 1, 2, 3, 4, 5, 6, 7
      on conflict (workflow_id, level, period_start, workflow_version, node_id, node_type, result)
      do update set executions = c.executions + excluded.executions, completed = c.completed + excluded.completed
    ), buckets as (
      select workflow_id, level, period_start, workflow_version, node_id, node_type, bucket,
        sum(executions)::int as executions
      from spans where bucket >= 0 group by 1, 2, 3, 4, 5, 6, 7
    ), histograms as (
      insert into analytics_node_histograms as h
        (workflow_id, level, period_start, workflow_version, node_id, node_type, total, counts)
      select workflow_id, level, period_start, workflow_version, node_id, node_type, sum(executions)::int,
        analytics_histogram(array_agg(bucket), array_agg(executions))
      from buckets group by 1, 2, 3, 4, 5, 6
      on conflict (workflow_id, level, period_start, workflow_version, node_id, node_type)
      do update set total = h.total + excluded.total, counts = analytics_histogram_add(h.counts, excluded.counts)
    )
    select count(*)::int as moved from moved
  `.execute(db);
  const moved = (runs.rows[0]?.moved ?? 0) + (nodes.rows[0]?.moved ?? 0);
  if (moved > 0) {
    await sql`delete from analytics_run_rollups where runs = 0`.execute(db);
    await sql`delete from analytics_node_rollups where executions = 0 and completed = 0`.execute(db);
    // A histogram's total can be 0 while deltas folded out of order leave +1 and -1 in two buckets.
    await sql`delete from analytics_run_histograms where total = 0 and not (0 <> any (counts))`.execute(db);
    await sql`delete from analytics_node_histograms where total = 0 and not (0 <> any (counts))`.execute(db);
  }
  return moved;
}

/**
 * Vacuums the delta tables. Folding a backlog (a bulk import, a compactor that was down) deletes many deltas
 * at once; until autovacuum comes by, every analytics read walks their dead index entries (bitmap scans do
 * not mark them dead), which at a million runs cost more than the rest of the read. Cannot run in a
 * transaction.
 */
export async function vacuumAnalyticsDeltas(db: Executor): Promise<void> {
  await sql`vacuum analyze analytics_run_deltas, analytics_node_deltas`.execute(db);
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
