import { sql } from "kysely";
import type { Executor } from "../database.ts";

/** What {@link reserveMonthlySpend} decided, with the month's spending before this cost. */
export type SpendReservation = { ok: true; spentCents: number } | { ok: false; spentCents: number };

/** `YYYY-MM-01` of the UTC month `at` falls in. */
function monthKey(at: Date): string {
  return `${at.getUTCFullYear()}-${String(at.getUTCMonth() + 1).padStart(2, "0")}-01`;
}

/** Start of the UTC month `at` falls in, and of the next one. */
function monthBounds(at: Date): { since: Date; until: Date } {
  return {
    since: new Date(Date.UTC(at.getUTCFullYear(), at.getUTCMonth(), 1)),
    until: new Date(Date.UTC(at.getUTCFullYear(), at.getUTCMonth() + 1, 1)),
  };
}

/**
 * Claims `costCents` of a workspace's spending for the month (UTC) that `at` falls in, atomically: one
 * `UPDATE … SET spent_cents = spent_cents + cost WHERE spent_cents + cost <= budget` on the workspace's
 * counter row. Concurrent claims queue on that row and each sees the others' committed costs, so the sum
 * of the claims that succeed never exceeds the budget. Without a budget (`budgetCents` null) the cost is
 * added unconditionally, so that the counter is right when a budget is set later in the month.
 *
 * The month's row is created on first use from the `node_costs` ledger of that month. Call it inside the
 * transaction that records the start of the execution: if that transaction rolls back, so does the claim.
 *
 * @param db - A transaction.
 * @param claim - Workspace, when (its UTC month), cost (> 0) and budget (null for none).
 * @returns Whether the cost fits, and the month's spending before it.
 */
export async function reserveMonthlySpend(
  db: Executor,
  claim: { workspaceId: string; at: Date; costCents: number; budgetCents: number | null },
): Promise<SpendReservation> {
  const month = monthKey(claim.at);
  const { since, until } = monthBounds(claim.at);
  for (let attempt = 0; attempt < 2; attempt++) {
    let update = db
      .updateTable("workspace_monthly_spend")
      .set({ spent_cents: sql`spent_cents + ${claim.costCents}`, updated_at: new Date() })
      .where("workspace_id", "=", claim.workspaceId)
      .where("month", "=", sql<Date>`${month}::date`);
    if (claim.budgetCents !== null) {
      update = update.where(sql<boolean>`spent_cents + ${claim.costCents} <= ${claim.budgetCents}`);
    }
    const updated = await update.returning("spent_cents").executeTakeFirst();
    if (updated) return { ok: true, spentCents: Number(updated.spent_cents) - claim.costCents };
    const existing = await db
      .selectFrom("workspace_monthly_spend")
      .select("spent_cents")
      .where("workspace_id", "=", claim.workspaceId)
      .where("month", "=", sql<Date>`${month}::date`)
      .executeTakeFirst();
    if (existing) return { ok: false, spentCents: Number(existing.spent_cents) };
    // First claim of the month: start from what the ledger holds (costs recorded before the counter existed).
    await db
      .insertInto("workspace_monthly_spend")
      .values({
        workspace_id: claim.workspaceId,
        month,
        spent_cents: sql<string>`(select coalesce(sum(cost_cents), 0) from node_costs
          where workspace_id = ${claim.workspaceId} and created_at >= ${since} and created_at < ${until})`,
      })
      .onConflict((oc) => oc.columns(["workspace_id", "month"]).doNothing())
      .execute();
  }
  throw new Error(`the spending counter of workspace ${claim.workspaceId} for ${month} could not be created`);
}

/**
 * What a workspace has claimed of a month's budget so far (executions started, including those still
 * running), or null when nothing was claimed that month through the counter.
 */
export async function findMonthlySpend(db: Executor, workspaceId: string, at: Date): Promise<number | null> {
  const row = await db
    .selectFrom("workspace_monthly_spend")
    .select("spent_cents")
    .where("workspace_id", "=", workspaceId)
    .where("month", "=", sql<Date>`${monthKey(at)}::date`)
    .executeTakeFirst();
  return row ? Number(row.spent_cents) : null;
}
