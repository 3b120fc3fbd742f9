import { type Kysely, sql } from "kysely";

/**
 * Schedules and inbound triggers of workspace workflows: `workflow_schedules` (a cron expression, zone,
 * payload and catch-up policy, with the next fire time the workers claim), `schedule_fires` (one row per
 * fire, unique per schedule and fire time, so that a fire starts at most one run), `inbound_triggers`
 * (a `/hooks/:token` URL with its secret encrypted or its bearer token hashed) and
 * `inbound_trigger_messages` (the `webhook-id`s seen, unique per trigger, so that a retried POST starts
 * no second run).
 */
export async function up(db: Kysely<any>): Promise<void> {
  await db.schema
    .createTable("workflow_schedules")
    .addColumn("id", "text", (c) => c.primaryKey())
    .addColumn("workspace_id", "text", (c) => c.notNull().references("workspaces.id").onDelete("cascade"))
    .addColumn("environment", "text", (c) => c.notNull().check(sql`environment in ('live', 'sandbox')`))
    .addColumn("workflow_id", "text", (c) => c.notNull().references("workflows.id").onDelete("cascade"))
    .addColumn("cron", "text", (c) => c.notNull())
    .addColumn("timezone", "text", (c) => c.notNull())
    .addColumn("payload", "jsonb", (c) => c.notNull())
    .addColumn("catch_up", "text", (c) => c.notNull().check(sql`catch_up in ('skip', 'run_once')`))
    .addColumn("status", "text", (c) =>
      c.notNull().defaultTo("active").check(sql`status in ('active', 'paused')`),
    )
    .addColumn("next_fire_at", "timestamptz")
    .addColumn("last_fired_at", "timestamptz")
    .addColumn("last_run_id", "text")
    .addColumn("last_error", "text")
    .addColumn("created_by", "text")
    .addColumn("created_at", "timestamptz", (c) => c.notNull().defaultTo(sql`now()`))
    .addColumn("updated_at", "timestamptz", (c) => c.notNull().defaultTo(sql`now()`))
    .execute();
  // The workers' claim: due active schedules in fire-time order.
  await db.schema
    .createIndex("workflow_schedules_due")
    .on("workflow_schedules")
    .columns(["next_fire_at"])
    .where(sql.ref("status"), "=", "active")
    .execute();
  await db.schema
    .createIndex("workflow_schedules_workflow")
    .on("workflow_schedules")
    .columns(["workflow_id", "id"])
    .execute();
  await db.schema
    .createIndex("workflow_schedules_tenant")
    .on("workflow_schedules")
    .columns(["workspace_id", "environment", "id"])
    .execute();

  await db.schema
    .createTable("schedule_fires")
    .addColumn("schedule_id", "text", (c) =>
      c.notNull().references("workflow_schedules.id").onDelete("cascade"),
    )
    .addColumn("fire_at", "timestamptz", (c) => c.notNull())
    .addColumn("run_id", "text")
    .addColumn("missed", "integer", (c) => c.notNull().defaultTo(0))
    .addColumn("error", "text")
    .addColumn("created_at", "timestamptz", (c) => c.notNull().defaultTo(sql`now()`))
    .addPrimaryKeyConstraint("schedule_fires_pk", ["schedule_id", "fire_at"])
    .execute();

  await db.schema
    .createTable("inbound_triggers")
    .addColumn("id", "text", (c) => c.primaryKey())
    .addColumn("workspace_id", "text", (c) => c.notNull().references("workspaces.id").onDelete("cascade"))
    .addColumn("environment", "text", (c) => c.notNull().check(sql`environment in ('live', 'sandbox')`))
    .addColumn("workflow_id", "text", (c) => c.notNull().references("workflows.id").onDelete("cascade"))
    .addColumn("token", "text", (c) => c.notNull().unique())
    .addColumn("auth", "text", (c) => c.notNull().check(sql`auth in ('signature', 'bearer')`))
    // A signature trigger's `whsec_…` secret as an AES-256-GCM ciphertext; a bearer token's SHA-256.
    .addColumn("secret_encrypted", "text")
    .addColumn("token_hash", "text")
    .addColumn("status", "text", (c) =>
      c.notNull().defaultTo("active").check(sql`status in ('active', 'revoked')`),
    )
    .addColumn("last_triggered_at", "timestamptz")
    .addColumn("revoked_at", "timestamptz")
    .addColumn("created_by", "text")
    .addColumn("created_at", "timestamptz", (c) => c.notNull().defaultTo(sql`now()`))
    .addColumn("updated_at", "timestamptz", (c) => c.notNull().defaultTo(sql`now()`))
    .addCheckConstraint(
      "inbound_triggers_credential",
      sql`(auth = 'signature' and secret_encrypted is not null) or (auth = 'bearer' and token_hash is not null)`,
    )
    .execute();
  await db.schema
    .createIndex("inbound_triggers_workflow")
    .on("inbound_triggers")
    .columns(["workflow_id", "id"])
    .execute();
  await db.schema
    .createIndex("inbound_triggers_tenant")
    .on("inbound_triggers")
    .columns(["workspace_id", "environment", "id"])
    .execute();

  await db.schema
    .createTable("inbound_trigger_messages")
    .addColumn("trigger_id", "text", (c) => c.notNull().references("inbound_triggers.id").onDelete("cascade"))
    .addColumn("message_id", "text", (c) => c.notNull())
    // Set in the transaction that inserts the row, once its run is started.
    .addColumn("run_id", "text")
    .addColumn("created_at", "timestamptz", (c) => c.notNull().defaultTo(sql`now()`))
    .addPrimaryKeyConstraint("inbound_trigger_messages_pk", ["trigger_id", "message_id"])
    .execute();
}

/** Drops what `up` created. */
export async function down(db: Kysely<any>): Promise<void> {
  await db.schema.dropTable("inbound_trigger_messages").ifExists().execute();
  await db.schema.dropTable("inbound_triggers").ifExists().execute();
  await db.schema.dropTable("schedule_fires").ifExists().execute();
  await db.schema.dropTable("workflow_schedules").ifExists().execute();
}
