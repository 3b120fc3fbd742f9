import type { CreatedAt } from "./common.ts";

/** Row of `organizations`. */
export interface OrganizationsTable {
  id: string;
  name: string;
  created_at: CreatedAt;
}
