import type { CreatedAt, JsonObjectDefault } from "./common.ts";

/** Row of `workspaces`. */
export interface WorkspacesTable {
  id: string;
  organization_id: string;
  name: string;
  settings: JsonObjectDefault;
  created_at: CreatedAt;
}
