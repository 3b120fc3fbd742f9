import { type Kysely, sql } from "kysely";

/**
 * A partial index over the runs that have not ended, so that the `flowgate_runs{status}` gauge read on
 * every `/metrics` scrape counts only them, however many ended runs the table holds. Touches no rows.
 */
export async function up(db: Kysely<any>): Promise<void> {
  await db.schema
    .createIndex("runs_active_status")
    .on("runs")
    .column("status")
    .where(sql.ref("status"), "in", ["pending", "running", "paused"])
    .execute();
}

/** Drops the index. */
export async function down(db: Kysely<any>): Promise<void> {
  await db.schema.dropIndex("runs_active_status").ifExists().execute();
}
