import { type Kysely, sql } from "kysely";

/**
 * Autofill jobs (`autofill_jobs`): one row per `autofillResponse` request, run by an engine worker through a
 * `response.autofill` queue job with the same id. A response has at most one job that is QUEUED or RUNNING
 * (a partial unique index), so two requests never race to fill it. Deleting the response deletes its jobs.
 */
export async function up(db: Kysely<any>): Promise<void> {
  await db.schema
    .createTable("autofill_jobs")
    .addColumn("id", "text", (c) => c.primaryKey())
    .addColumn("workspace_id", "text", (c) => c.notNull().references("workspaces.id").onDelete("cascade"))
    .addColumn("environment", "text", (c) => c.notNull().check(sql`environment in ('live', 'sandbox')`))
    .addColumn("response_id", "text", (c) => c.notNull().references("responses.id").onDelete("cascade"))
    .addColumn("status", "text", (c) =>
      c.notNull().check(sql`status in ('QUEUED', 'RUNNING', 'SUCCEEDED', 'FAILED')`),
    )
    .addColumn("provider", "text", (c) => c.notNull())
    .addColumn("deterministic", "boolean", (c) => c.notNull())
    .addColumn("requested_by", "text", (c) => c.notNull())
    .addColumn("filled", "jsonb", (c) => c.notNull().defaultTo(sql`'[]'::jsonb`))
    .addColumn("error", "text")
    .addColumn("attempts", "integer", (c) => c.notNull().defaultTo(0))
    .addColumn("response_event_id", "text")
    .addColumn("created_at", "timestamptz", (c) => c.notNull().defaultTo(sql`now()`))
    .addColumn("started_at", "timestamptz")
    .addColumn("finished_at", "timestamptz")
    .execute();
  await db.schema
    .createIndex("autofill_jobs_response")
    .on("autofill_jobs")
    .columns(["response_id", "id"])
    .execute();
  await db.schema
    .createIndex("autofill_jobs_one_active_per_response")
    .on("autofill_jobs")
    .column("response_id")
    .unique()
    .where(sql.ref("status"), "in", ["QUEUED", "RUNNING"])
    .execute();
}

/** Drops what `up` created. */
export async function down(db: Kysely<any>): Promise<void> {
  await db.schema.dropTable("autofill_jobs").ifExists().execute();
}
