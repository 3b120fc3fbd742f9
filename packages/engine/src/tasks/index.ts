import { assertNever, type RoutingContext, type TaskNode } from "@flowgate/domain";
import { runEchoTask } from "./echo-task.ts";
import { type HttpTaskOptions, runHttpTask } from "./http-task.ts";
import type { TaskHandlerResult } from "./task-outcome.ts";
import { runTemplateTask } from "./template-task.ts";

/** What running a task's handler needs. */
export interface RunTaskOptions extends HttpTaskOptions {
  /** The node's mapped input. */
  input: Record<string, unknown>;
  /** The run's payload, session data and earlier outputs (templates read them). */
  ctx: RoutingContext;
  /** A dry run: http handlers return the node's `simulate` result instead of calling their URL. */
  dryRun?: boolean | undefined;
}

/**
 * Runs a task node's handler once (retries are the engine's: it calls again with the next attempt).
 *
 * @param node - The task node.
 * @param options - Input, data and call options.
 */
export async function runTask(node: TaskNode, options: RunTaskOptions): Promise<TaskHandlerResult> {
  const handler = node.handler;
  switch (handler.type) {
    case "http":
      if (options.dryRun) {
        const simulated = node.simulate ?? { outcome: "success" as const };
        return simulated.outcome === "success"
          ? { outcome: "success", output: simulated.output ?? {} }
          : { outcome: "error", output: simulated.output ?? null, error: "simulated error (dry run)" };
      }
      return runHttpTask(handler, options.input, options);
    case "template":
      return runTemplateTask(handler, options.ctx);
    case "echo":
      return runEchoTask(options.input);
    default:
      return assertNever(handler);
  }
}

export { type HttpTaskOptions, maxHttpTaskResponseBytes, runHttpTask } from "./http-task.ts";
export type { TaskHandlerResult } from "./task-outcome.ts";
