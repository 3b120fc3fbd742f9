import { type Kysely, sql } from "kysely";

const environmentCheck = sql`environment in ('live', 'sandbox')`;

/**
 * Data protection (issue 13): who redacted a session and why (`sessions.redacted_*`), legal holds, the
 * append-only access log of personal-data reads, DSAR exports, durable bulk operations with one row per
 * session, and retention policies per workspace and environment.
 */
export async function up(db: Kysely<any>): Promise<void> {
  await db.schema
    .alterTable("sessions")
    .addColumn("redacted_at", "timestamptz")
    .addColumn("redacted_by", "text")
    .addColumn("redaction_reason", "text")
    .execute();

  await db.schema
    .createTable("legal_holds")
    .addColumn("id", "text", (c) => c.primaryKey())
    .addColumn("workspace_id", "text", (c) => c.notNull().references("workspaces.id").onDelete("cascade"))
    .addColumn("environment", "text", (c) => c.notNull().check(environmentCheck))
    // No foreign key: a hold's record outlives the session it held.
    .addColumn("session_id", "text", (c) => c.notNull())
    .addColumn("reason", "text", (c) => c.notNull())
    .addColumn("created_by", "text", (c) => c.notNull())
    .addColumn("created_at", "timestamptz", (c) => c.notNull().defaultTo(sql`now()`))
    .addColumn("released_at", "timestamptz")
    .addColumn("released_by", "text")
    .addColumn("release_reason", "text")
    .execute();
  // At most one active hold per session.
  await db.schema
    .createIndex("legal_holds_active")
    .on("legal_holds")
    .column("session_id")
    .unique()
    .where(sql.ref("released_at"), "is", null)
    .execute();

  await db.schema
    .createTable("access_log")
    .addColumn("id", "bigint", (c) => c.primaryKey().generatedAlwaysAsIdentity())
    .addColumn("workspace_id", "text", (c) => c.notNull())
    .addColumn("environment", "text", (c) => c.notNull().check(environmentCheck))
    .addColumn("key_id", "text", (c) => c.notNull())
    .addColumn("record_type", "text", (c) => c.notNull())
    .addColumn("record_id", "text", (c) => c.notNull())
    .addColumn("session_id", "text")
    .addColumn("fields", sql`text[]`, (c) => c.notNull())
    .addColumn("channel", "text", (c) => c.notNull())
    .addColumn("created_at", "timestamptz", (c) => c.notNull().defaultTo(sql`now()`))
    .execute();
  await db.schema
    .createIndex("access_log_session")
    .on("access_log")
    .columns(["session_id", "id"])
    .where(sql.ref("session_id"), "is not", null)
    .execute();
  await db.schema
    .createIndex("access_log_workspace_time")
    .on("access_log")
    .columns(["workspace_id", "environment", "created_at"])
    .execute();
  // Append-only: rows can be inserted and read, never changed or removed (except with their workspace).
  await sql`create function access_log_append_only() returns trigger language plpgsql as $$
    begin
      raise exception 'access_log is append-only';
    end
  $$`.execute(db);
  await sql`create trigger access_log_append_only before update on access_log
    for each row execute function access_log_append_only()`.execute(db);

  await db.schema
    .createTable("data_exports")
    .addColumn("id", "text", (c) => c.primaryKey())
    .addColumn("workspace_id", "text", (c) => c.notNull().references("workspaces.id").onDelete("cascade"))
    .addColumn("environment", "text", (c) => c.notNull().check(environmentCheck))
    .addColumn("subject_type", "text", (c) => c.notNull().check(sql`subject_type in ('session', 'identity')`))
    .addColumn("subject_id", "text", (c) => c.notNull())
    .addColumn("requested_by", "text", (c) => c.notNull())
    .addColumn("created_at", "timestamptz", (c) => c.notNull().defaultTo(sql`now()`))
    .addColumn("expires_at", "timestamptz", (c) => c.notNull())
    .addColumn("downloaded_at", "timestamptz")
    .addColumn("download_count", "integer", (c) => c.notNull().defaultTo(0))
    .execute();

  await db.schema
    .createTable("bulk_operations")
    .addColumn("id", "text", (c) => c.primaryKey())
    .addColumn("workspace_id", "text", (c) => c.notNull().references("workspaces.id").onDelete("cascade"))
    .addColumn("environment", "text", (c) => c.notNull().check(environmentCheck))
    .addColumn("kind", "text", (c) => c.notNull())
    .addColumn("status", "text", (c) =>
      c.notNull().check(sql`status in ('pending', 'running', 'completed', 'failed')`),
    )
    .addColumn("reason", "text", (c) => c.notNull())
    .addColumn("filter", "jsonb", (c) => c.notNull().defaultTo(sql`'{}'::jsonb`))
    .addColumn("total", "integer", (c) => c.notNull().defaultTo(0))
    .addColumn("processed", "integer", (c) => c.notNull().defaultTo(0))
    .addColumn("succeeded", "integer", (c) => c.notNull().defaultTo(0))
    .addColumn("skipped", "integer", (c) => c.notNull().defaultTo(0))
    .addColumn("failed", "integer", (c) => c.notNull().defaultTo(0))
    .addColumn("created_by", "text", (c) => c.notNull())
    .addColumn("created_at", "timestamptz", (c) => c.notNull().defaultTo(sql`now()`))
    .addColumn("started_at", "timestamptz")
    .addColumn("completed_at", "timestamptz")
    .execute();
  await db.schema
    .createIndex("bulk_operations_workspace_page")
    .on("bulk_operations")
    .columns(["workspace_id", "environment", "id"])
    .execute();

  await db.schema
    .createTable("bulk_operation_items")
    .addColumn("operation_id", "text", (c) =>
      c.notNull().references("bulk_operations.id").onDelete("cascade"),
    )
    .addColumn("position", "integer", (c) => c.notNull())
    .addColumn("session_id", "text", (c) => c.notNull())
    .addColumn("status", "text", (c) =>
      c.notNull().check(sql`status in ('pending', 'succeeded', 'skipped', 'failed')`),
    )
    .addColumn("error", "text")
    .addColumn("done_at", "timestamptz")
    .addPrimaryKeyConstraint("bulk_operation_items_pk", ["operation_id", "position"])
    .execute();
  await sql`create index bulk_operation_items_pending on bulk_operation_items (operation_id, position)
    where status = 'pending'`.execute(db);

  await db.schema
    .createTable("retention_policies")
    .addColumn("workspace_id", "text", (c) => c.notNull().references("workspaces.id").onDelete("cascade"))
    .addColumn("environment", "text", (c) => c.notNull().check(environmentCheck))
    .addColumn("redact_after_days", "integer", (c) => c.check(sql`redact_after_days > 0`))
    .addColumn("delete_abandoned_after_days", "integer", (c) => c.check(sql`delete_abandoned_after_days > 0`))
    .addColumn("updated_by", "text")
    .addColumn("updated_at", "timestamptz", (c) => c.notNull().defaultTo(sql`now()`))
    .addPrimaryKeyConstraint("retention_policies_pk", ["workspace_id", "environment"])
    .execute();
  // Retention looks for final sessions by when they finished.
  await sql`create index sessions_retention on sessions (workspace_id, environment, status, completed_at)
    where redacted_at is null`.execute(db);
}

/** Drops what `up` created. */
export async function down(db: Kysely<any>): Promise<void> {
  await db.schema.dropIndex("sessions_retention").ifExists().execute();
  for (const table of [
    "retention_policies",
    "bulk_operation_items",
    "bulk_operations",
    "data_exports",
    "access_log",
    "legal_holds",
  ]) {
    await db.schema.dropTable(table).ifExists().execute();
  }
  await sql`drop function if exists access_log_append_only()`.execute(db);
  await db.schema
    .alterTable("sessions")
    .dropColumn("redacted_at")
    .dropColumn("redacted_by")
    .dropColumn("redaction_reason")
    .execute();
}
