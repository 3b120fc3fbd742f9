import type { NodeType } from "./graph/graph-schema.ts";

/** Every run event type, in the order they typically occur. */
export const runEventTypes = [
  "run.started",
  "node.started",
  "node.retrying",
  "node.completed",
  "run.paused",
  "run.resumed",
  "run.completed",
  "run.failed",
  "run.cancelled",
  "run.retried",
] as const;

/** Type of a run event. */
export type RunEventType = (typeof runEventTypes)[number];

/** Data of each run event type. */
export interface RunEventPayloads {
  /** The run began executing its graph. */
  "run.started": { workflowId: string; workflowVersion: number };
  /** A node began an attempt (1-based). */
  "node.started": { nodeId: string; nodeType: NodeType; attempt: number };
  /** A node attempt failed and another is scheduled. */
  "node.retrying": { nodeId: string; attempt: number; nextAttemptAt: string; error: string | null };
  /** A node finished with `result` and routed to `routedTo` (`null` when the run ends). */
  "node.completed": {
    nodeId: string;
    nodeType: NodeType;
    result: string;
    routedTo: string | null;
    durationMs: number;
  };
  /** The run paused at a wait node. */
  "run.paused": { nodeId: string; reason: "external_gate" | "questionnaire" };
  /** The run resumed at a wait node, after a decision (or its timeout, `decision: null`). */
  "run.resumed": { nodeId: string; decision: string | null };
  /** The run ended at a terminal with `finalStatus` (its outcome). */
  "run.completed": { finalStatus: string };
  /** The run stopped because of an error. */
  "run.failed": { errorMessage: string };
  /** The run was cancelled. */
  "run.cancelled": { reason: string | null };
  /** A finished run was restarted from `fromNode` on the same version (earlier node runs stay as history). */
  "run.retried": { fromNode: string; reason: string | null };
}

/** Data of a run event of type `T`. */
export type RunEventPayload<T extends RunEventType> = RunEventPayloads[T];

/** A run event's type with its data, discriminated by `type`. */
export type RunEventData = { [K in RunEventType]: { type: K; data: RunEventPayload<K> } }[RunEventType];

/** Event types that end a run; a run's event stream completes after one of them. */
export const finalRunEventTypes = [
  "run.completed",
  "run.failed",
  "run.cancelled",
] as const satisfies readonly RunEventType[];

/**
 * Whether an event of `type` ends the run (`run.completed`, `run.failed`, `run.cancelled`).
 *
 * @param type - Event type.
 */
export function isFinalRunEventType(type: RunEventType): boolean {
  return (finalRunEventTypes as readonly string[]).includes(type);
}

/**
 * Whether `value` is a known {@link RunEventType}.
 *
 * @param value - Value to check.
 */
export function isRunEventType(value: unknown): value is RunEventType {
  return typeof value === "string" && (runEventTypes as readonly string[]).includes(value);
}
