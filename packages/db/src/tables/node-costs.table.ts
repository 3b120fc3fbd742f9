import type { ColumnType } from "kysely";
import type { CreatedAt, EnvironmentColumn } from "./common.ts";

/**
 * Row of `node_costs`: the ledger of what node executions cost, one entry per node run with a cost (or
 * per change of its cost), written by the `node_runs_record_cost` trigger in the node run's transaction.
 */
export interface NodeCostsTable {
  /** Identity column, generated; `bigint` is read back as a string. */
  id: ColumnType<string, never, never>;
  workspace_id: string;
  environment: EnvironmentColumn;
  run_id: string;
  node_run_id: string;
  workflow_node_id: string;
  cost_cents: number;
  created_at: CreatedAt;
}
