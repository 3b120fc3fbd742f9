import { type Kysely, sql } from "kysely";

/** Workflow drafts, and the indexes that keep workflow analytics fast over many runs. */
export async function up(db: Kysely<any>): Promise<void> {
  await db.schema
    .createTable("workflow_drafts")
    .addColumn("id", "text", (c) => c.primaryKey())
    .addColumn("workspace_id", "text", (c) => c.notNull().references("workspaces.id").onDelete("cascade"))
    .addColumn("environment", "text", (c) => c.notNull().check(sql`environment in ('live', 'sandbox')`))
    .addColumn("workflow_id", "text", (c) => c.notNull().references("workflows.id").onDelete("cascade"))
    .addColumn("status", "text", (c) => c.notNull().check(sql`status in ('open', 'published', 'discarded')`))
    .addColumn("base_version", "integer", (c) => c.notNull())
    .addColumn("source_version", "integer", (c) => c.notNull())
    .addColumn("graph", "jsonb", (c) => c.notNull())
    .addColumn("valid", "boolean", (c) => c.notNull())
    .addColumn("issues", "jsonb", (c) => c.notNull().defaultTo(sql`'[]'::jsonb`))
    .addColumn("published_version", "integer")
    .addColumn("created_by", "text")
    .addColumn("updated_by", "text")
    .addColumn("published_by", "text")
    .addColumn("created_at", "timestamptz", (c) => c.notNull().defaultTo(sql`now()`))
    .addColumn("updated_at", "timestamptz", (c) => c.notNull().defaultTo(sql`now()`))
    .addColumn("closed_at", "timestamptz")
    .execute();
  // At most one open draft per workflow; a second concurrent create fails on this index.
  await db.schema
    .createIndex("workflow_drafts_one_open")
    .on("workflow_drafts")
    .column("workflow_id")
    .unique()
    .where(sql.ref("status"), "=", "open")
    .execute();
  await db.schema
    .createIndex("workflow_drafts_workspace_page")
    .on("workflow_drafts")
    .columns(["workspace_id", "environment", "id"])
    .execute();
  await db.schema
    .createIndex("workflow_drafts_workflow_page")
    .on("workflow_drafts")
    .columns(["workflow_id", "id"])
    .execute();

  // Analytics read a workflow's runs in a time window, optionally of one version, and their node runs.
  await sql`create index runs_workflow_created on runs (workflow_id, created_at)
    include (workflow_version, status, final_status, started_at, completed_at)`.execute(db);
  await sql`create index runs_workflow_version_created on runs (workflow_id, workflow_version, created_at)
    include (status, final_status, started_at, completed_at)`.execute(db);
  await sql`create index node_runs_run_stats on node_runs (run_id)
    include (workflow_node_id, node_type, result, started_at, completed_at)`.execute(db);
}

/** Drops what `up` created. */
export async function down(db: Kysely<any>): Promise<void> {
  await db.schema.dropIndex("node_runs_run_stats").ifExists().execute();
  await db.schema.dropIndex("runs_workflow_version_created").ifExists().execute();
  await db.schema.dropIndex("runs_workflow_created").ifExists().execute();
  await db.schema.dropTable("workflow_drafts").ifExists().execute();
}
