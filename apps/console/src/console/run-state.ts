import type { RunProgressEvent } from "@flowgate/client";

/** What a node of a run is doing, as its events say. */
export type NodeState = "idle" | "running" | "retrying" | "paused" | "completed" | "failed";

/** One node as drawn: its state and the seqs of the events that set it (the browser tests read them). */
export interface NodeView {
  state: NodeState;
  result: string | null;
  routedTo: string | null;
  attempts: number;
  startedSeq: number | null;
  completedSeq: number | null;
  pausedSeq: number | null;
  /** Seq of the last event that changed this node. */
  seq: number;
}

/** A run as its events (up to `lastSeq`) describe it. */
export interface RunView {
  lastSeq: number;
  status: "pending" | "running" | "paused" | "completed" | "failed" | "cancelled";
  finalStatus: string | null;
  nodes: Readonly<Record<string, NodeView>>;
  /** Edges taken, as `from->to`. */
  taken: readonly string[];
}

/** A run before its first event. */
export const emptyRunView: RunView = {
  lastSeq: 0,
  status: "pending",
  finalStatus: null,
  nodes: {},
  taken: [],
};

function nodeOf(view: RunView, nodeId: string): NodeView {
  return (
    view.nodes[nodeId] ?? {
      state: "idle",
      result: null,
      routedTo: null,
      attempts: 0,
      startedSeq: null,
      completedSeq: null,
      pausedSeq: null,
      seq: 0,
    }
  );
}

function withNode(view: RunView, nodeId: string, change: Partial<NodeView>, seq: number): RunView {
  return { ...view, nodes: { ...view.nodes, [nodeId]: { ...nodeOf(view, nodeId), ...change, seq } } };
}

/**
 * Applies one event to the view (pure). Events must come in seq order; one already applied is ignored, so
 * replaying a stored list and then live events is safe.
 */
export function applyRunEvent(view: RunView, event: RunProgressEvent): RunView {
  if (event.seq <= view.lastSeq) return view;
  const data = event.data as Record<string, unknown>;
  const nodeId = typeof data.nodeId === "string" ? data.nodeId : null;
  let next: RunView = { ...view, lastSeq: event.seq };
  switch (event.type) {
    case "RUN_STARTED":
      next = { ...next, status: "running" };
      break;
    case "NODE_STARTED":
      if (nodeId) {
        next = withNode(
          next,
          nodeId,
          {
            state: "running",
            attempts: typeof data.attempt === "number" ? data.attempt : nodeOf(next, nodeId).attempts + 1,
            startedSeq: event.seq,
            completedSeq: null,
            pausedSeq: null,
            result: null,
            routedTo: null,
          },
          event.seq,
        );
      }
      next = { ...next, status: "running" };
      break;
    case "NODE_RETRYING":
      if (nodeId) next = withNode(next, nodeId, { state: "retrying" }, event.seq);
      break;
    case "NODE_COMPLETED":
      if (nodeId) {
        const routedTo = typeof data.routedTo === "string" ? data.routedTo : null;
        next = withNode(
          next,
          nodeId,
          {
            state: "completed",
            result: typeof data.result === "string" ? data.result : null,
            routedTo,
            completedSeq: event.seq,
          },
          event.seq,
        );
        if (routedTo) next = { ...next, taken: [...next.taken, `${nodeId}->${routedTo}`] };
      }
      break;
    case "RUN_PAUSED":
      if (nodeId) next = withNode(next, nodeId, { state: "paused", pausedSeq: event.seq }, event.seq);
      next = { ...next, status: "paused" };
      break;
    case "RUN_RESUMED":
      if (nodeId) next = withNode(next, nodeId, { state: "running" }, event.seq);
      next = { ...next, status: "running" };
      break;
    case "RUN_RETRIED":
      // Re-executed from a node: what follows is drawn afresh (the node runs before stay in the history).
      next = { ...next, status: "running", nodes: {}, taken: [], finalStatus: null };
      break;
    case "RUN_COMPLETED":
      next = {
        ...next,
        status: "completed",
        finalStatus: typeof data.finalStatus === "string" ? data.finalStatus : null,
      };
      break;
    case "RUN_FAILED":
    case "RUN_CANCELLED": {
      const nodes = Object.fromEntries(
        Object.entries(next.nodes).map(([id, node]) => [
          id,
          node.state === "running" || node.state === "paused" || node.state === "retrying"
            ? { ...node, state: "failed" as const, seq: event.seq }
            : node,
        ]),
      );
      next = { ...next, nodes, status: event.type === "RUN_FAILED" ? "failed" : "cancelled" };
      break;
    }
    default: {
      // A new event type of a newer gateway: counted (lastSeq), not drawn.
      const unknownType: never = event.type;
      void unknownType;
    }
  }
  return next;
}
