import { ValidationError, type ValidationIssue } from "./errors.ts";
import type { SessionResult, SessionStatus } from "./session-status.ts";

/** At most this many tags on one session. */
export const maxSessionTags = 50;

/** A tag: 1–64 characters of letters, digits, `_`, `-`, `.` and `:`. */
const tagPattern = /^[A-Za-z0-9_.:-]{1,64}$/;

/**
 * Checks one tag and returns it; issues name `field` (e.g. `["tag"]` or `["tags", "2"]`).
 *
 * @param tag - The tag.
 * @param path - Where it was given, for the error.
 */
export function tagIssues(tag: string, path: string[]): ValidationIssue[] {
  return tagPattern.test(tag)
    ? []
    : [{ path, message: "a tag is 1–64 characters of letters, digits, '_', '-', '.' and ':'" }];
}

/**
 * Validates a whole tag list (for `replaceSessionTags` and `updateSession`) and returns it without
 * duplicates, in the order given.
 *
 * @param tags - The tags.
 * @param field - The input field they came in.
 * @throws ValidationError naming each bad tag, or the field when there are too many.
 */
export function normalizeSessionTags(tags: readonly string[], field = "tags"): string[] {
  const issues = tags.flatMap((tag, index) => tagIssues(tag, [field, String(index)]));
  const unique = [...new Set(tags)];
  if (unique.length > maxSessionTags) {
    issues.push({ path: [field], message: `at most ${maxSessionTags} tags` });
  }
  if (issues.length > 0) throw new ValidationError("Invalid tags", issues);
  return unique;
}

/**
 * Statuses in which a session is still open for capture and may be expired explicitly or by its timer
 * (a session that is processing is being decided; completed and failed ones are decided).
 */
export const expirableSessionStatuses: readonly SessionStatus[] = [
  "created",
  "in_progress",
  "submitted",
  "awaiting_external",
];

/**
 * Whether a session in `status` may be expired.
 *
 * @param status - Session status.
 */
export function canExpireSession(status: SessionStatus): boolean {
  return expirableSessionStatuses.includes(status);
}

/**
 * Whether a session may be resumed: it expired, or was abandoned in capture (`created`/`in_progress`),
 * and it has not been decided (no result).
 *
 * @param status - Session status.
 * @param result - Session result.
 */
export function canResumeSession(status: SessionStatus, result: SessionResult | null): boolean {
  return result === null && (status === "expired" || status === "created" || status === "in_progress");
}

/**
 * Whether a session's workflow may be reprocessed (run again from the start): only once it has finished,
 * `completed` or `failed`.
 *
 * @param status - Session status.
 */
export function canReprocessSession(status: SessionStatus): boolean {
  return status === "completed" || status === "failed";
}

/** Shortest and longest session lifetime a caller may ask for, in seconds (60 s – 30 days). */
export const sessionLifetimeBounds = { min: 60, max: 30 * 24 * 3600 } as const;

/**
 * Checks a requested expiry time: in the future, at most 30 days away.
 *
 * @param expiresAt - The requested time.
 * @param now - The current time.
 * @param field - The input field, for the error.
 * @throws ValidationError naming `field`.
 */
export function assertSessionExpiry(expiresAt: Date, now: Date, field = "expiresAt"): void {
  const seconds = (expiresAt.getTime() - now.getTime()) / 1000;
  if (Number.isNaN(seconds) || seconds < sessionLifetimeBounds.min || seconds > sessionLifetimeBounds.max) {
    throw new ValidationError("Invalid session expiry", [
      { path: [field], message: "must be between 60 seconds and 30 days from now" },
    ]);
  }
}
