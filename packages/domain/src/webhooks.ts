import { randomBytes } from "node:crypto";
import { z } from "zod";
import type { Environment } from "./environment.ts";

/**
 * Every webhook event type an endpoint can subscribe to, the catalogue documented in `docs/webhooks.md`.
 * `ping` is not in it: it is sent only by `sendTestWebhook`, to the one endpoint tested, whatever it
 * subscribed to.
 */
export const webhookEventTypes = [
  "session.created",
  "session.submitted",
  "session.awaiting_external",
  "session.completed",
  "session.failed",
  "session.expired",
  "session.updated",
  "session.resumed",
  "session.reprocessed",
  "session.redacted",
  "workflow_run.started",
  "workflow_run.paused",
  "workflow_run.completed",
  "workflow_run.failed",
  "workflow_run.cancelled",
  "response.sent",
  "response.submitted",
  "response.approved",
  "response.rejected",
  "response.autofill_completed",
  "workspace_workflow_run.completed",
  "workspace_workflow_run.failed",
  "credits.low_balance",
  "webhook_endpoint.disabled",
] as const;

/** A subscribable webhook event type. */
export type WebhookEventType = (typeof webhookEventTypes)[number];

/** The `session.*` event types (their `data` is the session after the change). */
export type SessionWebhookEventType = Extract<WebhookEventType, `session.${string}`>;

/** Any event type a delivery can carry: the catalogue plus the test event `ping`. */
export type WebhookMessageType = WebhookEventType | "ping";

/** The subscription to every event type, present and future. */
export const allWebhookEvents = "*";

/** Version of the payloads below; bumped (and documented) when a payload changes incompatibly. */
export const webhookPayloadVersion = 1;

/** Balance (in credits) under which a charge records `credits.low_balance`. */
export const lowCreditBalanceThreshold = 10;

const timestamp = z.iso.datetime({ offset: true });
const nullableTimestamp = timestamp.nullable();

/** `data` of `session.*` events: the session as it is after the change. */
export const webhookSessionData = z.object({
  object: z.literal("session"),
  id: z.string(),
  status: z.string(),
  result: z.string().nullable(),
  workflow_id: z.string().nullable(),
  reference_id: z.string().nullable(),
  metadata: z.record(z.string(), z.unknown()),
  tags: z.array(z.string()),
  created_at: timestamp,
  submitted_at: nullableTimestamp,
  completed_at: nullableTimestamp,
  expires_at: nullableTimestamp,
});

/**
 * `data` of `session.redacted`: the session's audit skeleton after its personal data was removed (no
 * reference id or metadata), with when and by whom (an API key id, or `retention`).
 */
export const webhookSessionRedactedData = z.object({
  object: z.literal("session"),
  id: z.string(),
  status: z.string(),
  result: z.string().nullable(),
  workflow_id: z.string().nullable(),
  created_at: timestamp,
  completed_at: nullableTimestamp,
  redacted_at: timestamp,
  redacted_by: z.string(),
});

/** `data` of `workflow_run.*` and `workspace_workflow_run.*` events: the run after the change. */
export const webhookRunData = z.object({
  object: z.literal("workflow_run"),
  id: z.string(),
  session_id: z.string().nullable(),
  workflow_id: z.string(),
  workflow_version: z.number().int(),
  status: z.string(),
  final_status: z.string().nullable(),
  error_message: z.string().nullable(),
  paused_at_node: z.string().nullable(),
  total_cost_cents: z.number().int(),
  created_at: timestamp,
  started_at: nullableTimestamp,
  completed_at: nullableTimestamp,
});

/** `data` of `response.*` events: the questionnaire response after the change (without its answers). */
export const webhookResponseData = z.object({
  object: z.literal("response"),
  id: z.string(),
  name: z.string(),
  status: z.string(),
  entity_id: z.string(),
  questionnaire_id: z.string(),
  questionnaire_version: z.number().int(),
  workflow_session_id: z.string().nullable(),
  created_at: timestamp,
  sent_at: nullableTimestamp,
  submitted_at: nullableTimestamp,
});

