import { findWorkspace, reserveMonthlySpend } from "@flowgate/db";
import {
  checkMonthlyBudget,
  mapTaskInput,
  type Run,
  readWorkspaceSettings,
  routeTask,
  type TaskNode,
  type WorkspaceSettings,
} from "@flowgate/domain";
import { runTask } from "../tasks/index.ts";
import type { NodeContext, NodeExecution, NodeHandler } from "./node-handler.ts";

/**
 * The id of a task execution: the run, the node and the step the node run is recorded as. Every attempt of
 * one execution has the same id (http handlers send it as `Idempotency-Key`); a node executed again later
 * in the run (a retried run) gets a new one.
 *
 * @param run - The run, as the step sees it before recording the node run.
 * @param nodeId - The task node.
 */
export function taskExecutionId(run: Pick<Run, "id" | "stepCount">, nodeId: string): string {
  return `${run.id}:${nodeId}:${run.stepCount + 1}`;
}

/**
 * `task`: claims its cost from the workspace's monthly budget when it starts, maps its input from the
 * payload and earlier outputs, runs its handler once and routes on `success` / `error`.
 *
 * - Budget: when a task that costs something starts (in the transaction that commits its `node.started`),
 *   its cost is claimed from the workspace's spending counter for the month (UTC) with one guarded update
 *   (`reserveMonthlySpend`): concurrent runs queue on the counter row, so together they never take the
 *   month's spending over the budget. A task that does not fit fails the run before its handler runs
 *   (result `budget_exceeded`, nothing billed). The claim covers every attempt of that execution, and it
 *   stays claimed if the run is cancelled while the task runs (the handler may already have done its work).
 * - `error` with attempts left (`retries`) is retried by the engine; after the last attempt it follows
 *   `routes.error`, or fails the run when the node has none.
 * - `cost_cents` is billed once per node execution: on its final attempt (success, or the last error),
 *   never for attempts that are retried.
 */
export const taskNode: NodeHandler<TaskNode> = {
  io: true,
  async start(node, context) {
    // Retries of an execution were paid for when its first attempt started.
    if (node.cost_cents <= 0 || context.attempt > 1) return null;
    const workspace = await findWorkspace(context.trx, context.run.workspaceId);
    const budgetCents = (workspace?.settings ?? readWorkspaceSettings({})).monthlyBudgetCents;
    const claim = await reserveMonthlySpend(context.trx, {
      workspaceId: context.run.workspaceId,
      at: new Date(),
      costCents: node.cost_cents,
      budgetCents,
    });
    if (claim.ok) return null;
    const budget = checkMonthlyBudget({
      budgetCents,
      spentCents: claim.spentCents,
      costCents: node.cost_cents,
      nodeId: node.id,
    });
    const message = budget.ok ? `Monthly budget exceeded by task "${node.id}"` : budget.message;
    return {
      result: "budget_exceeded",
      input: null,
      output: null,
      error: message,
      costCents: 0,
      taskId: taskExecutionId(context.run, node.id),
      next: { kind: "fail", errorMessage: message },
    } satisfies NodeExecution;
  },
  async execute(node, context) {
    const ctx = await context.routingContext();
    const input = mapTaskInput(node, ctx);
    const taskId = taskExecutionId(context.run, node.id);
    const settings = await workspaceSettings(context);

    const result = await runTask(node, {
      input,
      ctx,
      dryRun: context.dryRun,
      taskId,
      runId: context.run.id,
      nodeId: node.id,
      attempt: context.attempt,
      allowPrivate: settings.allowPrivateTaskUrls,
    });
    const final = result.outcome === "success" || context.attempt > node.retries;
    const error = result.outcome === "error" ? result.error : null;
    const transition = routeTask(node, result.outcome);
    return {
      result: result.outcome,
      input,
      output: result.output,
      error,
      costCents: final ? node.cost_cents : 0,
      taskId,
      next: transition ?? { kind: "fail", errorMessage: `Task "${node.id}" failed: ${error}` },
    };
  },
};

async function workspaceSettings(context: NodeContext): Promise<WorkspaceSettings> {
  const workspace = context.db ? await findWorkspace(context.db, context.run.workspaceId) : undefined;
  return workspace?.settings ?? readWorkspaceSettings({});
}
