import { type Kysely, sql } from "kysely";

/**
 * Session management: tags on sessions (`sessions.tags`, with a GIN index for `sessions(tag:)`), a
 * session audit trail (`session_audit`: update, expire, resume, reprocess, … with actor and reason) and
 * runs kept as history when a session is reprocessed (`runs.superseded_at`: set on the session's earlier
 * run; the current run is the one without it).
 */
export async function up(db: Kysely<any>): Promise<void> {
  await db.schema
    .alterTable("sessions")
    .addColumn("tags", sql`text[]`, (c) => c.notNull().defaultTo(sql`'{}'::text[]`))
    .execute();
  await db.schema.createIndex("sessions_tags").on("sessions").using("gin").column("tags").execute();
  await db.schema.alterTable("runs").addColumn("superseded_at", "timestamptz").execute();
  await db.schema
    .createTable("session_audit")
    .addColumn("id", "text", (c) => c.primaryKey())
    .addColumn("session_id", "text", (c) => c.notNull().references("sessions.id").onDelete("cascade"))
    .addColumn("action", "text", (c) => c.notNull())
    .addColumn("actor", "text")
    .addColumn("reason", "text")
    .addColumn("data", "jsonb", (c) => c.notNull().defaultTo(sql`'{}'::jsonb`))
    .addColumn("created_at", "timestamptz", (c) => c.notNull().defaultTo(sql`now()`))
    .execute();
  await db.schema
    .createIndex("session_audit_session")
    .on("session_audit")
    .columns(["session_id", "created_at"])
    .execute();
}

/** Drops what `up` created. */
export async function down(db: Kysely<any>): Promise<void> {
  await db.schema.dropTable("session_audit").ifExists().execute();
  await db.schema.alterTable("runs").dropColumn("superseded_at").execute();
  await db.schema.dropIndex("sessions_tags").ifExists().execute();
  await db.schema.alterTable("sessions").dropColumn("tags").execute();
}
