import { type TerminalNode, terminalTransition } from "@flowgate/domain";
import type { NodeHandler } from "./node-handler.ts";

/** `terminal`: ends the run with its outcome. */
export const terminalNode: NodeHandler<TerminalNode> = {
  io: false,
  execute: async (node) => ({
    result: node.outcome,
    output: null,
    error: null,
    next: terminalTransition(node),
  }),
};
