import { type ConditionalNode, routeConditional } from "@flowgate/domain";
import type { NodeHandler } from "./node-handler.ts";

/** `conditional`: the first matching condition wins, `default` otherwise. */
export const conditionalNode: NodeHandler<ConditionalNode> = {
  io: false,
  async execute(node, context) {
    const { transition, matchedIndex } = routeConditional(node, await context.routingContext());
    return {
      result: matchedIndex === null ? "default" : `condition_${matchedIndex}`,
      output: { matchedCondition: matchedIndex },
      error: null,
      next: transition,
    };
  },
};
