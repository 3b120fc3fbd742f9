import type { TaskNode, TaskOutcome } from "../graph/graph-schema.ts";
import type { RoutingContext, Transition } from "../graph/routing.ts";
import { parseDataPath, resolveDataPath } from "./data-paths.ts";

/**
 * The input of a task node: each key of its `input` mapping gets the value at its path
 * (`payload.<key…>`, `<nodeId>.output.<key…>`, `session.<key…>`, or a whole `payload` / output); keys
 * whose value is missing are left out. A node without a mapping gets a copy of the trigger payload.
 *
 * @param node - The task node.
 * @param ctx - The run's payload, session data and node outputs.
 */
export function mapTaskInput(node: Pick<TaskNode, "input">, ctx: RoutingContext): Record<string, unknown> {
  if (node.input === undefined) return { ...ctx.payload };
  const input: Record<string, unknown> = {};
  for (const [key, text] of Object.entries(node.input)) {
    const parsed = parseDataPath(text);
    if (!parsed.ok) continue;
    const value = resolveDataPath(parsed.path, ctx);
    if (value !== undefined) input[key] = value;
  }
  return input;
}

/**
 * Transition out of a task node for its outcome: `success` goes to `routes.success`; `error` goes to
 * `routes.error`, or is `null` when the node has none (the run then fails).
 *
 * @param node - The task node.
 * @param outcome - Outcome of the task (after retries).
 */
export function routeTask(node: Pick<TaskNode, "routes">, outcome: TaskOutcome): Transition | null {
  if (outcome === "success") return { kind: "goto", nodeId: node.routes.success };
  return node.routes.error === undefined ? null : { kind: "goto", nodeId: node.routes.error };
}
