import type { Kysely } from "kysely";

/**
 * Indexes for the engine's `maintenance.purge` job, which deletes `inbound_trigger_messages` older than a
 * week (by `created_at`) and `schedule_fires` older than a month (by `fire_at`) in bounded batches: without
 * them each batch would scan the whole table, whose primary keys lead with the trigger or schedule id.
 * (`idempotency_keys` has its `expires_at` index already.) Touches no rows.
 */
export async function up(db: Kysely<any>): Promise<void> {
  await db.schema
    .createIndex("inbound_trigger_messages_created_at")
    .on("inbound_trigger_messages")
    .column("created_at")
    .execute();
  await db.schema.createIndex("schedule_fires_fire_at").on("schedule_fires").column("fire_at").execute();
}

/** Drops the indexes. */
export async function down(db: Kysely<any>): Promise<void> {
  await db.schema.dropIndex("schedule_fires_fire_at").ifExists().execute();
  await db.schema.dropIndex("inbound_trigger_messages_created_at").ifExists().execute();
}
