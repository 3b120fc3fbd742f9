import type { Db } from "@flowgate/db";
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
   * The database, for handlers that read workspace state (a task's settings and monthly budget). Handlers
   * never write through it: the step commits what they return. Absent in dry runs.
   */
  db?: Db;
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
  next: NodeNext;
}

/** Executes (and, for nodes that pause, resumes) one node type. */
export interface NodeHandler<N extends GraphNode> {
  /** Runs the node. Handlers may do I/O; they run outside the step's transaction. */
  execute(node: N, context: NodeContext): Promise<NodeExecution>;
  /** Resumes a node the run is paused at, with the signal that arrived (an external decision). */
  resume?(node: N, signal: RunSignal, context: NodeContext): Promise<NodeExecution>;
}

/** One handler per node type: adding a node type means adding its handler to this map. */
export type NodeHandlers = { [K in NodeType]: NodeHandler<Extract<GraphNode, { type: K }>> };
