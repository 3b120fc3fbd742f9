import type { ColumnType } from "kysely";
import type { CreatedAt, EnvironmentColumn, Generated, JsonObject, JsonObjectDefault } from "./common.ts";

/** Row of `workflows`. */
export interface WorkflowsTable {
  id: string;
  workspace_id: string;
  environment: EnvironmentColumn;
  name: string;
  description: string | null;
  metadata: JsonObjectDefault;
  status: "active" | "inactive";
  is_default: Generated<boolean>;
  current_version: number;
  rollout: ColumnType<unknown, string | null, string | null> | null;
  created_at: CreatedAt;
  updated_at: CreatedAt;
}

/** Row of `workflow_versions`: an immutable graph. */
export interface WorkflowVersionsTable {
  workflow_id: string;
  version: number;
  graph: JsonObject;
  published_by: string | null;
  created_at: CreatedAt;
}
