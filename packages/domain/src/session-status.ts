import { InvalidTransitionError, SessionRedactedError } from "./errors.ts";
import type { Session } from "./records.ts";

/** Every status of a verification session. */
export const sessionStatuses = [
  "created",
  "in_progress",
  "submitted",
  "processing",
  "awaiting_external",
  "completed",
  "failed",
  "expired",
] as const;

/**
 * Status of a verification session: `created` → `in_progress` (capture) → `submitted` → `processing` →
 * `awaiting_external` ⇄ `processing` → `completed` | `failed`; `expired` when it lapses.
 */
export type SessionStatus = (typeof sessionStatuses)[number];

/** Every result of a completed session. */
export const sessionResults = ["approved", "rejected", "needs_review"] as const;

/** Result of a completed session. */
export type SessionResult = (typeof sessionResults)[number];

/**
 * Allowed session status changes. `completed` and `failed` go back to `processing` when a workflow is
 * triggered again (or reprocessed); an `expired` session that was never decided goes back to `created` when it
 * is resumed.
 */
export const sessionStatusTransitions: Record<SessionStatus, readonly SessionStatus[]> = {
  created: ["in_progress", "submitted", "processing", "expired"],
  in_progress: ["submitted", "expired"],
  submitted: ["processing", "expired"],
  processing: ["awaiting_external", "completed", "failed"],
  awaiting_external: ["processing", "completed", "failed", "expired"],
  completed: ["processing"],
  failed: ["processing"],
  expired: ["created"],
};

/**
 * Whether a session may change from `from` to `to`.
 *
 * @param from - Current status.
 * @param to - Requested status.
 */
export function canTransitionSession(from: SessionStatus, to: SessionStatus): boolean {
  return sessionStatusTransitions[from].includes(to);
}

/**
 * Throws unless a session may change from `from` to `to`.
 *
 * @param from - Current status.
 * @param to - Requested status.
 * @throws InvalidTransitionError with entity `"session"`.
 */
export function assertSessionTransition(from: SessionStatus, to: SessionStatus): void {
  if (!canTransitionSession(from, to)) throw new InvalidTransitionError("session", from, to);
}

/**
 * Whether a workflow may be triggered on a session in `status` (only `completed` or `failed`).
 *
 * @param status - Session status.
 */
export function canTriggerWorkflow(status: SessionStatus): boolean {
  return status === "completed" || status === "failed";
}

/**
 * Whether a session in `status` accepts an external decision (only `awaiting_external`).
 *
 * @param status - Session status.
 */
export function canAcceptExternalDecision(status: SessionStatus): boolean {
  return status === "awaiting_external";
}

/**
 * Session result for a run's final outcome: `approved` and `rejected` stay, anything else (including custom
 * labels) becomes `needs_review`.
 *
 * @param outcome - Outcome of the terminal the run ended at.
 */
export function sessionResultForOutcome(outcome: string): SessionResult {
  return outcome === "approved" || outcome === "rejected" ? outcome : "needs_review";
}

/**
 * Whether `value` is a known {@link SessionStatus}.
 *
 * @param value - Value to check.
 */
export function isSessionStatus(value: unknown): value is SessionStatus {
  return typeof value === "string" && (sessionStatuses as readonly string[]).includes(value);
}

/**
 * Throws when the session's personal data was redacted: a redacted session cannot be resumed, submitted,
 * decided, retried or triggered again.
 *
 * @param session - The session about to change.
 * @throws SessionRedactedError (a conflict with current status `redacted`).
 */
export function assertSessionNotRedacted(session: Pick<Session, "id" | "redaction">): void {
  if (session.redaction) throw new SessionRedactedError(session.id, session.redaction.at);
}
