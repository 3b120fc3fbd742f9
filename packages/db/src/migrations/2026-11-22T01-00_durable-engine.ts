import { type Kysely, sql } from "kysely";

/** Node attempts for retries, session expiry, session jobs, and the run audit trail. */
export async function up(db: Kysely<any>): Promise<void> {
  await db.schema
    .alterTable("runs")
    .addColumn("current_attempt", "integer", (c) => c.notNull().defaultTo(1))
    .execute();
  await db.schema.alterTable("sessions").addColumn("expires_at", "timestamptz").execute();
  await db.schema
    .alterTable("jobs")
    .addColumn("session_id", "text", (c) => c.unique().references("sessions.id").onDelete("cascade"))
    .execute();
  await db.schema
    .createTable("run_audit")
    .addColumn("id", "text", (c) => c.primaryKey())
    .addColumn("run_id", "text", (c) => c.notNull().references("runs.id").onDelete("cascade"))
    .addColumn("action", "text", (c) => c.notNull())
    .addColumn("actor", "text")
    .addColumn("reason", "text")
    .addColumn("data", "jsonb", (c) => c.notNull().defaultTo(sql`'{}'::jsonb`))
    .addColumn("created_at", "timestamptz", (c) => c.notNull().defaultTo(sql`now()`))
    .execute();
  await db.schema.createIndex("run_audit_run").on("run_audit").columns(["run_id", "created_at"]).execute();
}

/** Reverts the durable-engine migration. */
export async function down(db: Kysely<any>): Promise<void> {
  await db.schema.dropTable("run_audit").execute();
  await db.schema.alterTable("jobs").dropColumn("session_id").execute();
  await db.schema.alterTable("sessions").dropColumn("expires_at").execute();
  await db.schema.alterTable("runs").dropColumn("current_attempt").execute();
}
