import { type Kysely, sql } from "kysely";

/**
 * Incremental analytics. Every change of a run's or node run's analytics columns appends a signed delta
 * (`-1` for the old values, `+1` for the new ones) from a trigger, in the transaction that made the change,
 * so a rolled-back step leaves none. Deltas are keyed by workflow, version, the run's UTC creation day,
 * status (or node and result) and a duration bucket. A worker folds them (`compactAnalyticsDeltas`) into
 * counts per day (`analytics_run_counts`, `analytics_node_counts`) and duration histograms per aligned span
 * of 4^level days (`analytics_run_durations`, `analytics_node_durations`; level 0 to 4, i.e. 1, 4, 16, 64
 * and 256 days, `period_start` in days since 1970-01-01, a multiple of 4^level), so that a year is covered
 * by at most about 25 histograms; reads add the deltas not folded yet.
 *
 * Duration buckets are logarithmic and 2 % wide (`analytics_duration_bucket`), so a percentile read from
 * them (a bucket's midpoint) is within 1 % of the exact one; counts are exact. Existing runs are folded in
 * here.
 */
export async function up(db: Kysely<any>): Promise<void> {
  // -1: no duration (not finished, or never started). Otherwise ⌊ln(ms + 1) / ln 1.02⌋.
  await sql`create function analytics_duration_bucket(ms double precision) returns integer
    language sql immutable parallel safe
    as $$ select case when ms is null then -1 else floor(ln(greatest(ms, 0) + 1) / ln(1.02))::integer end $$`.execute(
    db,
  );

  await sql`create table analytics_run_deltas (
    id bigint generated always as identity primary key,
    workflow_id text not null,
    workflow_version integer not null,
    day date not null,
    status text not null,
    final_status text not null,
    bucket integer not null,
    runs integer not null
  )`.execute(db);
  await sql`create index analytics_run_deltas_workflow_day on analytics_run_deltas (workflow_id, day)`.execute(
    db,
  );
  await sql`create table analytics_run_counts (
    workflow_id text not null,
    day date not null,
    workflow_version integer not null,
    status text not null,
    final_status text not null,
    runs integer not null,
    primary key (workflow_id, day, workflow_version, status, final_status)
  )`.execute(db);
  await sql`create index analytics_run_counts_empty on analytics_run_counts (workflow_id) where runs = 0`.execute(
    db,
  );
  await sql`create table analytics_run_durations (
    workflow_id text not null,
    level smallint not null,
    period_start integer not null,
    workflow_version integer not null,
    bucket integer not null,
    runs integer not null,
    primary key (workflow_id, level, period_start, workflow_version, bucket)
  )`.execute(db);
  await sql`create index analytics_run_durations_empty on analytics_run_durations (workflow_id) where runs = 0`.execute(
    db,
  );

  await sql`create table analytics_node_deltas (
    id bigint generated always as identity primary key,
    workflow_id text not null,
    workflow_version integer not null,
    day date not null,
    node_id text not null,
    node_type text not null,
    result text not null,
    bucket integer not null,
    executions integer not null
  )`.execute(db);
  await sql`create index analytics_node_deltas_workflow_day on analytics_node_deltas (workflow_id, day)`.execute(
    db,
  );
  await sql`create table analytics_node_counts (
    workflow_id text not null,
    day date not null,
    workflow_version integer not null,
    node_id text not null,
    node_type text not null,
    result text not null,
    executions integer not null,
    completed integer not null,
    primary key (workflow_id, day, workflow_version, node_id, node_type, result)
  )`.execute(db);
  await sql`create index analytics_node_counts_empty on analytics_node_counts (workflow_id) where executions = 0`.execute(
    db,
  );
  await sql`create table analytics_node_durations (
    workflow_id text not null,
    level smallint not null,
    period_start integer not null,
    workflow_version integer not null,
    node_id text not null,
    node_type text not null,
    bucket integer not null,
    executions integer not null,
    primary key (workflow_id, level, period_start, workflow_version, node_id, node_type, bucket)
  )`.execute(db);
  await sql`create index analytics_node_durations_empty on analytics_node_durations (workflow_id)
    where executions = 0`.execute(db);

  // Runs: one trigger for inserts and deletes, one for updates of the columns analytics read.
  await sql`create function analytics_runs_delta() returns trigger language plpgsql set search_path from current as $$
    begin
      if tg_op = 'INSERT' or tg_op = 'UPDATE' then
        insert into analytics_run_deltas (workflow_id, workflow_version, day, status, final_status, bucket, runs)
        values (new.workflow_id, new.workflow_version, (new.created_at at time zone 'UTC')::date, new.status,
          coalesce(new.final_status, ''),
          analytics_duration_bucket(extract(epoch from (new.completed_at - new.started_at))::float8 * 1000), 1);
      end if;
      if tg_op = 'DELETE' or tg_op = 'UPDATE' then
        insert into analytics_run_deltas (workflow_id, workflow_version, day, status, final_status, bucket, runs)
        values (old.workflow_id, old.workflow_version, (old.created_at at time zone 'UTC')::date, old.status,
          coalesce(old.final_status, ''),
          analytics_duration_bucket(extract(epoch from (old.completed_at - old.started_at))::float8 * 1000), -1);
      end if;
      return null;
    end $$`.execute(db);
  await sql`create trigger runs_analytics_insert_delete after insert or delete on runs
    for each row execute function analytics_runs_delta()`.execute(db);
  await sql`create trigger runs_analytics_update after update on runs for each row
    when (old.status is distinct from new.status or old.final_status is distinct from new.final_status
      or old.started_at is distinct from new.started_at or old.completed_at is distinct from new.completed_at
      or old.workflow_id is distinct from new.workflow_id or old.workflow_version is distinct from new.workflow_version
      or old.created_at is distinct from new.created_at)
    execute function analytics_runs_delta()`.execute(db);

  // Node runs: keyed by their run's workflow, version and creation day, looked up by primary key.
  await sql`create function analytics_node_runs_delta() returns trigger language plpgsql set search_path from current as $$
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
          (workflow_id, workflow_version, day, node_id, node_type, result, bucket, executions)
        values (run.workflow_id, run.workflow_version, (run.created_at at time zone 'UTC')::date,
          new.workflow_node_id, new.node_type, coalesce(new.result, ''),
          analytics_duration_bucket(extract(epoch from (new.completed_at - new.started_at))::float8 * 1000), 1);
      end if;
      if tg_op = 'DELETE' or tg_op = 'UPDATE' then
        insert into analytics_node_deltas
          (workflow_id, workflow_version, day, node_id, node_type, result, bucket, executions)
        values (run.workflow_id, run.workflow_version, (run.created_at at time zone 'UTC')::date,
          old.workflow_node_id, old.node_type, coalesce(old.result, ''),
          analytics_duration_bucket(extract(epoch from (old.completed_at - old.started_at))::float8 * 1000), -1);
      end if;
      return null;
    end $$`.execute(db);
  await sql`create trigger node_runs_analytics_insert_delete after insert or delete on node_runs
    for each row execute function analytics_node_runs_delta()`.execute(db);
  await sql`create trigger node_runs_analytics_update after update on node_runs for each row
    when (old.result is distinct from new.result or old.started_at is distinct from new.started_at
      or old.completed_at is distinct from new.completed_at or old.workflow_node_id is distinct from new.workflow_node_id
      or old.node_type is distinct from new.node_type or old.run_id is distinct from new.run_id)
    execute function analytics_node_runs_delta()`.execute(db);
  // Before a run is deleted (its node runs go with it, by cascade), take its node runs out of the counts.
  await sql`create function analytics_runs_node_runs_delete() returns trigger language plpgsql set search_path from current as $$
    begin
      insert into analytics_node_deltas
        (workflow_id, workflow_version, day, node_id, node_type, result, bucket, executions)
      select old.workflow_id, old.workflow_version, (old.created_at at time zone 'UTC')::date,
        n.workflow_node_id, n.node_type, coalesce(n.result, ''),
        analytics_duration_bucket(extract(epoch from (n.completed_at - n.started_at))::float8 * 1000),
        -count(*)::integer
      from node_runs n where n.run_id = old.id
      group by 4, 5, 6, 7;
      return old;
    end $$`.execute(db);
  await sql`create trigger runs_analytics_node_runs_delete before delete on runs
    for each row execute function analytics_runs_node_runs_delete()`.execute(db);

  // What exists already becomes deltas, which the first compaction folds like any other.
  await sql`insert into analytics_run_deltas (workflow_id, workflow_version, day, status, final_status, bucket, runs)
    select workflow_id, workflow_version, (created_at at time zone 'UTC')::date, status, coalesce(final_status, ''),
      analytics_duration_bucket(extract(epoch from (completed_at - started_at))::float8 * 1000), count(*)::integer
    from runs group by 1, 2, 3, 4, 5, 6`.execute(db);
  await sql`insert into analytics_node_deltas
      (workflow_id, workflow_version, day, node_id, node_type, result, bucket, executions)
    select r.workflow_id, r.workflow_version, (r.created_at at time zone 'UTC')::date, n.workflow_node_id,
      n.node_type, coalesce(n.result, ''),
      analytics_duration_bucket(extract(epoch from (n.completed_at - n.started_at))::float8 * 1000), count(*)::integer
    from node_runs n join runs r on r.id = n.run_id group by 1, 2, 3, 4, 5, 6, 7`.execute(db);
}

