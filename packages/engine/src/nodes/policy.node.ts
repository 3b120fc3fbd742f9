import { type PolicyNode, routePolicy } from "@flowgate/domain";
import type { PolicyCheckResult } from "../policy-provider.ts";
import type { NodeHandler } from "./node-handler.ts";

/** `policy`: runs a verification check through the environment's provider and routes on its outcome. */
export const policyNode: NodeHandler<PolicyNode> = {
  io: true,
  immediate(node, context) {
    const provider = context.providers[context.run.environment];
    return (
      provider.immediate?.({
        node,
        session: context.session,
        runId: context.run.id,
        attempt: context.attempt,
      }) ?? false
    );
  },
  async execute(node, context) {
    const provider = context.providers[context.run.environment];
    let check: PolicyCheckResult;
    try {
      check = await provider.check({
        node,
        session: context.session,
        runId: context.run.id,
        attempt: context.attempt,
      });
    } catch (error) {
      // A provider that throws is an `error` outcome, not a crashed run.
      check = {
        outcome: "error",
        output: {},
        reason: error instanceof Error ? error.message : String(error),
      };
    }
    return {
      result: check.outcome,
      output: check.output,
      error: check.outcome === "pass" ? null : (check.reason ?? null),
      providerReference: check.reference ?? null,
      next: routePolicy(node, check.outcome),
    };
  },
};
