import { type Kysely, sql } from "kysely";

/** Organizations, workspaces, API keys, workflows and versions, sessions, runs, node runs, run events, jobs. */
export async function up(db: Kysely<any>): Promise<void> {
  await db.schema
    .createTable("organizations")
    .addColumn("id", "text", (c) => c.primaryKey())
    .addColumn("name", "text", (c) => c.notNull())
    .addColumn("created_at", "timestamptz", (c) => c.notNull().defaultTo(sql`now()`))
    .execute();

  await db.schema
    .createTable("workspaces")
    .addColumn("id", "text", (c) => c.primaryKey())
    .addColumn("organization_id", "text", (c) =>
      c.notNull().references("organizations.id").onDelete("cascade"),
    )
    .addColumn("name", "text", (c) => c.notNull())
    .addColumn("settings", "jsonb", (c) => c.notNull().defaultTo(sql`'{}'::jsonb`))
    .addColumn("created_at", "timestamptz", (c) => c.notNull().defaultTo(sql`now()`))
    .execute();

  await db.schema
    .createTable("api_keys")
    .addColumn("id", "text", (c) => c.primaryKey())
    .addColumn("workspace_id", "text", (c) => c.notNull().references("workspaces.id").onDelete("cascade"))
    .addColumn("environment", "text", (c) => c.notNull().check(sql`environment in ('live', 'sandbox')`))
    .addColumn("name", "text", (c) => c.notNull())
    .addColumn("key_hash", "text", (c) => c.notNull().unique())
    .addColumn("prefix", "text", (c) => c.notNull())
    .addColumn("scopes", sql`text[]`, (c) => c.notNull())
    .addColumn("expires_at", "timestamptz")
    .addColumn("revoked_at", "timestamptz")
    .addColumn("last_used_at", "timestamptz")
    .addColumn("created_at", "timestamptz", (c) => c.notNull().defaultTo(sql`now()`))
    .execute();

  await db.schema
    .createTable("workflows")
    .addColumn("id", "text", (c) => c.primaryKey())
    .addColumn("workspace_id", "text", (c) => c.notNull().references("workspaces.id").onDelete("cascade"))
    .addColumn("environment", "text", (c) => c.notNull().check(sql`environment in ('live', 'sandbox')`))
    .addColumn("name", "text", (c) => c.notNull())
    .addColumn("description", "text")
    .addColumn("metadata", "jsonb", (c) => c.notNull().defaultTo(sql`'{}'::jsonb`))
    .addColumn("status", "text", (c) => c.notNull().check(sql`status in ('active', 'inactive')`))
    .addColumn("is_default", "boolean", (c) => c.notNull().defaultTo(false))
    .addColumn("current_version", "integer", (c) => c.notNull())
    .addColumn("rollout", "jsonb")
    .addColumn("created_at", "timestamptz", (c) => c.notNull().defaultTo(sql`now()`))
    .addColumn("updated_at", "timestamptz", (c) => c.notNull().defaultTo(sql`now()`))
    .execute();
  await db.schema
    .createIndex("workflows_one_default")
    .on("workflows")
    .columns(["workspace_id", "environment"])
    .unique()
    .where(sql.ref("is_default"), "=", true)
    .execute();
  await db.schema
    .createIndex("workflows_workspace_page")
    .on("workflows")
    .columns(["workspace_id", "environment", "id"])
    .execute();

  await db.schema
    .createTable("workflow_versions")
    .addColumn("workflow_id", "text", (c) => c.notNull().references("workflows.id").onDelete("cascade"))
    .addColumn("version", "integer", (c) => c.notNull())
    .addColumn("graph", "jsonb", (c) => c.notNull())
    .addColumn("published_by", "text")
    .addColumn("created_at", "timestamptz", (c) => c.notNull().defaultTo(sql`now()`))
    .addPrimaryKeyConstraint("workflow_versions_pk", ["workflow_id", "version"])
    .execute();

  await db.schema
    .createTable("sessions")
    .addColumn("id", "text", (c) => c.primaryKey())
    .addColumn("workspace_id", "text", (c) => c.notNull().references("workspaces.id").onDelete("cascade"))
    .addColumn("environment", "text", (c) => c.notNull().check(sql`environment in ('live', 'sandbox')`))
    .addColumn("workflow_id", "text", (c) => c.references("workflows.id"))
    .addColumn("status", "text", (c) => c.notNull())
    .addColumn("result", "text")
    .addColumn("reference_id", "text")
    .addColumn("metadata", "jsonb", (c) => c.notNull().defaultTo(sql`'{}'::jsonb`))
    .addColumn("sandbox", "jsonb")
    .addColumn("created_at", "timestamptz", (c) => c.notNull().defaultTo(sql`now()`))
    .addColumn("updated_at", "timestamptz", (c) => c.notNull().defaultTo(sql`now()`))
    .addColumn("submitted_at", "timestamptz")
    .addColumn("completed_at", "timestamptz")
    .execute();
  await db.schema
    .createIndex("sessions_workspace_page")
    .on("sessions")
    .columns(["workspace_id", "environment", "id"])
    .execute();

  await db.schema
    .createTable("runs")
    .addColumn("id", "text", (c) => c.primaryKey())
    .addColumn("workspace_id", "text", (c) => c.notNull().references("workspaces.id").onDelete("cascade"))
    .addColumn("environment", "text", (c) => c.notNull().check(sql`environment in ('live', 'sandbox')`))
    .addColumn("session_id", "text", (c) => c.references("sessions.id").onDelete("cascade"))
    .addColumn("workflow_id", "text", (c) => c.notNull().references("workflows.id"))
    .addColumn("workflow_version", "integer", (c) => c.notNull())
    .addColumn("status", "text", (c) => c.notNull())
    .addColumn("final_status", "text")
    .addColumn("graph_snapshot", "jsonb", (c) => c.notNull())
    .addColumn("current_node", "text")
    .addColumn("paused_at_node", "text")
    .addColumn("pending_signal", "jsonb")
    .addColumn("decision_metadata", "jsonb")
    .addColumn("trigger_payload", "jsonb", (c) => c.notNull().defaultTo(sql`'{}'::jsonb`))
    .addColumn("triggered_by", "text")
    .addColumn("error_message", "text")
    .addColumn("total_cost_cents", "integer", (c) => c.notNull().defaultTo(0))
    .addColumn("step_count", "integer", (c) => c.notNull().defaultTo(0))
    .addColumn("last_seq", "integer", (c) => c.notNull().defaultTo(0))
    .addColumn("created_at", "timestamptz", (c) => c.notNull().defaultTo(sql`now()`))
    .addColumn("started_at", "timestamptz")
    .addColumn("completed_at", "timestamptz")
    .execute();
  await db.schema.createIndex("runs_session").on("runs").column("session_id").execute();
  await db.schema
    .createIndex("runs_workspace_page")
    .on("runs")
    .columns(["workspace_id", "environment", "id"])
    .execute();
  await db.schema
    .createIndex("runs_workflow")
    .on("runs")
    .columns(["workflow_id", "workflow_version"])
    .execute();

  await db.schema
    .createTable("node_runs")
    .addColumn("id", "text", (c) => c.primaryKey())
    .addColumn("run_id", "text", (c) => c.notNull().references("runs.id").onDelete("cascade"))
    .addColumn("step", "integer", (c) => c.notNull())
    .addColumn("workflow_node_id", "text", (c) => c.notNull())
    .addColumn("node_type", "text", (c) => c.notNull())
    .addColumn("status", "text", (c) => c.notNull())
    .addColumn("task_id", "text")
    .addColumn("input_data", "jsonb")
    .addColumn("output_data", "jsonb")
    .addColumn("attempts", "integer", (c) => c.notNull().defaultTo(1))
    .addColumn("result", "text")
    .addColumn("routed_to", "text")
    .addColumn("cost_cents", "integer", (c) => c.notNull().defaultTo(0))
    .addColumn("error", "text")
    .addColumn("started_at", "timestamptz", (c) => c.notNull())
    .addColumn("completed_at", "timestamptz")
    .addUniqueConstraint("node_runs_run_step", ["run_id", "step"])
    .execute();

  await db.schema
    .createTable("run_events")
    .addColumn("run_id", "text", (c) => c.notNull().references("runs.id").onDelete("cascade"))
    .addColumn("seq", "integer", (c) => c.notNull())
    .addColumn("type", "text", (c) => c.notNull())
    .addColumn("data", "jsonb", (c) => c.notNull())
    .addColumn("created_at", "timestamptz", (c) => c.notNull().defaultTo(sql`now()`))
    .addPrimaryKeyConstraint("run_events_pk", ["run_id", "seq"])
    .execute();

  await db.schema
    .createTable("jobs")
    .addColumn("id", "text", (c) => c.primaryKey())
    .addColumn("kind", "text", (c) => c.notNull())
    .addColumn("run_id", "text", (c) => c.unique().references("runs.id").onDelete("cascade"))
    .addColumn("payload", "jsonb", (c) => c.notNull().defaultTo(sql`'{}'::jsonb`))
    .addColumn("run_at", "timestamptz", (c) => c.notNull().defaultTo(sql`now()`))
    .addColumn("attempts", "integer", (c) => c.notNull().defaultTo(0))
    .addColumn("locked_by", "text")
    .addColumn("locked_until", "timestamptz")
    .addColumn("last_error", "text")
    .addColumn("created_at", "timestamptz", (c) => c.notNull().defaultTo(sql`now()`))
    .execute();
  await db.schema.createIndex("jobs_due").on("jobs").columns(["run_at"]).execute();
}

/** Drops everything the initial migration created. */
export async function down(db: Kysely<any>): Promise<void> {
  for (const table of [
    "jobs",
    "run_events",
    "node_runs",
    "runs",
    "sessions",
    "workflow_versions",
    "workflows",
    "api_keys",
    "workspaces",
    "organizations",
  ]) {
    await db.schema.dropTable(table).ifExists().execute();
  }
}
