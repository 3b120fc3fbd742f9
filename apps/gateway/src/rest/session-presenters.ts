import type { IssuedVerificationLink } from "@flowgate/application";
import {
  type SessionCheck,
  type SessionCheckAttempt,
  type SessionRiskAssessment,
  type VerificationLink,
  verificationLinkStatus,
  type WebhookDelivery,
} from "@flowgate/domain";

// Response bodies of the session sub-resources (links, checks, attempts, risk, webhook deliveries), in
// snake_case, built from the same domain records GraphQL resolves. The provider's `output` and a
// delivery's `payload` keep their own keys.

/** ISO 8601 or null. */
function iso(date: Date | null | undefined): string | null {
  return date ? date.toISOString() : null;
}

/** A one-time verification link (GraphQL `VerificationLink`); never its token. */
export function presentVerificationLink(link: VerificationLink, now = new Date()) {
  return {
    id: link.id,
    session_id: link.sessionId,
    status: verificationLinkStatus(link, now),
    max_uses: link.maxUses,
    uses: link.uses,
    expires_at: iso(link.expiresAt),
    revoked_at: iso(link.revokedAt),
    last_used_at: iso(link.lastUsedAt),
    sent_to: link.sentTo,
    created_at: iso(link.createdAt),
  };
}

/**
 * A link as it was just created (GraphQL `CreatedVerificationLink`): the link with its `capture_url`
 * (the seed's name) and `token`, returned this once and never stored.
 */
export function presentIssuedVerificationLink(issued: IssuedVerificationLink) {
  return { ...presentVerificationLink(issued.link), capture_url: issued.url, token: issued.token };
}

/** One attempt of a verification check (GraphQL `SessionCheckAttempt`). */
export function presentCheckAttempt(attempt: SessionCheckAttempt) {
  return {
    id: attempt.id,
    check_id: attempt.checkId,
    number: attempt.number,
    started_at: iso(attempt.startedAt),
    completed_at: iso(attempt.completedAt),
    outcome: attempt.outcome,
    error: attempt.error,
    provider_reference: attempt.providerReference,
    output: attempt.output,
  };
}

/** A verification check with its attempts (GraphQL `SessionCheck`). */
export function presentCheck(check: SessionCheck, attempts: readonly SessionCheckAttempt[]) {
  return {
    id: check.id,
    session_id: check.sessionId,
    run_id: check.runId,
    node_id: check.nodeId,
    policy: check.policy,
    status: check.status,
    result: check.result,
    output: check.output,
    error: check.error,
    created_at: iso(check.createdAt),
    updated_at: iso(check.updatedAt),
    attempts: attempts.map(presentCheckAttempt),
  };
}

/** A session's risk assessment (GraphQL `RiskAssessment`). */
export function presentRiskAssessment(assessment: SessionRiskAssessment) {
  return {
    id: assessment.id,
    session_id: assessment.sessionId,
    run_id: assessment.runId,
    score: assessment.score,
    level: assessment.level,
    signals: assessment.signals.map((signal) => ({
      code: signal.code,
      description: signal.description,
      weight: signal.weight,
      check_id: signal.checkId,
      node_id: signal.nodeId,
    })),
    rules_version: assessment.rulesVersion,
    created_at: iso(assessment.createdAt),
  };
}

/** A webhook delivery of an event about a session (GraphQL `WebhookDelivery`, without its attempts). */
export function presentWebhookDelivery(delivery: WebhookDelivery) {
  return {
    id: delivery.id,
    event_id: delivery.eventId,
    event_type: delivery.eventType,
    endpoint_id: delivery.endpointId,
    session_id: delivery.sessionId,
    status: delivery.status,
    attempt_count: delivery.attemptCount,
    next_attempt_at: iso(delivery.nextAttemptAt),
    last_status_code: delivery.lastStatusCode,
    delivered_at: iso(delivery.deliveredAt),
    created_at: iso(delivery.createdAt),
    payload: delivery.payload,
  };
}
