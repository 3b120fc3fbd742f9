import { routeWaitDecision, routeWaitTimeout, type WaitNode } from "@flowgate/domain";
import type { NodeHandler } from "./node-handler.ts";

/**
 * `wait`: an external gate; the run pauses until a decision (continue, fail, reject) resumes it, or its
 * `timeout_seconds` elapse (then `on_timeout` applies).
 */
export const waitNode: NodeHandler<WaitNode> = {
  io: false,
  execute: async () => ({
    result: null,
    output: null,
    error: null,
    next: { kind: "pause", reason: "external_gate" },
  }),
  resume: async (node, signal) => {
    switch (signal.kind) {
      case "decision":
        return {
          result: signal.decision,
          output: { decision: signal.decision, metadata: signal.metadata },
          error: null,
          next: routeWaitDecision(node, signal.decision),
        };
      case "timeout":
        return { result: "timeout", output: { timedOut: true }, error: null, next: routeWaitTimeout(node) };
      default:
        throw new Error(`gate "${node.id}" cannot resume on a ${(signal as { kind: string }).kind} signal`);
    }
  },
};
