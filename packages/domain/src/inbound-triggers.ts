import { createHash, randomBytes } from "node:crypto";
import { FlowgateError } from "./errors.ts";

/**
 * How an inbound trigger authenticates its POSTs: `signature` (a Standard Webhooks signature made with the
 * trigger's `whsec_…` secret) or `bearer` (`Authorization: Bearer <token>`).
 */
export type InboundTriggerAuth = "signature" | "bearer";

/** Every inbound trigger authentication. */
export const inboundTriggerAuths = ["signature", "bearer"] as const satisfies readonly InboundTriggerAuth[];

/** An inbound trigger answers POSTs (`active`) until it is revoked (then its URL answers 404). */
export type InboundTriggerStatus = "active" | "revoked";

/** A URL that starts a run of a workspace workflow when a sender POSTs a payload to it. */
export interface InboundTrigger {
  id: string;
  workspaceId: string;
  environment: "live" | "sandbox";
  workflowId: string;
  /** The path token of its URL, `/hooks/<token>` (not a credential: the secret or bearer token is). */
  token: string;
  auth: InboundTriggerAuth;
  status: InboundTriggerStatus;
  /** When it last started a run. */
  lastTriggeredAt: Date | null;
  revokedAt: Date | null;
  createdBy: string | null;
  createdAt: Date;
  updatedAt: Date;
}

/** A new inbound trigger URL path token, `hk_` and 32 random base64url characters. */
export function generateInboundTriggerToken(): string {
  return `hk_${randomBytes(24).toString("base64url")}`;
}

/** A new bearer token of an inbound trigger, `fgh_` and 43 random base64url characters. */
export function generateInboundBearerToken(): string {
  return `fgh_${randomBytes(32).toString("base64url")}`;
}

/**
 * The SHA-256 (hex) under which a bearer token is stored; the token itself never is.
 *
 * @param token - The bearer token.
 */
export function hashInboundBearerToken(token: string): string {
  return createHash("sha256").update(token, "utf8").digest("hex");
}

/**
 * A POST to an inbound trigger URL was refused for its credentials: no or a bad Standard Webhooks signature
 * (or a timestamp more than five minutes off), or no or a wrong bearer token. Adapters answer 401.
 */
export class InboundAuthenticationError extends FlowgateError {
  /** Always `"UNAUTHENTICATED"`. */
  readonly code = "UNAUTHENTICATED";
}