/**
 * `data` of `response.autofill_completed`: the response, and the autofill job that finished (`succeeded`
 * with the number of answers filled, or `failed` with the reason; the answers were then left unchanged).
 */
export const webhookAutofillCompletedData = webhookResponseData.extend({
  autofill_job: z.object({
    id: z.string(),
    status: z.enum(["succeeded", "failed"]),
    provider: z.string(),
    filled_count: z.number().int(),
    error: z.string().nullable(),
    attempts: z.number().int(),
  }),
});

/** `data` of `credits.low_balance`: the balance after the charge that took it under the threshold. */
export const webhookCreditBalanceData = z.object({
  object: z.literal("credit_balance"),
  balance: z.number().int(),
  threshold: z.number().int(),
  ledger_entry_id: z.string(),
});

/** `data` of `webhook_endpoint.disabled`. */
export const webhookEndpointDisabledData = z.object({
  object: z.literal("webhook_endpoint"),
  id: z.string(),
  url: z.string(),
  consecutive_failures: z.number().int(),
  reason: z.string(),
  disabled_at: timestamp,
});

/** `data` of `ping` (the test event). */
export const webhookPingData = z.object({
  object: z.literal("ping"),
  endpoint_id: z.string(),
  message: z.string(),
});

/** The `data` schema of each event type. */
export const webhookDataSchemas = {
  "session.created": webhookSessionData,
  "session.submitted": webhookSessionData,
  "session.awaiting_external": webhookSessionData,
  "session.completed": webhookSessionData,
  "session.failed": webhookSessionData,
  "session.expired": webhookSessionData,
  "session.updated": webhookSessionData,
  "session.resumed": webhookSessionData,
  "session.reprocessed": webhookSessionData,
  "session.redacted": webhookSessionRedactedData,
  "workflow_run.started": webhookRunData,
  "workflow_run.paused": webhookRunData,
  "workflow_run.completed": webhookRunData,
  "workflow_run.failed": webhookRunData,
  "workflow_run.cancelled": webhookRunData,
  "response.sent": webhookResponseData,
  "response.submitted": webhookResponseData,
  "response.approved": webhookResponseData,
  "response.rejected": webhookResponseData,
  "response.autofill_completed": webhookAutofillCompletedData,
  "workspace_workflow_run.completed": webhookRunData,
  "workspace_workflow_run.failed": webhookRunData,
  "credits.low_balance": webhookCreditBalanceData,
  "webhook_endpoint.disabled": webhookEndpointDisabledData,
  ping: webhookPingData,
} as const satisfies Record<WebhookMessageType, z.ZodType>;

/** The `data` of an event of type `T`. */
export type WebhookEventData<T extends WebhookMessageType> = z.infer<(typeof webhookDataSchemas)[T]>;

/**
 * The JSON body of every delivery (Standard Webhooks' `type`/`timestamp`/`data` plus Flowgate's fields).
 * `id` is also the `webhook-id` header: the same on every attempt and every endpoint, so a receiver can
 * deduplicate by it.
 */
export const webhookPayloadSchema = z.object({
  id: z.string(),
  type: z.string(),
  version: z.literal(webhookPayloadVersion),
  timestamp,
  workspace_id: z.string(),
  environment: z.enum(["live", "sandbox"]),
  data: z.record(z.string(), z.unknown()),
});

/** The JSON body of a delivery. */
export type WebhookPayload = z.infer<typeof webhookPayloadSchema>;

/**
 * Builds the body of an event, checking `data` against its type's schema (a payload that does not match
 * the documented catalogue is a bug, so this throws).
 *
 * @param event - The event's id (`msg_…`), type, time, tenant and data.
 */
export function buildWebhookPayload<T extends WebhookMessageType>(event: {
  id: string;
  type: T;
  createdAt: Date;
  workspaceId: string;
  environment: Environment;
  data: WebhookEventData<T>;
}): WebhookPayload {
  const data = webhookDataSchemas[event.type].parse(event.data) as Record<string, unknown>;
  return {
    id: event.id,
    type: event.type,
    version: webhookPayloadVersion,
    timestamp: event.createdAt.toISOString(),
    workspace_id: event.workspaceId,
    environment: event.environment,
    data,
  };
}

