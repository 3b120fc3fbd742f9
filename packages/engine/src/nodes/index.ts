import type { GraphNode } from "@flowgate/domain";
import { conditionalNode } from "./conditional.node.ts";
import type {
  NodeContext,
  NodeExecution,
  NodeHandler,
  NodeHandlers,
  NodeStartContext,
} from "./node-handler.ts";
import { policyNode } from "./policy.node.ts";
import { questionnaireNode } from "./questionnaire.node.ts";
import { startNode } from "./start.node.ts";
import { taskNode } from "./task.node.ts";
import { terminalNode } from "./terminal.node.ts";
import { waitNode } from "./wait.node.ts";

/** The handler of every node type. Real runs and dry runs both execute nodes through these. */
export const nodeHandlers: NodeHandlers = {
  start: startNode,
  policy: policyNode,
  conditional: conditionalNode,
  wait: waitNode,
  terminal: terminalNode,
  task: taskNode,
  questionnaire: questionnaireNode,
};

function handlerFor(node: GraphNode): NodeHandler<GraphNode> {
  return nodeHandlers[node.type] as NodeHandler<GraphNode>;
}

/** Executes `node` with its type's handler. */
export function executeNode(node: GraphNode, context: NodeContext): Promise<NodeExecution> {
  return handlerFor(node).execute(node, context);
}

/** Whether `node` does I/O: the engine commits its `node.started` before executing it. */
export function isIoNode(node: GraphNode): boolean {
  return handlerFor(node).io;
}

/**
 * Whether this execution of an I/O node does no I/O after all (see {@link NodeHandler.immediate}): the
 * engine then executes it inline, like a node without I/O. Never for a node with a start hook.
 */
export function isImmediateNode(node: GraphNode, context: NodeContext): boolean {
  const handler = handlerFor(node);
  return !handler.start && (handler.immediate?.(node, context) ?? false);
}

/**
 * Runs `node`'s start hook inside the transaction that commits its `node.started` (see
 * {@link NodeHandler.start}); null when the node has none or may go on.
 */
export function beginNode(node: GraphNode, context: NodeStartContext): Promise<NodeExecution | null> {
  const handler = handlerFor(node);
  return handler.start ? handler.start(node, context) : Promise.resolve(null);
}

/** Resumes a paused `node` with the signal that arrived; throws for node types that never pause. */
export function resumeNode(
  node: GraphNode,
  signal: Parameters<NonNullable<NodeHandler<GraphNode>["resume"]>>[1],
  context: NodeContext,
) {
  const handler = handlerFor(node);
  if (!handler.resume) throw new Error(`node "${node.id}" (${node.type}) cannot be resumed`);
  return handler.resume(node, signal, context);
}

export type {
  NodeContext,
  NodeExecution,
  NodeHandler,
  NodeHandlers,
  NodeNext,
  NodeStartContext,
} from "./node-handler.ts";
