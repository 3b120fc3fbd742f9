import { findWorkspace, sumNodeCosts } from "@flowgate/db";
import {
  checkMonthlyBudget,
  mapTaskInput,
  type Run,
  readWorkspaceSettings,
  routeTask,
  startOfUtcMonth,
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
 * `task`: maps its input from the payload and earlier outputs, checks the workspace's monthly budget,
 * runs its handler once and routes on `success` / `error`.
 *
 * - A task that costs something and would take the workspace's spending this month (UTC) over its budget
 *   fails the run before the handler runs (result `budget_exceeded`, nothing billed).
 * - `error` with attempts left (`retries`) is retried by the engine; after the last attempt it follows
 *   `routes.error`, or fails the run when the node has none.
 * - `cost_cents` is billed once per node execution: on its final attempt (success, or the last error),
 *   never for attempts that are retried.
 */
export const taskNode: NodeHandler<TaskNode> = {
  async execute(node, context) {
    const ctx = await context.routingContext();
    const input = mapTaskInput(node, ctx);
    const taskId = taskExecutionId(context.run, node.id);
    const settings = await workspaceSettings(context);

    if (node.cost_cents > 0 && context.db && settings.monthlyBudgetCents !== null) {
      const spentCents = await sumNodeCosts(context.db, context.run.workspaceId, {
        since: startOfUtcMonth(new Date()),
      });
      const budget = checkMonthlyBudget({
        budgetCents: settings.monthlyBudgetCents,
        spentCents,
        costCents: node.cost_cents,
        nodeId: node.id,
      });
      if (!budget.ok) {
        return {
          result: "budget_exceeded",
          input,
          output: null,
          error: budget.message,
          costCents: 0,
          taskId,
          next: { kind: "fail", errorMessage: budget.message },
        } satisfies NodeExecution;
      }
    }

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
