import type { Tenant } from "@flowgate/domain";
import { type SqlBool, sql } from "kysely";

/**
 * The condition that keeps a query to one tenant's rows: `workspace_id` and `environment` match.
 * Every customer table has both columns; use it as `.where(inTenant(tenant))`.
 */
export function inTenant(tenant: Tenant) {
  return sql<SqlBool>`workspace_id = ${tenant.workspaceId} and environment = ${tenant.environment}`;
}
