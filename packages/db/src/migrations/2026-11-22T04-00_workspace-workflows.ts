import { type Kysely, sql } from "kysely";

/**
 * Workspace workflows: the ledger of node costs (`node_costs`, filled by a trigger on `node_runs` in the
 * same transaction as the node run, so it is exact whatever code records node runs), the optional JSON
 * Schema of a workflow's trigger payload, and indexes for listing an organization's workspaces and a
 * workspace's keys.
 */
export async function up(db: Kysely<any>): Promise<void> {
  await db.schema
    .createTable("node_costs")
    .addColumn("id", "bigint", (c) => c.primaryKey().generatedAlwaysAsIdentity())
    .addColumn("workspace_id", "text", (c) => c.notNull().references("workspaces.id").onDelete("cascade"))
    .addColumn("environment", "text", (c) => c.notNull().check(sql`environment in ('live', 'sandbox')`))
    // No foreign keys to runs or node runs: money spent stays in the ledger when a run is deleted.
    .addColumn("run_id", "text", (c) => c.notNull())
    .addColumn("node_run_id", "text", (c) => c.notNull())
    .addColumn("workflow_node_id", "text", (c) => c.notNull())
    .addColumn("cost_cents", "integer", (c) => c.notNull())
    .addColumn("created_at", "timestamptz", (c) => c.notNull().defaultTo(sql`now()`))
    .execute();
  // "Cost this month" is a range scan of one workspace's entries since the first of the month.
  await sql`create index node_costs_workspace_time on node_costs (workspace_id, created_at)
    include (environment, cost_cents)`.execute(db);

  await sql`create function node_runs_record_cost() returns trigger language plpgsql as $$
    declare
      delta integer;
    begin
      delta := new.cost_cents - coalesce(case when tg_op = 'UPDATE' then old.cost_cents end, 0);
      if delta <> 0 then
        insert into node_costs (workspace_id, environment, run_id, node_run_id, workflow_node_id, cost_cents)
        select r.workspace_id, r.environment, new.run_id, new.id, new.workflow_node_id, delta
        from runs r where r.id = new.run_id;
      end if;
      return new;
    end
  $$`.execute(db);
  await sql`create trigger node_runs_record_cost after insert or update of cost_cents on node_runs
    for each row execute function node_runs_record_cost()`.execute(db);
  // Costs recorded before the ledger existed.
  await sql`insert into node_costs
      (workspace_id, environment, run_id, node_run_id, workflow_node_id, cost_cents, created_at)
    select r.workspace_id, r.environment, n.run_id, n.id, n.workflow_node_id, n.cost_cents,
      coalesce(n.completed_at, n.started_at)
    from node_runs n join runs r on r.id = n.run_id
    where n.cost_cents <> 0`.execute(db);

  await db.schema
    .createTable("workflow_payload_schemas")
    .addColumn("workflow_id", "text", (c) => c.primaryKey().references("workflows.id").onDelete("cascade"))
    .addColumn("workspace_id", "text", (c) => c.notNull().references("workspaces.id").onDelete("cascade"))
    .addColumn("environment", "text", (c) => c.notNull().check(sql`environment in ('live', 'sandbox')`))
    .addColumn("schema", "jsonb", (c) => c.notNull())
    .addColumn("updated_by", "text")
    .addColumn("updated_at", "timestamptz", (c) => c.notNull().defaultTo(sql`now()`))
    .execute();

  await db.schema
    .createIndex("workspaces_organization_page")
    .on("workspaces")
    .columns(["organization_id", "id"])
    .execute();
  await db.schema
    .createIndex("api_keys_workspace_page")
    .on("api_keys")
    .columns(["workspace_id", "id"])
    .execute();
}

/** Drops what `up` created. */
export async function down(db: Kysely<any>): Promise<void> {
  await db.schema.dropIndex("api_keys_workspace_page").ifExists().execute();
  await db.schema.dropIndex("workspaces_organization_page").ifExists().execute();
  await db.schema.dropTable("workflow_payload_schemas").ifExists().execute();
  await sql`drop trigger if exists node_runs_record_cost on node_runs`.execute(db);
  await sql`drop function if exists node_runs_record_cost()`.execute(db);
  await db.schema.dropTable("node_costs").ifExists().execute();
}
