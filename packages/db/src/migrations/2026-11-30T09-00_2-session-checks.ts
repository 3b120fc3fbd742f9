import { type Kysely, sql } from "kysely";

/**
 * Verification checks and their attempts as records: `session_checks` (one per policy node of a session's
 * run, id `chk_…`, with its status, result and output) and `session_check_attempts` (one per execution of
 * the check: start, end, outcome, error, provider reference). An attempt is keyed by the seq of the
 * `node.started` event that began it, so a worker that re-executes an attempt after a crash completes the
 * same row instead of adding one.
 */
export async function up(db: Kysely<any>): Promise<void> {
  await db.schema
    .createTable("session_checks")
    .addColumn("id", "text", (c) => c.primaryKey())
    .addColumn("workspace_id", "text", (c) => c.notNull().references("workspaces.id").onDelete("cascade"))
    .addColumn("environment", "text", (c) => c.notNull().check(sql`environment in ('live', 'sandbox')`))
    .addColumn("session_id", "text", (c) => c.notNull().references("sessions.id").onDelete("cascade"))
    .addColumn("run_id", "text", (c) => c.notNull().references("runs.id").onDelete("cascade"))
    .addColumn("node_id", "text", (c) => c.notNull())
    .addColumn("policy", "text", (c) => c.notNull())
    .addColumn("status", "text", (c) =>
      c.notNull().check(sql`status in ('running', 'retrying', 'passed', 'failed', 'errored')`),
    )
    .addColumn("result", "text")
    .addColumn("output", "jsonb")
    .addColumn("error", "text")
    .addColumn("created_at", "timestamptz", (c) => c.notNull().defaultTo(sql`now()`))
    .addColumn("updated_at", "timestamptz", (c) => c.notNull().defaultTo(sql`now()`))
    .addUniqueConstraint("session_checks_run_node", ["run_id", "node_id"])
    .execute();
  await db.schema.createIndex("session_checks_session").on("session_checks").column("session_id").execute();
  await db.schema
    .createTable("session_check_attempts")
    .addColumn("id", "text", (c) => c.primaryKey())
    .addColumn("check_id", "text", (c) => c.notNull().references("session_checks.id").onDelete("cascade"))
    .addColumn("number", "integer", (c) => c.notNull())
    .addColumn("started_seq", "integer", (c) => c.notNull())
    .addColumn("started_at", "timestamptz", (c) => c.notNull())
    .addColumn("completed_at", "timestamptz")
    .addColumn("outcome", "text")
    .addColumn("error", "text")
    .addColumn("provider_reference", "text")
    .addColumn("output", "jsonb")
    .addUniqueConstraint("session_check_attempts_start", ["check_id", "started_seq"])
    .execute();
}

/** Drops what `up` created. */
export async function down(db: Kysely<any>): Promise<void> {
  await db.schema.dropTable("session_check_attempts").ifExists().execute();
  await db.schema.dropTable("session_checks").ifExists().execute();
}
