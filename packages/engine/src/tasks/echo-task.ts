import { type TaskHandlerResult, taskSucceeded } from "./task-outcome.ts";

/** `echo`: the output is the node's input. */
export function runEchoTask(input: Record<string, unknown>): TaskHandlerResult {
  return taskSucceeded({ ...input });
}
