import {
  type Environment,
  externalDecisions,
  type GraphNode,
  getNode,
  newId,
  policyOutcomes,
  type RoutingContext,
  type Run,
  type RunSignal,
  type Session,
  type SessionResult,
  sessionResultForOutcome,
  ValidationError,
  type ValidationIssue,
  type WorkflowGraph,
} from "@flowgate/domain";
import { executeNode, type NodeContext, type NodeExecution, resumeNode } from "./nodes/index.ts";
import { type PolicyProviders, SandboxPolicyProvider } from "./policy-provider.ts";

/** What a gate (wait node) does in a dry run: a decision, or its timeout. */
export const dryRunGateDecisions = [...externalDecisions, "timeout"] as const;

/** A gate decision of a dry run. */
export type DryRunGateDecision = (typeof dryRunGateDecisions)[number];

/** What a dry run is given: the data a real session and run would carry, and the answers of gates. */
export interface DryRunInput {
  /**
   * Simulated policy outcomes keyed by node id or policy name, `{ outcome, output }`: the same shape as
   * a sandbox session's `sandbox` data, read by the same sandbox provider.
   */
  outcomes?: Record<string, unknown> | null | undefined;
  /** The session's metadata (`session.<key>` in conditions). */
  metadata?: Record<string, unknown> | null | undefined;
  /** The session's reference id (`session.referenceId`). */
  referenceId?: string | null | undefined;
  /** The trigger payload (`payload.<key>`). */
  payload?: Record<string, unknown> | null | undefined;
  /** What each gate decides; a gate without one ends the dry run paused there. */
  decisions?:
    | readonly {
        nodeId: string;
        decision: DryRunGateDecision;
        metadata?: Record<string, unknown> | null | undefined;
      }[]
    | null
    | undefined;
}

/** One node executed in a dry run, as a real run would record its node run. */
export interface DryRunNodeResult {
  /** 1 for the first node executed, 2 for the next, … */
  step: number;
  nodeId: string;
  nodeType: string;
  /** The policy a policy node ran. */
  policy: string | null;
  status: "completed" | "paused" | "failed";
  result: string | null;
  routedTo: string | null;
  input: Record<string, unknown> | null;
  output: Record<string, unknown> | null;
  error: string | null;
  /** Attempts made (retries of `error` outcomes included). */
  attempts: number;
  costCents: number;
}

/** What a dry run found: where the run would go and how it would end. Nothing was written. */
export interface DryRunResult {
  /** How the run would stand at the end: `completed`, `paused` at a gate without a decision, or `failed`. */
  status: "completed" | "paused" | "failed";
  /** The outcome of the terminal reached, when completed. */
  finalStatus: string | null;
  /** The session result that outcome gives, when completed. */
  sessionResult: SessionResult | null;
  /** Ids of the nodes executed, in order. */
  path: string[];
  nodeResults: DryRunNodeResult[];
  /** The gate the run would wait at, when paused. */
  pausedAtNode: string | null;
  /** Why it would fail, when failed. */
  errorMessage: string | null;
  /** What the run would cost, in cents (sum of the node executions' costs). */
  totalCostCents: number;
}

/** Which graph a dry run executes, for the in-memory run it builds. */
export interface DryRunTarget {
  graph: WorkflowGraph;
  workflowId: string;
  version: number;
  environment: Environment;
  workspaceId: string;
}

