import { type Kysely, sql } from "kysely";

/**
 * Sessions belong to an identity (`sessions.identity_id`: a DDQ entity of type `individual`), indexed for
 * `Entity.sessions` and the one-open-session-per-identity-and-reference rule; and each session run's risk
 * assessment (`session_risk_assessments`: score, level, signals, and the version of the rules that
 * produced it), one per run and rules version.
 */
export async function up(db: Kysely<any>): Promise<void> {
  await db.schema
    .alterTable("sessions")
    .addColumn("identity_id", "text", (c) => c.references("entities.id").onDelete("set null"))
    .execute();
  await db.schema
    .createIndex("sessions_identity")
    .on("sessions")
    .columns(["identity_id", "reference_id"])
    .execute();
  await db.schema
    .createTable("session_risk_assessments")
    .addColumn("id", "text", (c) => c.primaryKey())
    .addColumn("workspace_id", "text", (c) => c.notNull().references("workspaces.id").onDelete("cascade"))
    .addColumn("environment", "text", (c) => c.notNull().check(sql`environment in ('live', 'sandbox')`))
    .addColumn("session_id", "text", (c) => c.notNull().references("sessions.id").onDelete("cascade"))
    .addColumn("run_id", "text", (c) => c.notNull().references("runs.id").onDelete("cascade"))
    .addColumn("rules_version", "text", (c) => c.notNull())
    .addColumn("score", "integer", (c) => c.notNull().check(sql`score between 0 and 100`))
    .addColumn("level", "text", (c) => c.notNull().check(sql`level in ('low', 'medium', 'high', 'critical')`))
    .addColumn("signals", "jsonb", (c) => c.notNull())
    .addColumn("created_at", "timestamptz", (c) => c.notNull().defaultTo(sql`now()`))
    .addUniqueConstraint("session_risk_assessments_run_rules", ["run_id", "rules_version"])
    .execute();
  await db.schema
    .createIndex("session_risk_assessments_session")
    .on("session_risk_assessments")
    .columns(["session_id", "created_at"])
    .execute();
}

/** Drops what `up` created. */
export async function down(db: Kysely<any>): Promise<void> {
  await db.schema.dropTable("session_risk_assessments").ifExists().execute();
  await db.schema.dropIndex("sessions_identity").ifExists().execute();
  await db.schema.alterTable("sessions").dropColumn("identity_id").execute();
}
