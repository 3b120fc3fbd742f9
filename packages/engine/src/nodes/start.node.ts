import { routeStart, type StartNode } from "@flowgate/domain";
import type { NodeHandler } from "./node-handler.ts";

/** `start`: goes to `next`. */
export const startNode: NodeHandler<StartNode> = {
  io: false,
  execute: async (node) => ({ result: "started", output: null, error: null, next: routeStart(node) }),
};
