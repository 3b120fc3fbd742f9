import { type Kysely, sql } from "kysely";

/**
 * Durable recipient sends: `email_sends` records each recipient email as a job of its own (reserve →
 * send → settle, keyed by the row's id, which is also the SMTP Message-ID), `jobs.key` lets a job be
 * queued once under a name (`email.send:<snd_…>`, the reservation sweeper), `credit_reservations.expires_at`
 * is when the sweeper gives a reservation back, and `workspace_hourly_emails` counts each workspace's
 * emails per UTC hour for the hourly cap.
 *
 * Existing rows: reservations still held (sends of the synchronous code, which a crash could leave held
 * forever) expire an hour after the migration, so that the sweeper gives them back unless they settle
 * first; link tokens already in the outbox (`fgl_…`, `fgv_…`) are masked to their last four characters
 * like the ones written from now on. Its data test: `packages/db/test/migrations/<this name>.test.ts`.
 */
export async function up(db: Kysely<any>): Promise<void> {
  await db.schema
    .alterTable("jobs")
    .addColumn("key", "text", (c) => c.unique())
    .execute();
  await db.schema.alterTable("credit_reservations").addColumn("expires_at", "timestamptz").execute();
  await db
    .updateTable("credit_reservations")
    .set({ expires_at: sql`now() + interval '1 hour'` })
    .where("status", "=", "held")
    .execute();
  const masked = (column: string) =>
    sql`regexp_replace(${sql.ref(column)}, '(fgl_|fgv_)[A-Za-z0-9_-]{4,}([A-Za-z0-9_-]{4})', '\\1…\\2', 'g')`;
  await db
    .updateTable("email_outbox")
    .set({
      text_body: masked("text_body"),
      html_body: masked("html_body"),
      link_url: masked("link_url"),
    })
    .execute();
  await db.schema
    .createIndex("credit_reservations_held_expiry")
    .on("credit_reservations")
    .column("expires_at")
    .where(sql.ref("status"), "=", "held")
    .execute();

  await db.schema
    .createTable("email_sends")
    .addColumn("id", "text", (c) => c.primaryKey())
    .addColumn("workspace_id", "text", (c) => c.notNull().references("workspaces.id").onDelete("cascade"))
    .addColumn("environment", "text", (c) => c.notNull().check(sql`environment in ('live', 'sandbox')`))
    .addColumn("kind", "text", (c) => c.notNull().check(sql`kind in ('send_workflow', 'send_response')`))
    .addColumn("status", "text", (c) => c.notNull().check(sql`status in ('pending', 'sent', 'failed')`))
    // The recipient send (no foreign key: a failed send deletes it, this row stays as the outcome).
    .addColumn("workflow_session_id", "text", (c) => c.notNull())
    .addColumn("entity_id", "text", (c) => c.notNull())
    .addColumn("response_id", "text")
    .addColumn("verification_session_id", "text")
    .addColumn("message_id", "text", (c) => c.notNull().unique())
    // The link token sealed with the server key (AES-256-GCM) while the email is pending; null afterwards.
    .addColumn("sealed_token", "text")
    .addColumn("reservation_key", "text")
    // What a failure puts back (sendResponse: the response's annotations before the send).
    .addColumn("revert", "jsonb", (c) => c.notNull().defaultTo(sql`'{}'::jsonb`))
    .addColumn("actor", "text")
    .addColumn("credits_charged", "integer", (c) => c.notNull().defaultTo(0))
    .addColumn("failure", "text")
    .addColumn("attempts", "integer", (c) => c.notNull().defaultTo(0))
    .addColumn("created_at", "timestamptz", (c) => c.notNull().defaultTo(sql`now()`))
    .addColumn("sent_at", "timestamptz")
    .addColumn("finished_at", "timestamptz")
    .execute();
  await db.schema
    .createIndex("email_sends_workspace_page")
    .on("email_sends")
    .columns(["workspace_id", "environment", "id"])
    .execute();
  await db.schema
    .createIndex("email_sends_reservation")
    .on("email_sends")
    .column("reservation_key")
    .where(sql.ref("reservation_key"), "is not", null)
    .execute();

  await db.schema
    .createTable("workspace_hourly_emails")
    .addColumn("workspace_id", "text", (c) => c.notNull().references("workspaces.id").onDelete("cascade"))
    // The start of the UTC hour the emails belong to.
    .addColumn("hour", "timestamptz", (c) => c.notNull())
    .addColumn("emails", "integer", (c) => c.notNull().defaultTo(0).check(sql`emails >= 0`))
    .addPrimaryKeyConstraint("workspace_hourly_emails_pk", ["workspace_id", "hour"])
    .execute();
}

/** Drops what `up` created. */
export async function down(db: Kysely<any>): Promise<void> {
  await db.schema.dropTable("workspace_hourly_emails").ifExists().execute();
  await db.schema.dropTable("email_sends").ifExists().execute();
  await db.schema.dropIndex("credit_reservations_held_expiry").ifExists().execute();
  await db.schema.alterTable("credit_reservations").dropColumn("expires_at").execute();
  await db.schema.alterTable("jobs").dropColumn("key").execute();
}
