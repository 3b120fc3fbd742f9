import type { Db, Executor } from "@flowgate/db";
import type {
  GraphNode,
  NodeType,
  RoutingContext,
  Run,
  RunSignal,
  Session,
  Transition,
} from "@flowgate/domain";
import type { PolicyProviders } from "../policy-provider.ts";

/** What a node handler may read while it executes. */
export interface NodeContext {
  run: Run;
  session: Session | null;
  /** 1 for the first attempt at this node, 2 for the first retry, … */
  attempt: number;
  providers: PolicyProviders;
  /** Outputs of earlier nodes, the session's data and the trigger payload (loaded on demand). */
  routingContext(): Promise<RoutingContext>;
  /**
   * `true` in a dry run (nothing is written): a handler with effects outside the engine (calling a URL,
   * sending mail) must simulate them instead. Absent for real runs.
   */
  dryRun?: boolean;
  /**
   * The database, for handlers that read workspace state (a task's settings). Handlers never write through
   * it: the step commits what they return. Absent in dry runs.
   */
  db?: Db;
}

/** What a handler's {@link NodeHandler.start} hook sees: the run before the start, and the transaction. */
export interface NodeStartContext {
  /** The run as the step leaves it before this node (its current node is about to become this one). */
  run: Run;
  /** The attempt being started: 1 for a new execution of the node, 2 for its first retry, … */
  attempt: number;
  /** The transaction that commits `node.started`; what the hook writes commits (or rolls back) with it. */
  trx: Executor;
}

/**
 * Where the run goes after a node: on to a transition; parked at this node until a signal resumes it;
 * or failed, when the run cannot proceed (the message becomes the run's `errorMessage`).
 */
export type NodeNext =
  | Transition
  | { kind: "pause"; reason: "external_gate" | "questionnaire" }
  | { kind: "fail"; errorMessage: string };

/** What executing a node decided; nothing is written by a handler, the step commits it. */
export interface NodeExecution {
  /** pass/fail/error, a matched condition, a decision, an outcome; null while paused. */
  result: string | null;
  input?: Record<string, unknown> | null;
  output: Record<string, unknown> | null;
  error: string | null;
  costCents?: number;
  taskId?: string | null;
  /** A policy provider's reference for this execution, kept on the check's attempt. */
  providerReference?: string | null;
  next: NodeNext;
}

/** Executes (and, for nodes that pause, resumes) one node type. */
export interface NodeHandler<N extends GraphNode> {
  /**
   * Whether executing the node does I/O (calls a provider or a URL, may take seconds). The engine commits
   * and publishes such a node's `node.started` before executing it, so that live progress shows what is
   * running, and executes it in a later step. Nodes without I/O (start, conditional, terminal, and the
   * nodes that only pause) are executed and committed together with the nodes around them.
   */
  readonly io: boolean;
  /**
   * For I/O nodes without a {@link start} hook: whether this execution does no I/O after all (a sandbox
   * check computed in memory), so that the engine executes it together with the nodes around it, in one
   * commit (`node.started` and `node.completed` then commit together, still in order). Absent: never.
   */
  immediate?(node: N, context: NodeContext): boolean;
  /** Runs the node. Handlers may do I/O; they run outside the step's transaction. */
  execute(node: N, context: NodeContext): Promise<NodeExecution>;
  /**
   * For I/O nodes: runs inside the transaction that commits the node's `node.started`, before any I/O, to
   * claim what the execution needs atomically with its start (a task's cost from the monthly budget).
   * Returns null to go on, or an execution that ends the node at once without executing it; the engine
   * then records that execution in the same transaction instead of the start.
   */
  start?(node: N, context: NodeStartContext): Promise<NodeExecution | null>;
  /** Resumes a node the run is paused at, with the signal that arrived (an external decision). */
  resume?(node: N, signal: RunSignal, context: NodeContext): Promise<NodeExecution>;
}

/** One handler per node type: adding a node type means adding its handler to this map. */
export type NodeHandlers = { [K in NodeType]: NodeHandler<Extract<GraphNode, { type: K }>> };
