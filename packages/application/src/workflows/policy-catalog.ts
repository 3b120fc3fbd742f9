import { findPolicy, type PolicyDefinition, policyCatalog } from "@flowgate/domain";
import { requireScope } from "../access.ts";
import type { Actor } from "../actor.ts";

/**
 * Every verification policy a `policy` node may name, with its outputs and config schema (the catalog graph
 * validation uses). Needs `workflows:read`.
 *
 * @param actor - The caller.
 */
export function listVerificationPolicies(actor: Actor): PolicyDefinition[] {
  requireScope(actor, "workflows:read");
  return [...policyCatalog];
}

/**
 * One verification policy by name, or `undefined`. Needs `workflows:read`.
 *
 * @param actor - The caller.
 * @param name - The policy name, e.g. `aml_screening`.
 */
export function getVerificationPolicy(actor: Actor, name: string): PolicyDefinition | undefined {
  requireScope(actor, "workflows:read");
  return findPolicy(name);
}
