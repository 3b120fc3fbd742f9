import { routeWaitDecision, type WaitNode } from "@flowgate/domain";
import type { NodeHandler } from "./node-handler.ts";

/** `wait`: an external gate; the run pauses until a decision (continue, fail, reject) resumes it. */
export const waitNode: NodeHandler<WaitNode> = {
  execute: async () => ({
    result: null,
    output: null,
    error: null,
    next: { kind: "pause", reason: "external_gate" },
  }),
  resume: async (node, signal) => {
    if (signal.kind !== "decision")
      throw new Error(`gate "${node.id}" cannot resume on a ${signal.kind} signal`);
    return {
      result: signal.decision,
      output: { decision: signal.decision, metadata: signal.metadata },
      error: null,
      next: routeWaitDecision(node, signal.decision),
    };
  },
};
