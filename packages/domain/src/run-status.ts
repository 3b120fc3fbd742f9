import { InvalidTransitionError } from "./errors.ts";

/** Every status of a workflow run. */
export const runStatuses = ["pending", "running", "paused", "completed", "failed", "cancelled"] as const;

/**
 * Status of a workflow run: `pending` (queued), `running`, `paused` (at a wait node), and the final
 * `completed`, `failed` (an error stopped it) and `cancelled`.
 */
export type RunStatus = (typeof runStatuses)[number];

/**
 * Allowed run status changes. `running → running` is allowed so that a worker can reclaim a run whose
 * lease expired. Final statuses allow nothing.
 */
export const runStatusTransitions: Record<RunStatus, readonly RunStatus[]> = {
  pending: ["running", "failed", "cancelled"],
  running: ["running", "paused", "completed", "failed", "cancelled"],
  paused: ["running", "failed", "cancelled"],
  completed: [],
  failed: [],
  cancelled: [],
};

/** Outcomes of terminal nodes that the product knows; graphs may also use custom labels. */
export const standardOutcomes = ["approved", "rejected", "needs_review"] as const;

/** One of {@link standardOutcomes}. */
export type StandardOutcome = (typeof standardOutcomes)[number];

/** Final status of a completed run: the outcome of the terminal it ended at (a standard or custom label). */
export type FinalStatus = string;

/**
 * Whether a run may change from `from` to `to`.
 *
 * @param from - Current status.
 * @param to - Requested status.
 */
export function canTransitionRun(from: RunStatus, to: RunStatus): boolean {
  return runStatusTransitions[from].includes(to);
}

/**
 * Throws unless a run may change from `from` to `to`.
 *
 * @param from - Current status.
 * @param to - Requested status.
 * @throws InvalidTransitionError with entity `"run"`.
 */
export function assertRunTransition(from: RunStatus, to: RunStatus): void {
  if (!canTransitionRun(from, to)) throw new InvalidTransitionError("run", from, to);
}

/**
 * Whether a run in `status` has ended (`completed`, `failed` or `cancelled`).
 *
 * @param status - Run status.
 */
export function isFinalRunStatus(status: RunStatus): boolean {
  return runStatusTransitions[status].length === 0;
}

/**
 * Whether `value` is a known {@link RunStatus}.
 *
 * @param value - Value to check.
 */
export function isRunStatus(value: unknown): value is RunStatus {
  return typeof value === "string" && (runStatuses as readonly string[]).includes(value);
}

/**
 * Whether a run in `status` may be restarted from a node (`retryRun`): only once it has ended. A retry is
 * a restart, not a status transition: the run becomes `running` again and its history is kept.
 *
 * @param status - Run status.
 */
export function canRetryRun(status: RunStatus): boolean {
  return isFinalRunStatus(status);
}

/**
 * Whether a run in `status` may be cancelled: any status that has not ended.
 *
 * @param status - Run status.
 */
export function canCancelRun(status: RunStatus): boolean {
  return canTransitionRun(status, "cancelled");
}

/**
 * Whether the run's current node `nodeId` has been started (its `node.started` is committed) and is still
 * waiting to be completed: the run is running at that node and nothing was appended to its events since.
 * A worker that finds a run in this state executes the node's current attempt without starting it again
 * (the previous worker died, or handed the run back, after the start).
 *
 * @param run - The run as read.
 * @param nodeId - The node the run is at.
 */
export function isCurrentNodeStarted(
  run: {
    status: RunStatus;
    currentNode: string | null;
    lastSeq: number;
    nodeStarted: { seq: number } | null;
  },
  nodeId: string,
): boolean {
  return (
    run.status === "running" &&
    run.currentNode === nodeId &&
    run.nodeStarted !== null &&
    run.nodeStarted.seq === run.lastSeq
  );
}
