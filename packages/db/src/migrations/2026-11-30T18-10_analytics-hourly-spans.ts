import { type Kysely, sql } from "kysely";
import * as dayRollups from "./2026-11-30T12-00_analytics-rollups.ts";

/**
 * Analytics rollups v3: everything per aligned span of hours, histograms as arrays.
 *
 * v2 kept counts per day and one histogram row per duration bucket, so a year of the busiest workflow read
 * ~10,000 count rows and ~50,000 histogram rows, plus every run of the two partial days at the window's ends
 * straight from `runs` and `node_runs` (a day's worth of runs at a million). Now:
 *
 * - Deltas are keyed by the run's creation hour (`hour`, hours since 1970-01-01 UTC) instead of its day, so
 *   the raw tail of a window is its partial hours at either end.
 * - Counts (`analytics_run_rollups`, `analytics_node_rollups`) and histograms (`analytics_run_histograms`,
 *   `analytics_node_histograms`) are kept per aligned span of 4^level hours, level 0 to 6 (1 hour to 4,096
 *   hours ≈ 171 days; `period_start` in hours, a multiple of 4^level), so a year is covered by a few dozen
 *   spans at most, whatever the number of runs.
 * - A histogram is one row per span, version (and node) holding `counts`, an array whose element `i + 1`
 *   counts bucket `i` (`analytics_duration_bucket`, 2 % wide, unchanged), and `total`, their sum.
 *
 * The rollups are rebuilt from the runs and node runs: their current state becomes deltas, which the
 * compactor folds like any other.
 */
