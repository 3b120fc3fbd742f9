import type { ColumnType } from "kysely";
import type { CreatedAt, EnvironmentColumn, Timestamp } from "./common.ts";

/** Row of `workflow_drafts`: an editable graph of a workflow; at most one `open` per workflow. */
export interface WorkflowDraftsTable {
  id: string;
  workspace_id: string;
  environment: EnvironmentColumn;
  workflow_id: string;
  status: "open" | "published" | "discarded";
  base_version: number;
  source_version: number;
  /** The graph as saved (valid or not): any JSON value the caller sent. */
  graph: ColumnType<unknown, string, string>;
  valid: boolean;
  /** Validation issues, `[{ path, message, nodeId? }]`. */
  issues: ColumnType<unknown, string | undefined, string>;
  published_version: number | null;
  created_by: string | null;
  updated_by: string | null;
  published_by: string | null;
  created_at: CreatedAt;
  updated_at: CreatedAt;
  closed_at: Timestamp | null;
}
