import { createHash, randomBytes } from "node:crypto";
import type { Tenant } from "../records.ts";
import { linkExpiryHoursRange } from "../workspaces.ts";

/** Steps a workflow session can contain, in the order the recipient does them. */
export const workflowSteps = ["ddq", "verification"] as const;

/** A step of a workflow session: answer the questionnaire, or verify identity. */
export type WorkflowStep = (typeof workflowSteps)[number];

/** State of one step for the recipient. */
export interface WorkflowStepState {
  kind: WorkflowStep;
  status: "pending" | "completed";
  completedAt: string | null;
}

/** The identity checks a verification request asks for; at least one is true. */
export interface VerificationChecks {
  /** Document check (passport, driving licence, …). */
  document: boolean;
  /** Biometric selfie / liveness check. */
  identity: boolean;
  /** Enhanced video identity check. */
  enhancedIdentity: boolean;
  /** Proof-of-address document upload. */
  proofOfAddress: boolean;
}

/** Every verification check name. */
export const verificationCheckNames = ["document", "identity", "enhancedIdentity", "proofOfAddress"] as const;

/**
 * One send of a workflow to an entity: the steps to do, the magic link (stored only as a hash), its expiry
 * and revocation.
 */
export interface WorkflowSession extends Tenant {
  id: string;
  entityId: string;
  responseId: string | null;
  verificationSessionId: string | null;
  /** Where the link was sent. */
  email: string;
  steps: WorkflowStepState[];
  expiresAt: Date;
  revokedAt: Date | null;
  emailSentAt: Date | null;
  completedAt: Date | null;
  createdBy: string | null;
  createdAt: Date;
}

/** Whether a magic link may be used now: `active`, or refused as `expired` or `revoked`. */
export type LinkState = "active" | "expired" | "revoked";

/**
 * The state of a workflow session's link at `now`: revoked wins over expired; a link expires at
 * `expiresAt` exactly.
 *
 * @param session - The workflow session.
 * @param now - The time of use.
 */
export function linkState(session: Pick<WorkflowSession, "expiresAt" | "revokedAt">, now: Date): LinkState {
  if (session.revokedAt !== null && session.revokedAt <= now) return "revoked";
  if (session.expiresAt <= now) return "expired";
  return "active";
}

/** Prefix of every magic-link token. */
export const linkTokenPrefix = "fgl_";

/**
 * Generates a magic-link token: `fgl_` and 43 url-safe base64 characters (32 random bytes). Only its
 * {@link hashLinkToken | hash} is stored.
 */
export function generateLinkToken(): string {
  return `${linkTokenPrefix}${randomBytes(32).toString("base64url")}`;
}

/**
 * SHA-256 of a link token as lower-case hex: the only form in which tokens are stored and looked up.
 *
 * @param token - The token as presented.
 */
export function hashLinkToken(token: string): string {
  return createHash("sha256").update(token, "utf8").digest("hex");
}

/** Whether `value` is a whole number of hours from 1 to 168. */
export function isValidExpiryHours(value: number): boolean {
  return Number.isInteger(value) && value >= linkExpiryHoursRange.min && value <= linkExpiryHoursRange.max;
}

/**
 * Initial step states for a send.
 *
 * @param steps - The steps included.
 */
export function initialSteps(steps: readonly WorkflowStep[]): WorkflowStepState[] {
  return steps.map((kind) => ({ kind, status: "pending", completedAt: null }));
}

/**
 * Step states with `kind` completed at `at` (unchanged when already completed).
 *
 * @param steps - Current step states.
 * @param kind - The step done.
 * @param at - When.
 */
export function completeStep(
  steps: readonly WorkflowStepState[],
  kind: WorkflowStep,
  at: Date,
): WorkflowStepState[] {
  return steps.map((step) =>
    step.kind === kind && step.status === "pending"
      ? { kind, status: "completed", completedAt: at.toISOString() }
      : step,
  );
}

/** Whether every step is completed. */
export function allStepsCompleted(steps: readonly WorkflowStepState[]): boolean {
  return steps.every((step) => step.status === "completed");
}