export async function up(db: Kysely<any>): Promise<void> {
  for (const table of [
    "analytics_run_counts",
    "analytics_run_durations",
    "analytics_node_counts",
    "analytics_node_durations",
    "analytics_run_deltas",
    "analytics_node_deltas",
  ]) {
    await db.schema.dropTable(table).execute();
  }

  // Dense histograms: element i + 1 counts bucket i (buckets start at 0). PL/pgSQL rather than SQL
  // functions: its plans are cached and an array element is updated in place, which matters when folding a
  // backlog calls these once per span touched.
  await sql`create function analytics_histogram(buckets integer[], counts integer[]) returns integer[]
    language plpgsql immutable parallel safe as $$
    declare
      result integer[];
      top integer := -1;
    begin
      for i in 1 .. coalesce(array_length(buckets, 1), 0) loop
        if buckets[i] > top then top := buckets[i]; end if;
      end loop;
      if top < 0 then return '{}'; end if;
      result := array_fill(0, array[top + 1]);
      for i in 1 .. array_length(buckets, 1) loop
        if buckets[i] >= 0 then result[buckets[i] + 1] := result[buckets[i] + 1] + counts[i]; end if;
      end loop;
      return result;
    end $$`.execute(db);
  await sql`create function analytics_histogram_add(a integer[], b integer[]) returns integer[]
    language plpgsql immutable parallel safe as $$
    declare
      result integer[];
      other integer[];
    begin
      if coalesce(array_length(a, 1), 0) >= coalesce(array_length(b, 1), 0) then
        result := a; other := b;
      else
        result := b; other := a;
      end if;
      for i in 1 .. coalesce(array_length(other, 1), 0) loop
        if other[i] <> 0 then result[i] := result[i] + other[i]; end if;
      end loop;
      return result;
    end $$`.execute(db);

  await sql`create table analytics_run_deltas (
    id bigint generated always as identity primary key,
    workflow_id text not null,
    workflow_version integer not null,
    hour integer not null,
    status text not null,
    final_status text not null,
    bucket integer not null,
    runs integer not null
  )`.execute(db);
  await sql`create index analytics_run_deltas_workflow_hour on analytics_run_deltas (workflow_id, hour)`.execute(
    db,
  );
  await sql`create table analytics_node_deltas (
    id bigint generated always as identity primary key,
    workflow_id text not null,
    workflow_version integer not null,
    hour integer not null,
    node_id text not null,
    node_type text not null,
    result text not null,
    bucket integer not null,
    executions integer not null
  )`.execute(db);
  await sql`create index analytics_node_deltas_workflow_hour on analytics_node_deltas (workflow_id, hour)`.execute(
    db,
  );

  await sql`create table analytics_run_rollups (
    workflow_id text not null,
    level smallint not null,
    period_start integer not null,
    workflow_version integer not null,
    status text not null,
    final_status text not null,
    runs integer not null,
    primary key (workflow_id, level, period_start, workflow_version, status, final_status)
  )`.execute(db);
  await sql`create index analytics_run_rollups_empty on analytics_run_rollups (workflow_id) where runs = 0`.execute(
    db,
  );
  await sql`create table analytics_run_histograms (
    workflow_id text not null,
    level smallint not null,
    period_start integer not null,
    workflow_version integer not null,
    total integer not null,
    counts integer[] not null,
    primary key (workflow_id, level, period_start, workflow_version)
  )`.execute(db);
  await sql`create index analytics_run_histograms_empty on analytics_run_histograms (workflow_id)
    where total = 0`.execute(db);
  await sql`create table analytics_node_rollups (
    workflow_id text not null,
    level smallint not null,
    period_start integer not null,
    workflow_version integer not null,
    node_id text not null,
    node_type text not null,
    result text not null,
    executions integer not null,
    completed integer not null,
    primary key (workflow_id, level, period_start, workflow_version, node_id, node_type, result)
  )`.execute(db);
  await sql`create index analytics_node_rollups_empty on analytics_node_rollups (workflow_id)
    where executions = 0`.execute(db);
  await sql`create table analytics_node_histograms (
    workflow_id text not null,
    level smallint not null,
    period_start integer not null,
    workflow_version integer not null,
    node_id text not null,
    node_type text not null,
    total integer not null,
    counts integer[] not null,
    primary key (workflow_id, level, period_start, workflow_version, node_id, node_type)
  )`.execute(db);
  await sql`create index analytics_node_histograms_empty on analytics_node_histograms (workflow_id)
    where total = 0`.execute(db);

  // The same triggers (2026-11-30T12-00), keyed by hour instead of day.
  await sql`create or replace function analytics_runs_delta() returns trigger language plpgsql set search_path from current as $$
    begin
      if tg_op = 'INSERT' or tg_op = 'UPDATE' then
        insert into analytics_run_deltas (workflow_id, workflow_version, hour, status, final_status, bucket, runs)
        values (new.workflow_id, new.workflow_version, floor(extract(epoch from new.created_at) / 3600)::integer,
          new.status, coalesce(new.final_status, ''),
          analytics_duration_bucket(extract(epoch from (new.completed_at - new.started_at))::float8 * 1000), 1);
      end if;
      if tg_op = 'DELETE' or tg_op = 'UPDATE' then
        insert into analytics_run_deltas (workflow_id, workflow_version, hour, status, final_status, bucket, runs)
        values (old.workflow_id, old.workflow_version, floor(extract(epoch from old.created_at) / 3600)::integer,
          old.status, coalesce(old.final_status, ''),
          analytics_duration_bucket(extract(epoch from (old.completed_at - old.started_at))::float8 * 1000), -1);
      end if;
      return null;
    end $$`.execute(db);
  await sql`create or replace function analytics_node_runs_delta() returns trigger language plpgsql set search_path from current as $$
    declare
      run record;
    begin
      if tg_op = 'DELETE' then
        select workflow_id, workflow_version, created_at into run from runs where id = old.run_id;
      else
        select workflow_id, workflow_version, created_at into run from runs where id = new.run_id;
      end if;
      -- A run being deleted took its node runs' deltas with it (runs_analytics_node_runs_delete).
      if not found then return null; end if;
      if tg_op = 'INSERT' or tg_op = 'UPDATE' then
        insert into analytics_node_deltas
          (workflow_id, workflow_version, hour, node_id, node_type, result, bucket, executions)
        values (run.workflow_id, run.workflow_version, floor(extract(epoch from run.created_at) / 3600)::integer,
          new.workflow_node_id, new.node_type, coalesce(new.result, ''),
          analytics_duration_bucket(extract(epoch from (new.completed_at - new.started_at))::float8 * 1000), 1);
      end if;
      if tg_op = 'DELETE' or tg_op = 'UPDATE' then
        insert into analytics_node_deltas
          (workflow_id, workflow_version, hour, node_id, node_type, result, bucket, executions)
        values (run.workflow_id, run.workflow_version, floor(extract(epoch from run.created_at) / 3600)::integer,
          old.workflow_node_id, old.node_type, coalesce(old.result, ''),
          analytics_duration_bucket(extract(epoch from (old.completed_at - old.started_at))::float8 * 1000), -1);
      end if;
      return null;
    end $$`.execute(db);
  await sql`create or replace function analytics_runs_node_runs_delete() returns trigger language plpgsql set search_path from current as $$
    begin
      insert into analytics_node_deltas
        (workflow_id, workflow_version, hour, node_id, node_type, result, bucket, executions)
      select old.workflow_id, old.workflow_version, floor(extract(epoch from old.created_at) / 3600)::integer,
        n.workflow_node_id, n.node_type, coalesce(n.result, ''),
        analytics_duration_bucket(extract(epoch from (n.completed_at - n.started_at))::float8 * 1000),
        -count(*)::integer
      from node_runs n where n.run_id = old.id
      group by 4, 5, 6, 7;
      return old;
    end $$`.execute(db);

  await sql`insert into analytics_run_deltas (workflow_id, workflow_version, hour, status, final_status, bucket, runs)
    select workflow_id, workflow_version, floor(extract(epoch from created_at) / 3600)::integer, status,
      coalesce(final_status, ''),
      analytics_duration_bucket(extract(epoch from (completed_at - started_at))::float8 * 1000), count(*)::integer
    from runs group by 1, 2, 3, 4, 5, 6`.execute(db);
  await sql`insert into analytics_node_deltas
      (workflow_id, workflow_version, hour, node_id, node_type, result, bucket, executions)
    select r.workflow_id, r.workflow_version, floor(extract(epoch from r.created_at) / 3600)::integer,
      n.workflow_node_id, n.node_type, coalesce(n.result, ''),
      analytics_duration_bucket(extract(epoch from (n.completed_at - n.started_at))::float8 * 1000), count(*)::integer
    from node_runs n join runs r on r.id = n.run_id group by 1, 2, 3, 4, 5, 6, 7`.execute(db);
}

/**
 * Goes back to the day-keyed rollups of `2026-11-30T12-00_analytics-rollups`: drops what `up` created, then
 * runs that migration's `down` and `up` again, which recreate its tables and triggers and rebuild its deltas
 * from the runs and node runs.
 */
export async function down(db: Kysely<any>): Promise<void> {
  for (const table of [
    "analytics_node_histograms",
    "analytics_node_rollups",
    "analytics_run_histograms",
    "analytics_run_rollups",
    "analytics_node_deltas",
    "analytics_run_deltas",
  ]) {
    await db.schema.dropTable(table).ifExists().execute();
  }
  await sql`drop function if exists analytics_histogram_add(integer[], integer[])`.execute(db);
  await sql`drop function if exists analytics_histogram(integer[], integer[])`.execute(db);
  await dayRollups.down(db);
  await dayRollups.up(db);
}