/** Checks a dry run's input against the graph; issues have paths under `input`. */
export function dryRunInputIssues(graph: WorkflowGraph, input: DryRunInput): ValidationIssue[] {
  const issues: ValidationIssue[] = [];
  for (const [key, value] of Object.entries(input.outcomes ?? {})) {
    const path = ["input", "outcomes", key];
    if (!isObject(value)) {
      issues.push({ path, message: "must be an object such as { outcome, output }" });
      continue;
    }
    if (value.outcome !== undefined && !(policyOutcomes as readonly unknown[]).includes(value.outcome)) {
      issues.push({
        path: [...path, "outcome"],
        message: `outcome must be one of ${policyOutcomes.join(", ")}`,
      });
    }
    if (value.output !== undefined && !isObject(value.output)) {
      issues.push({ path: [...path, "output"], message: "output must be an object" });
    }
  }
  const seen = new Set<string>();
  (input.decisions ?? []).forEach((gate, index) => {
    const node = graph.nodes.find((candidate) => candidate.id === gate.nodeId);
    if (node?.type !== "wait") {
      issues.push({
        path: ["input", "decisions", String(index), "nodeId"],
        message:
          node === undefined
            ? `the graph has no node "${gate.nodeId}"`
            : `node "${gate.nodeId}" is a ${node.type} node, not a gate (wait node)`,
        ...(node === undefined ? {} : { nodeId: gate.nodeId }),
      });
    } else if (seen.has(gate.nodeId)) {
      issues.push({
        path: ["input", "decisions", String(index), "nodeId"],
        message: `gate "${gate.nodeId}" already has a decision`,
        nodeId: gate.nodeId,
      });
    }
    seen.add(gate.nodeId);
  });
  return issues;
}

/**
 * Executes a graph in memory, as the engine would run it, writing nothing and publishing nothing: each
 * node goes through the engine's node handlers (`executeNode` / `resumeNode`) with a routing context built
 * from the outputs so far; policy checks go to the {@link SandboxPolicyProvider} with `input.outcomes` as the
 * session's sandbox data (a node's `simulate` setting wins, else the catalog default passes), in every
 * environment, so no real check is made. A policy `error` is retried up to the node's `retries`, as the
 * worker does; a gate takes its decision from `input.decisions`, or ends the dry run paused there.
 *
 * @param target - The graph and the workflow version it belongs to.
 * @param input - Session data, payload, simulated outcomes and gate decisions.
 * @throws ValidationError when the input does not fit the graph (paths under `input`).
 */
