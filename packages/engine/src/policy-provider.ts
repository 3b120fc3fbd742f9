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
}

/** Runs verification checks of the policy catalog; one per environment. */
export interface PolicyProvider {
  /** Runs one check. Throwing is treated as an `error` outcome. */
  check(request: PolicyCheckRequest): Promise<PolicyCheckResult>;
}

interface SimulatedOutcome {
  outcome?: PolicyOutcome;
  output?: Record<string, unknown>;
}

/**
 * Deterministic outcomes for the sandbox: a node's `simulate` setting wins, then the session's sandbox
 * data keyed by node id, then by policy name; otherwise the check passes with the catalog's default output.
 */
export class SandboxPolicyProvider implements PolicyProvider {
  async check({ node, session }: PolicyCheckRequest): Promise<PolicyCheckResult> {
    const sandbox = (session?.sandbox ?? {}) as Record<string, SimulatedOutcome | undefined>;
    const simulated: SimulatedOutcome = node.simulate ?? sandbox[node.id] ?? sandbox[node.policy] ?? {};
    const defaults = findPolicy(node.policy)?.defaultOutput ?? {};
    const outcome = simulated.outcome ?? "pass";
    return {
      outcome,
      output: { ...defaults, ...(simulated.output ?? {}) },
      ...(outcome === "pass" ? {} : { reason: `sandbox simulated ${outcome}` }),
    };
  }
}

/**
 * The live environment's provider until a real verification vendor is configured: every check ends in
 * `error` with a reason that says so, so live runs follow their error routes rather than inventing results.
 */
export class UnconfiguredPolicyProvider implements PolicyProvider {
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
