import { type RoutingContext, renderTemplateObject, type TaskHandler } from "@flowgate/domain";
import { type TaskHandlerResult, taskSucceeded } from "./task-outcome.ts";

/**
 * `template`: builds the output from the handler's `output` template, reading the trigger payload, the
 * session's data and earlier outputs (paths and literals only; nothing is executed).
 */
export function runTemplateTask(
  handler: Extract<TaskHandler, { type: "template" }>,
  ctx: RoutingContext,
): TaskHandlerResult {
  return taskSucceeded(renderTemplateObject(handler.output, ctx));
}
