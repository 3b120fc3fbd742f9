import { randomBytes } from "node:crypto";
import { FlowgateError, ValidationError } from "./errors.ts";
import type { VerificationLink } from "./records.ts";

/** Prefix of every one-time verification link token. */
export const verificationTokenPrefix = "fgv_";

/**
 * A new verification link token: `fgv_` and 43 url-safe base64 characters (32 random bytes). Only its
 * SHA-256 (`hashLinkToken`) is stored.
 */
export function generateVerificationToken(): string {
  return `${verificationTokenPrefix}${randomBytes(32).toString("base64url")}`;
}

/** Whether `value` looks like a verification token (before it is looked up). */
export function isVerificationTokenShape(value: string): boolean {
  return /^fgv_[A-Za-z0-9_-]{43}$/.test(value);
}

/** Statuses of a verification link, in the order they are checked. */
export const verificationLinkStatuses = ["revoked", "used", "expired", "active"] as const;

/** `active` (it works), `used` (no uses left), `expired`, or `revoked`. */
export type VerificationLinkStatus = (typeof verificationLinkStatuses)[number];

/**
 * A link's status at `now`: revoked wins, then used up, then expired (at `expiresAt` exactly), else active.
 *
 * @param link - The link.
 * @param now - The time of use.
 */
export function verificationLinkStatus(
  link: Pick<VerificationLink, "revokedAt" | "uses" | "maxUses" | "expiresAt">,
  now: Date,
): VerificationLinkStatus {
  if (link.revokedAt !== null && link.revokedAt <= now) return "revoked";
  if (link.uses >= link.maxUses) return "used";
  if (link.expiresAt <= now) return "expired";
  return "active";
}

/** Bounds of a link's lifetime in hours and of its uses. */
export const verificationLinkBounds = { minHours: 1, maxHours: 720, minUses: 1, maxUses: 100 } as const;

/**
 * Checks the options of a new link.
 *
 * @param options - Lifetime in hours and the number of uses.
 * @throws ValidationError naming `expiresInHours` or `maxUses`.
 */
export function assertVerificationLinkOptions(options: { expiresInHours: number; maxUses: number }): void {
  const issues = [];
  const { minHours, maxHours, minUses, maxUses } = verificationLinkBounds;
  if (
    !Number.isInteger(options.expiresInHours) ||
    options.expiresInHours < minHours ||
    options.expiresInHours > maxHours
  ) {
    issues.push({
      path: ["expiresInHours"],
      message: `a whole number of hours from ${minHours} to ${maxHours}`,
    });
  }
  if (!Number.isInteger(options.maxUses) || options.maxUses < minUses || options.maxUses > maxUses) {
    issues.push({ path: ["maxUses"], message: `a whole number from ${minUses} to ${maxUses}` });
  }
  if (issues.length > 0) throw new ValidationError("Invalid verification link", issues);
}

/** Why a verification link token is refused. */
export type VerificationLinkRefusal = "invalid" | Exclude<VerificationLinkStatus, "active">;

/** What the person holding a refused link is told, per reason. */
export const verificationLinkRefusalMessages: Record<VerificationLinkRefusal, string> = {
  invalid: "This verification link is not valid.",
  used: "This verification link has already been used. Ask for a new one.",
  expired: "This verification link has expired. Ask for a new one.",
  revoked: "This verification link has been revoked. Ask for a new one.",
};

/**
 * A one-time verification link was refused (unknown, used up, expired or revoked); the person gets this
 * and nothing else. The capture page answers it with 404 (invalid) or 410 (the others).
 */
export class VerificationLinkRefusedError extends FlowgateError {
  /** Always `"LINK_REFUSED"`. */
  readonly code = "LINK_REFUSED";
  /** Why. */
  readonly reason: VerificationLinkRefusal;

  /** @param reason - Why the token is refused. */
  constructor(reason: VerificationLinkRefusal) {
    super(verificationLinkRefusalMessages[reason]);
    this.reason = reason;
  }
}

/**
 * The invitation email could not be delivered. The link it carried was revoked (it never reached
 * anyone); nothing else changed, and the call can be retried as it was.
 */
export class InvitationEmailError extends FlowgateError {
  /** Always `"EMAIL_DELIVERY_FAILED"`. */
  readonly code = "EMAIL_DELIVERY_FAILED";
  /** Always true: the request may be retried as it was. */
  readonly retryable = true;
  /** The session. */
  readonly sessionId: string;
  /** Why the mail server refused or could not be reached. */
  readonly reason: string;

  /**
   * @param sessionId - The session.
   * @param reason - The transport's reason.
   */
  constructor(sessionId: string, reason: string) {
    super(
      `The invitation email for session ${sessionId} could not be delivered (${reason}); nothing was sent, retry the call`,
    );
    this.sessionId = sessionId;
    this.reason = reason;
  }
}
