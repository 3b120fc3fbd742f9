import { type Kysely, sql } from "kysely";

/**
 * One-time verification links (`verification_links`: the SHA-256 of the token only, a use limit, an expiry
 * and a revocation) and the invitee's email on a session (`sessions.invitee_email`), where
 * `resendSessionInvitation` sends a fresh link.
 */
export async function up(db: Kysely<any>): Promise<void> {
  await db.schema.alterTable("sessions").addColumn("invitee_email", "text").execute();
  await db.schema
    .createTable("verification_links")
    .addColumn("id", "text", (c) => c.primaryKey())
    .addColumn("workspace_id", "text", (c) => c.notNull().references("workspaces.id").onDelete("cascade"))
    .addColumn("environment", "text", (c) => c.notNull().check(sql`environment in ('live', 'sandbox')`))
    .addColumn("session_id", "text", (c) => c.notNull().references("sessions.id").onDelete("cascade"))
    .addColumn("token_hash", "text", (c) => c.notNull().unique())
    .addColumn("max_uses", "integer", (c) => c.notNull().check(sql`max_uses between 1 and 100`))
    .addColumn("uses", "integer", (c) => c.notNull().defaultTo(0))
    .addColumn("expires_at", "timestamptz", (c) => c.notNull())
    .addColumn("revoked_at", "timestamptz")
    .addColumn("last_used_at", "timestamptz")
    .addColumn("sent_to", "text")
    .addColumn("created_by", "text")
    .addColumn("created_at", "timestamptz", (c) => c.notNull().defaultTo(sql`now()`))
    .addCheckConstraint("verification_links_uses", sql`uses between 0 and max_uses`)
    .execute();
  await db.schema
    .createIndex("verification_links_session")
    .on("verification_links")
    .columns(["session_id", "created_at"])
    .execute();
}

/** Drops what `up` created. */
export async function down(db: Kysely<any>): Promise<void> {
  await db.schema.dropTable("verification_links").ifExists().execute();
  await db.schema.alterTable("sessions").dropColumn("invitee_email").execute();
}
