import type { ColumnType } from "kysely";
import type { CreatedAt, EnvironmentColumn } from "./common.ts";

/** Row of `workflow_payload_schemas`: the JSON Schema a workflow's trigger payloads must satisfy. */
export interface WorkflowPayloadSchemasTable {
  workflow_id: string;
  workspace_id: string;
  environment: EnvironmentColumn;
  /** A JSON Schema: an object or a boolean, written as JSON text. */
  schema: ColumnType<unknown, string, string>;
  updated_by: string | null;
  updated_at: CreatedAt;
}
