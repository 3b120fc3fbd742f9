import { type Kysely, sql } from "kysely";

/**
 * Webhooks: endpoints (`webhook_endpoints`, their signing secrets encrypted), the transactional outbox of
 * events (`webhook_events`, written in the transaction of the change each reports), one delivery per event
 * and endpoint (`webhook_deliveries`) with its HTTP attempts (`webhook_attempts`), and the queue job that
 * sends a delivery (`jobs.webhook_delivery_id`, at most one per delivery).
 */
export async function up(db: Kysely<any>): Promise<void> {
  await db.schema
    .createTable("webhook_endpoints")
    .addColumn("id", "text", (c) => c.primaryKey())
    .addColumn("workspace_id", "text", (c) => c.notNull().references("workspaces.id").onDelete("cascade"))
    .addColumn("environment", "text", (c) => c.notNull().check(sql`environment in ('live', 'sandbox')`))
    .addColumn("url", "text", (c) => c.notNull())
    .addColumn("description", "text")
    // Event types, or ["*"].
    .addColumn("events", "jsonb", (c) => c.notNull())
    .addColumn("status", "text", (c) =>
      c.notNull().defaultTo("enabled").check(sql`status in ('enabled', 'disabled')`),
    )
    .addColumn("disabled_reason", "text")
    .addColumn("disabled_at", "timestamptz")
    .addColumn("consecutive_failures", "integer", (c) => c.notNull().defaultTo(0))
    // AES-256-GCM ciphertexts (never the secret itself).
    .addColumn("secret_encrypted", "text", (c) => c.notNull())
    .addColumn("previous_secret_encrypted", "text")
    .addColumn("previous_secret_expires_at", "timestamptz")
    .addColumn("created_at", "timestamptz", (c) => c.notNull().defaultTo(sql`now()`))
    .addColumn("updated_at", "timestamptz", (c) => c.notNull().defaultTo(sql`now()`))
    .execute();
  await db.schema
    .createIndex("webhook_endpoints_tenant")
    .on("webhook_endpoints")
    .columns(["workspace_id", "environment", "id"])
    .execute();

  await db.schema
    .createTable("webhook_events")
    .addColumn("id", "text", (c) => c.primaryKey())
    .addColumn("workspace_id", "text", (c) => c.notNull().references("workspaces.id").onDelete("cascade"))
    .addColumn("environment", "text", (c) => c.notNull().check(sql`environment in ('live', 'sandbox')`))
    .addColumn("type", "text", (c) => c.notNull())
    .addColumn("session_id", "text")
    // The whole body as delivered (Standard Webhooks signs these exact bytes).
    .addColumn("payload", "text", (c) => c.notNull())
    .addColumn("created_at", "timestamptz", (c) => c.notNull().defaultTo(sql`now()`))
    .execute();

  await db.schema
    .createTable("webhook_deliveries")
    .addColumn("id", "text", (c) => c.primaryKey())
    .addColumn("workspace_id", "text", (c) => c.notNull().references("workspaces.id").onDelete("cascade"))
    .addColumn("environment", "text", (c) => c.notNull().check(sql`environment in ('live', 'sandbox')`))
    .addColumn("endpoint_id", "text", (c) =>
      c.notNull().references("webhook_endpoints.id").onDelete("cascade"),
    )
    .addColumn("event_id", "text", (c) => c.notNull().references("webhook_events.id").onDelete("cascade"))
    .addColumn("event_type", "text", (c) => c.notNull())
    .addColumn("session_id", "text")
    .addColumn("status", "text", (c) =>
      c.notNull().defaultTo("pending").check(sql`status in ('pending', 'succeeded', 'failed')`),
    )
    .addColumn("attempt_count", "integer", (c) => c.notNull().defaultTo(0))
    .addColumn("next_attempt_at", "timestamptz")
    .addColumn("last_status_code", "integer")
    .addColumn("delivered_at", "timestamptz")
    .addColumn("created_at", "timestamptz", (c) => c.notNull().defaultTo(sql`now()`))
    .addColumn("updated_at", "timestamptz", (c) => c.notNull().defaultTo(sql`now()`))
    .execute();
  await db.schema
    .createIndex("webhook_deliveries_endpoint")
    .on("webhook_deliveries")
    .columns(["endpoint_id", "id"])
    .execute();
  await db.schema
    .createIndex("webhook_deliveries_session")
    .on("webhook_deliveries")
    .columns(["session_id", "id"])
    .where(sql.ref("session_id"), "is not", null)
    .execute();

  await db.schema
    .createTable("webhook_attempts")
    .addColumn("delivery_id", "text", (c) =>
      c.notNull().references("webhook_deliveries.id").onDelete("cascade"),
    )
    .addColumn("attempt", "integer", (c) => c.notNull())
    .addColumn("started_at", "timestamptz", (c) => c.notNull())
    .addColumn("duration_ms", "integer", (c) => c.notNull())
    .addColumn("status_code", "integer")
    .addColumn("response_body", "text")
    .addColumn("error", "text")
    .addColumn("next_attempt_at", "timestamptz")
    .addPrimaryKeyConstraint("webhook_attempts_pk", ["delivery_id", "attempt"])
    .execute();

  await db.schema
    .alterTable("jobs")
    .addColumn("webhook_delivery_id", "text", (c) =>
      c.unique().references("webhook_deliveries.id").onDelete("cascade"),
    )
    .execute();
}

/** Drops what `up` created. */
export async function down(db: Kysely<any>): Promise<void> {
  await db.schema.alterTable("jobs").dropColumn("webhook_delivery_id").execute();
  await db.schema.dropTable("webhook_attempts").ifExists().execute();
  await db.schema.dropTable("webhook_deliveries").ifExists().execute();
  await db.schema.dropTable("webhook_events").ifExists().execute();
  await db.schema.dropTable("webhook_endpoints").ifExists().execute();
}
