import { randomUUID } from "node:crypto";
import { findPolicy, type PolicyNode, type PolicyOutcome, type Session } from "@flowgate/domain";

/** What a policy check is asked. */
export interface PolicyCheckRequest {
  node: PolicyNode;
  session: Session | null;
  runId: string;
  attempt: number;
}

/** What a policy check answers. */
export interface PolicyCheckResult {
  outcome: PolicyOutcome;
  output: Record<string, unknown>;
  /** Why the check errored or failed, when it did. */
  reason?: string;
  /** The provider's own reference for this execution (kept on the check's attempt). */
  reference?: string;
}

/** Runs verification checks of the policy catalog; one per environment. */
export interface PolicyProvider {
  /** Runs one check. Throwing is treated as an `error` outcome. */
  check(request: PolicyCheckRequest): Promise<PolicyCheckResult>;
  /**
   * Whether this check answers at once, without waiting for anything outside the process (no network, no
   * timer): the engine then executes it together with the nodes around it, in one commit, instead of
   * committing its `node.started` first (see `NodeHandler.immediate`). Absent: never.
   */
  immediate?(request: PolicyCheckRequest): boolean;
}

interface SimulatedOutcome {
  outcome?: PolicyOutcome;
  output?: Record<string, unknown>;
  /** How long the simulated check takes, in ms. */
  delay_ms?: number;
  /** Throw instead of answering (simulates a provider crash; treated as an `error` outcome). */
  throw?: string;
  /** Simulate `error` on the first N attempts, then `outcome` (exercises retries). */
  error_attempts?: number;
}

/**
 * Deterministic outcomes for the sandbox: a node's `simulate` setting wins, then the session's sandbox
 * data keyed by node id, then by policy name; otherwise the check passes with the catalog's default output.
 * Session sandbox data may also ask for a delay (`delay_ms`), a thrown provider error (`throw`) or errors
 * on the first attempts (`error_attempts`), so retries and slow providers can be exercised.
 */
export class SandboxPolicyProvider implements PolicyProvider {
  /** Immediate unless a delay is simulated: the outcome is computed in memory. */
  immediate({ node, session }: PolicyCheckRequest): boolean {
    return !simulatedOutcome(node, session).delay_ms;
  }

  async check({ node, session, attempt }: PolicyCheckRequest): Promise<PolicyCheckResult> {
    const simulated = simulatedOutcome(node, session);
    const defaults = findPolicy(node.policy)?.defaultOutput ?? {};
    // Every sandbox execution gets its own reference, as a real provider's would.
    const reference = `sbx_${randomUUID()}`;
    if (simulated.delay_ms) await new Promise((resolve) => setTimeout(resolve, simulated.delay_ms));
    if (simulated.throw) throw new Error(simulated.throw);
    if (simulated.error_attempts && attempt <= simulated.error_attempts) {
      return {
        outcome: "error",
        output: {},
        reason: `sandbox simulated error on attempt ${attempt}`,
        reference,
      };
    }
    const outcome = simulated.outcome ?? "pass";
    return {
      outcome,
      output: { ...defaults, ...(simulated.output ?? {}) },
      reference,
      ...(outcome === "pass" ? {} : { reason: `sandbox simulated ${outcome}` }),
    };
  }
}

/** What the sandbox simulates for `node`: its `simulate` setting, else the session's sandbox data. */
function simulatedOutcome(node: PolicyNode, session: Session | null): SimulatedOutcome {
  const sandbox = (session?.sandbox ?? {}) as Record<string, SimulatedOutcome | undefined>;
  return node.simulate ?? sandbox[node.id] ?? sandbox[node.policy] ?? {};
}

/**
 * The live environment's provider until a real verification vendor is configured: every check ends in
 * `error` with a reason that says so, so live runs follow their error routes rather than inventing results.
 */
export class UnconfiguredPolicyProvider implements PolicyProvider {
  immediate(): boolean {
    return true;
  }

  async check({ node }: PolicyCheckRequest): Promise<PolicyCheckResult> {
    return {
      outcome: "error",
      output: {},
      reason: `no live provider is configured for policy "${node.policy}"`,
    };
  }
}

/** Providers by environment. */
export interface PolicyProviders {
  sandbox: PolicyProvider;
  live: PolicyProvider;
}

/** The default providers: deterministic sandbox, unconfigured live. */
export function defaultPolicyProviders(): PolicyProviders {
  return { sandbox: new SandboxPolicyProvider(), live: new UnconfiguredPolicyProvider() };
}
