import type { CreatedAt, EnvironmentColumn } from "./common.ts";

/** Row of `entities`: a company or an individual that questionnaires are sent to. */
export interface EntitiesTable {
  id: string;
  workspace_id: string;
  environment: EnvironmentColumn;
  entity_type: "company" | "individual";
  legal_name: string | null;
  trading_name: string | null;
  first_name: string | null;
  last_name: string | null;
  email: string | null;
  phone: string | null;
  jurisdiction: string | null;
  created_at: CreatedAt;
  updated_at: CreatedAt;
}
