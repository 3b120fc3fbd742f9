import { type Kysely, sql } from "kysely";

/**
 * The start of a node that does I/O is committed before its I/O (`runs.node_started_seq` /
 * `node_started_at`: which `node.started` event began the current attempt, and when), and a per-workspace,
 * per-month spending counter (`workspace_monthly_spend`) that task nodes reserve their cost from with one
 * guarded update, so that concurrent runs cannot overshoot the monthly budget.
 */
export async function up(db: Kysely<any>): Promise<void> {
  await db.schema
    .alterTable("runs")
    .addColumn("node_started_seq", "integer")
    .addColumn("node_started_at", "timestamptz")
    .execute();
  await db.schema
    .createTable("workspace_monthly_spend")
    .addColumn("workspace_id", "text", (c) => c.notNull().references("workspaces.id").onDelete("cascade"))
    // The first day of the month (UTC) the spending belongs to.
    .addColumn("month", "date", (c) => c.notNull())
    .addColumn("spent_cents", "bigint", (c) => c.notNull().defaultTo(0))
    .addColumn("updated_at", "timestamptz", (c) => c.notNull().defaultTo(sql`now()`))
    .addPrimaryKeyConstraint("workspace_monthly_spend_pk", ["workspace_id", "month"])
    .execute();
}

/** Drops what `up` created. */
export async function down(db: Kysely<any>): Promise<void> {
  await db.schema.dropTable("workspace_monthly_spend").ifExists().execute();
  await db.schema.alterTable("runs").dropColumn("node_started_at").dropColumn("node_started_seq").execute();
}