/**
 * Whether `value` is a subscribable event type.
 *
 * @param value - Value to check.
 */
export function isWebhookEventType(value: unknown): value is WebhookEventType {
  return typeof value === "string" && (webhookEventTypes as readonly string[]).includes(value);
}

/**
 * Whether an endpoint subscribed to `events` receives events of `type`.
 *
 * @param events - The endpoint's event types, or `["*"]`.
 * @param type - The event's type.
 */
export function endpointWantsEvent(events: readonly string[], type: string): boolean {
  return events.includes(allWebhookEvents) || events.includes(type);
}

/**
 * A new signing secret, `whsec_` + base64 of 24 random bytes (the Standard Webhooks format, which the
 * `standardwebhooks` package accepts as is).
 */
export function generateWebhookSecret(): string {
  return `whsec_${randomBytes(24).toString("base64")}`;
}

/** Whether a delivery is still being tried, succeeded (a 2xx), or failed for good (attempts exhausted). */
export type WebhookDeliveryStatus = "pending" | "succeeded" | "failed";

/** A receiving URL of a workspace and environment, with what it subscribed to (never its secret). */
export interface WebhookEndpoint {
  id: string;
  workspaceId: string;
  environment: Environment;
  url: string;
  description: string | null;
  /** Event types, or `["*"]`. */
  events: string[];
  /** `disabled` by a caller or automatically after too many consecutive failures. */
  status: "enabled" | "disabled";
  disabledReason: string | null;
  disabledAt: Date | null;
  consecutiveFailures: number;
  /** Until when the previous secret still signs (a rotation's overlap), when it does. */
  previousSecretExpiresAt: Date | null;
  createdAt: Date;
  updatedAt: Date;
}

/** One event sent (or to be sent) to one endpoint. */
export interface WebhookDelivery {
  id: string;
  workspaceId: string;
  environment: Environment;
  endpointId: string;
  /** The event (`msg_…`), also the `webhook-id` header. */
  eventId: string;
  eventType: string;
  sessionId: string | null;
  payload: WebhookPayload;
  status: WebhookDeliveryStatus;
  attemptCount: number;
  nextAttemptAt: Date | null;
  lastStatusCode: number | null;
  createdAt: Date;
  updatedAt: Date;
  deliveredAt: Date | null;
}

/** One HTTP attempt of a delivery. */
export interface WebhookAttempt {
  deliveryId: string;
  /** 1-based. */
  attempt: number;
  startedAt: Date;
  durationMs: number;
  /** The HTTP status, or null when no response arrived (timeout, connection error, refused address). */
  statusCode: number | null;
  /** The first 2 KB of the response body. */
  responseBody: string | null;
  error: string | null;
  /** When the next attempt is due, when one was scheduled. */
  nextAttemptAt: Date | null;
}

/** How much of a receiver's response body an attempt keeps. */
export const webhookResponseBodyBytes = 2048;

/**
 * Delay before retry `retry` (1-based) of a delivery: `baseMs · 3^(retry-1)`, at most a day, ±20 % jitter.
 * With the default base (10 s) and 12 attempts the schedule spans about three days:
 * 10 s, 30 s, 1.5 min, 4.5 min, 13.5 min, 40 min, 2 h, 6 h, 18 h, 24 h, 24 h.
 *
 * @param retry - Which retry (1 for the second attempt).
 * @param baseMs - Delay before the first retry.
 * @param random - Source of jitter in [0, 1) (default `Math.random`).
 */
export function webhookRetryDelayMs(
  retry: number,
  baseMs: number,
  random: () => number = Math.random,
): number {
  const exact = Math.min(baseMs * 3 ** Math.max(0, retry - 1), 24 * 3600 * 1000);
  return Math.round(exact * (0.8 + 0.4 * random()));
}
