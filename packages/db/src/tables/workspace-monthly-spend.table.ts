import type { ColumnType } from "kysely";
import type { CreatedAt } from "./common.ts";

/**
 * Row of `workspace_monthly_spend`: what a workspace's task nodes have claimed of one month's budget (UTC),
 * counted when each execution starts (so that concurrent runs see each other's costs). Created on first use
 * from the `node_costs` ledger of that month.
 */
export interface WorkspaceMonthlySpendTable {
  workspace_id: string;
  /** First day of the month, `YYYY-MM-01`. */
  month: ColumnType<Date, string, never>;
  /** `bigint`: read back as a string. */
  spent_cents: ColumnType<string, number | string, number | string>;
  updated_at: CreatedAt;
}