/** Drops what `up` created. */
export async function down(db: Kysely<any>): Promise<void> {
  await sql`drop trigger if exists runs_analytics_node_runs_delete on runs`.execute(db);
  await sql`drop trigger if exists node_runs_analytics_update on node_runs`.execute(db);
  await sql`drop trigger if exists node_runs_analytics_insert_delete on node_runs`.execute(db);
  await sql`drop trigger if exists runs_analytics_update on runs`.execute(db);
  await sql`drop trigger if exists runs_analytics_insert_delete on runs`.execute(db);
  await sql`drop function if exists analytics_runs_node_runs_delete()`.execute(db);
  await sql`drop function if exists analytics_node_runs_delta()`.execute(db);
  await sql`drop function if exists analytics_runs_delta()`.execute(db);
  await db.schema.dropTable("analytics_node_durations").ifExists().execute();
  await db.schema.dropTable("analytics_node_counts").ifExists().execute();
  await db.schema.dropTable("analytics_node_deltas").ifExists().execute();
  await db.schema.dropTable("analytics_run_durations").ifExists().execute();
  await db.schema.dropTable("analytics_run_counts").ifExists().execute();
  await db.schema.dropTable("analytics_run_deltas").ifExists().execute();
  await sql`drop function if exists analytics_duration_bucket(double precision)`.execute(db);
}