export async function dryRunGraph(target: DryRunTarget, input: DryRunInput): Promise<DryRunResult> {
  const issues = dryRunInputIssues(target.graph, input);
  if (issues.length > 0) throw new ValidationError("Invalid dry-run input", issues);

  const now = new Date();
  const session: Session = {
    id: newId("ses"),
    workspaceId: target.workspaceId,
    environment: target.environment,
    workflowId: target.workflowId,
    status: "processing",
    result: null,
    referenceId: input.referenceId ?? null,
    metadata: input.metadata ?? {},
    sandbox: input.outcomes ?? {},
    createdAt: now,
    updatedAt: now,
    submittedAt: now,
    completedAt: null,
    expiresAt: null,
    tags: [],
    redaction: null,
  };
  const run: Run = {
    id: newId("wfr"),
    workspaceId: target.workspaceId,
    environment: target.environment,
    sessionId: session.id,
    workflowId: target.workflowId,
    workflowVersion: target.version,
    status: "running",
    finalStatus: null,
    graphSnapshot: target.graph,
    currentNode: target.graph.entry,
    pausedAtNode: null,
    pendingSignal: null,
    decisionMetadata: null,
    triggerPayload: input.payload ?? {},
    triggeredBy: null,
    errorMessage: null,
    totalCostCents: 0,
    stepCount: 0,
    currentAttempt: 1,
    lastSeq: 0,
    nodeStarted: null,
    createdAt: now,
    startedAt: now,
    completedAt: null,
  };
  // Dry runs never reach a real provider: the sandbox simulation answers in every environment.
  const sandbox = new SandboxPolicyProvider();
  const providers: PolicyProviders = { sandbox, live: sandbox };
  const decisions = new Map((input.decisions ?? []).map((gate) => [gate.nodeId, gate]));
  const outputs: Record<string, Record<string, unknown>> = {};
  const routing = (): RoutingContext => ({
    outputs: { ...outputs },
    // The same view of the session as a real run's routing context.
    session: { ...session.metadata, id: session.id, referenceId: session.referenceId },
    payload: run.triggerPayload,
  });
  const context = (attempt: number): NodeContext => ({
    run,
    session,
    attempt,
    providers,
    routingContext: async () => routing(),
    dryRun: true,
  });

  const result: DryRunResult = {
    status: "completed",
    finalStatus: null,
    sessionResult: null,
    path: [],
    nodeResults: [],
    pausedAtNode: null,
    errorMessage: null,
    totalCostCents: 0,
  };
  const maxSteps = target.graph.nodes.length * 2 + 2;
  let nodeId = target.graph.entry;
  for (let step = 1; ; step++) {
    if (step > maxSteps) return fail(result, `the dry run stopped after ${maxSteps} steps`);
    const node = getNode(target.graph, nodeId);
    result.path.push(node.id);
    const executed = await executeWithRetries(node, context);
    if ("thrown" in executed) {
      return fail(result, `node "${node.id}" failed: ${executed.thrown}`);
    }
    let { execution } = executed;
    const { attempts } = executed;
    if (execution.next.kind === "pause") {
      const gate = decisions.get(node.id);
      if (gate === undefined) {
        record(result, step, node, execution, attempts, "paused");
        result.status = "paused";
        result.pausedAtNode = node.id;
        return result;
      }
      const signal: RunSignal =
        gate.decision === "timeout"
          ? { kind: "timeout" }
          : { kind: "decision", decision: gate.decision, metadata: gate.metadata ?? null, decidedBy: null };
      try {
        execution = await resumeNode(node, signal, context(1));
      } catch (error) {
        return fail(result, `node "${node.id}" failed: ${messageOf(error)}`);
      }
      if (execution.next.kind === "pause")
        return fail(result, `node "${node.id}" paused again while resuming`);
    }
    const next = execution.next;
    record(result, step, node, execution, attempts, next.kind === "fail" ? "failed" : "completed");
    if (execution.output) outputs[node.id] = execution.output;
    switch (next.kind) {
      case "goto":
        nodeId = next.nodeId;
        continue;
      case "finish":
        result.status = "completed";
        result.finalStatus = next.outcome;
        result.sessionResult = sessionResultForOutcome(next.outcome);
        return result;
      case "fail":
        return fail(result, next.errorMessage);
      default:
        return fail(result, `node "${node.id}" cannot continue`);
    }
  }
}

/** Executes a node, again while it answers `error` and has retries left (as the worker retries). */
async function executeWithRetries(
  node: GraphNode,
  context: (attempt: number) => NodeContext,
): Promise<{ execution: NodeExecution; attempts: number } | { thrown: string }> {
  const retries = "retries" in node && typeof node.retries === "number" ? node.retries : 0;
  for (let attempt = 1; ; attempt++) {
    let execution: NodeExecution;
    try {
      execution = await executeNode(node, context(attempt));
    } catch (error) {
      return { thrown: messageOf(error) };
    }
    if (execution.result !== "error" || attempt > retries) return { execution, attempts: attempt };
  }
}

function record(
  result: DryRunResult,
  step: number,
  node: GraphNode,
  execution: NodeExecution,
  attempts: number,
  status: DryRunNodeResult["status"],
): void {
  const costCents = execution.costCents ?? 0;
  result.totalCostCents += costCents;
  result.nodeResults.push({
    step,
    nodeId: node.id,
    nodeType: node.type,
    policy: node.type === "policy" ? node.policy : null,
    status,
    result: execution.result,
    routedTo: execution.next.kind === "goto" ? execution.next.nodeId : null,
    input: execution.input ?? null,
    output: execution.output,
    error: execution.error,
    attempts,
    costCents,
  });
}

function fail(result: DryRunResult, errorMessage: string): DryRunResult {
  result.status = "failed";
  result.errorMessage = errorMessage;
  return result;
}

function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}

function messageOf(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}
