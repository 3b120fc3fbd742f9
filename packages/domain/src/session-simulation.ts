import { FlowgateError, ValidationError } from "./errors.ts";

/** What `simulateSessionAction` can do to a sandbox session after it was created. */
export const sessionSimulationActions = [
  "complete_capture",
  "pass_check",
  "fail_check",
  "error_check",
  "expire",
] as const;

/** One of {@link sessionSimulationActions}. */
export type SessionSimulationActionType = (typeof sessionSimulationActions)[number];

/** A simulation: the action, and the policy node for the `*_check` actions. */
export type SessionSimulation =
  | { type: "complete_capture" | "expire" }
  | { type: "pass_check" | "fail_check" | "error_check"; node: string };

/** The simulated outcome a `*_check` action sets. */
export const simulatedOutcomeOf = { pass_check: "pass", fail_check: "fail", error_check: "error" } as const;

/**
 * Parses an action as written in the seed's style (`pass_check(doc)`) or given as a type and node.
 *
 * @param action - `complete_capture`, `expire`, `pass_check(<node>)`, … or the bare type with `node`.
 * @param node - The node, when not written inside the action.
 * @throws ValidationError naming `action` or `node`.
 */
export function parseSessionSimulation(action: string, node?: string | null): SessionSimulation {
  const match = /^([a-z_]+)(?:\(([^()]*)\))?$/.exec(action.trim());
  const type = match?.[1] as SessionSimulationActionType | undefined;
  if (!match || !type || !(sessionSimulationActions as readonly string[]).includes(type)) {
    throw new ValidationError("Unknown simulation", [
      {
        path: ["action"],
        message: `one of ${sessionSimulationActions.join(", ")} (checks as pass_check(<node>))`,
      },
    ]);
  }
  if (type === "complete_capture" || type === "expire") {
    if (match[2] !== undefined) {
      throw new ValidationError("Unknown simulation", [
        { path: ["action"], message: `${type} takes no node` },
      ]);
    }
    return { type };
  }
  const target = (match[2] ?? node ?? "").trim();
  if (!target) {
    throw new ValidationError("Missing node", [
      { path: ["node"], message: `${type} needs the policy node it applies to, e.g. ${type}(document)` },
    ]);
  }
  return { type, node: target };
}

/** A sandbox-only operation was called with a live key. */
export class SandboxOnlyError extends FlowgateError {
  /** Always `"SANDBOX_ONLY"`. */
  readonly code = "SANDBOX_ONLY";
  /** The operation. */
  readonly operation: string;

  /** @param operation - The operation that was refused, e.g. `simulateSessionAction`. */
  constructor(operation: string) {
    super(`${operation} works only with a sandbox key; live sessions are decided by real checks`);
    this.operation = operation;
  }
}
