import { type Kysely, sql } from "kysely";

/**
 * Run lists and node-run fields (seed 004): `node_runs.created_at` (backfilled from `started_at`), and
 * keyset indexes for listing runs newest first by workflow, status or trigger without sorting or scanning
 * past the page (`runs_workspace_page` already serves the unfiltered list). Creation-time ranges are
 * turned into id bounds (ids are time-ordered), so they stay on the same indexes.
 */
export async function up(db: Kysely<any>): Promise<void> {
  await db.schema.alterTable("node_runs").addColumn("created_at", "timestamptz").execute();
  await sql`update node_runs set created_at = started_at`.execute(db);
  await sql`alter table node_runs alter column created_at set not null,
    alter column created_at set default now()`.execute(db);
  await db.schema.createIndex("runs_workflow_page").on("runs").columns(["workflow_id", "id"]).execute();
  await db.schema
    .createIndex("runs_workflow_status_page")
    .on("runs")
    .columns(["workflow_id", "status", "id"])
    .execute();
  await db.schema
    .createIndex("runs_status_page")
    .on("runs")
    .columns(["workspace_id", "environment", "status", "id"])
    .execute();
  await db.schema
    .createIndex("runs_triggered_by_page")
    .on("runs")
    .columns(["triggered_by", "id"])
    .where(sql.ref("triggered_by"), "is not", null)
    .execute();
}

/** Drops what `up` created. */
export async function down(db: Kysely<any>): Promise<void> {
  for (const index of [
    "runs_triggered_by_page",
    "runs_status_page",
    "runs_workflow_status_page",
    "runs_workflow_page",
  ]) {
    await db.schema.dropIndex(index).ifExists().execute();
  }
  await db.schema.alterTable("node_runs").dropColumn("created_at").execute();
}
