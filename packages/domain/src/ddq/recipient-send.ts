import { createHash, randomBytes } from "node:crypto";
import type { Tenant } from "../records.ts";
import { linkExpiryHoursRange } from "../workspaces.ts";

/** Steps a recipient send can contain, in the order the recipient does them. */
export const recipientSteps = ["ddq", "verification"] as const;

/** A step of a recipient send: answer the questionnaire, or verify identity. */
export type RecipientStep = (typeof recipientSteps)[number];

/** State of one step for the recipient. */
export interface RecipientStepState {
  kind: RecipientStep;
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
 * A recipient send (`wfs_…`; seed 003 and GraphQL call it a "workflow session"): one send of a questionnaire
 * and/or an identity verification request to an entity, with the steps to do, the magic link (stored only as
 * a hash), its expiry and revocation. Not to be confused with a workflow (`wfl_…`, a versioned graph) or a
 * verification session (`ses_…`).
 */
export interface RecipientSend extends Tenant {
  id: string;
  entityId: string;
  responseId: string | null;
  verificationSessionId: string | null;
  /** Where the link was sent. */
  email: string;
  steps: RecipientStepState[];
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
 * The state of a recipient send's link at `now`: revoked wins over expired; a link expires at
 * `expiresAt` exactly.
 *
 * @param session - The recipient send.
 * @param now - The time of use.
 */
export function linkState(session: Pick<RecipientSend, "expiresAt" | "revokedAt">, now: Date): LinkState {
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
export function initialSteps(steps: readonly RecipientStep[]): RecipientStepState[] {
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
  steps: readonly RecipientStepState[],
  kind: RecipientStep,
  at: Date,
): RecipientStepState[] {
  return steps.map((step) =>
    step.kind === kind && step.status === "pending"
      ? { kind, status: "completed", completedAt: at.toISOString() }
      : step,
  );
}

/** Whether every step is completed. */
export function allStepsCompleted(steps: readonly RecipientStepState[]): boolean {
  return steps.every((step) => step.status === "completed");
}
