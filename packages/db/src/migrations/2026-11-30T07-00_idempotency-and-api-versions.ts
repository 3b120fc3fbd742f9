import { type Kysely, sql } from "kysely";

/**
 * `idempotency_keys`: one row per `Idempotency-Key` a workspace (and environment) used in the last 24 h —
 * the fingerprint of the first request, whether it is still in flight, and the response to replay.
 * `api_keys.api_version`: the dated REST API version a key is pinned to (the version current when it was
 * created; keys that existed before versioning are pinned to the first version, `2025-11-01`).
 */
export async function up(db: Kysely<any>): Promise<void> {
  await db.schema
    .createTable("idempotency_keys")
    .addColumn("workspace_id", "text", (c) => c.notNull().references("workspaces.id").onDelete("cascade"))
    .addColumn("environment", "text", (c) => c.notNull())
    .addColumn("key", "text", (c) => c.notNull())
    // SHA-256 of method, path and body (REST) or of the operation and variables (GraphQL).
    .addColumn("request_hash", "text", (c) => c.notNull())
    .addColumn("state", "text", (c) => c.notNull().check(sql`state in ('in_flight', 'completed')`))
    .addColumn("response_status", "integer")
    .addColumn("response_body", "text")
    .addColumn("created_at", "timestamptz", (c) => c.notNull())
    .addColumn("expires_at", "timestamptz", (c) => c.notNull())
    .addPrimaryKeyConstraint("idempotency_keys_pk", ["workspace_id", "environment", "key"])
    .execute();
  await db.schema
    .createIndex("idempotency_keys_expires_at")
    .on("idempotency_keys")
    .column("expires_at")
    .execute();
  await db.schema
    .alterTable("api_keys")
    .addColumn("api_version", "text", (c) => c.notNull().defaultTo("2025-11-01"))
    .execute();
}

/** Drops what `up` created. */
export async function down(db: Kysely<any>): Promise<void> {
  await db.schema.alterTable("api_keys").dropColumn("api_version").execute();
  await db.schema.dropTable("idempotency_keys").ifExists().execute();
}
