import type { Environment } from "@flowgate/domain";
import type { Executor } from "../database.ts";

/**
 * Sum of a workspace's node costs in cents recorded at or after `since` (and before `until` when given),
 * from the `node_costs` ledger; one environment's or both.
 */
export async function sumNodeCosts(
  db: Executor,
  workspaceId: string,
  period: { since: Date; until?: Date | undefined; environment?: Environment | undefined },
): Promise<number> {
  let query = db
    .selectFrom("node_costs")
    .select((eb) => eb.fn.coalesce(eb.fn.sum<string | number>("cost_cents"), eb.lit(0)).as("total"))
    .where("workspace_id", "=", workspaceId)
    .where("created_at", ">=", period.since);
  if (period.until) query = query.where("created_at", "<", period.until);
  if (period.environment) query = query.where("environment", "=", period.environment);
  const { total } = await query.executeTakeFirstOrThrow();
  return Number(total);
}
