import {
  abandonWebhookDelivery,
  addWebhookEndpointFailure,
  type Db,
  deleteJob,
  findWebhookDeliveryById,
  findWebhookEndpointSecrets,
  findWorkspace,
  holdsJob,
  type Job,
  lockWebhookDelivery,
  recordWebhookAttempt,
  rescheduleWebhookJob,
  resetWebhookEndpointFailures,
  updateWebhookEndpoint,
} from "@flowgate/db";
import {
  type WebhookAttempt,
  type WebhookDelivery,
  type WebhookEndpoint,
  webhookResponseBodyBytes,
  webhookRetryDelayMs,
} from "@flowgate/domain";
import { Webhook } from "standardwebhooks";
import { type HostResolver, OutboundError, outboundRequest } from "../outbound/index.ts";
import { type AfterCommit, inTransaction, type UnitOfWorkDeps } from "../unit-of-work.ts";
import { recordWebhookEvent } from "./outbox.ts";
import type { SecretBox } from "./secret-box.ts";

/** How deliveries are made and retried. */
export interface WebhookDeliveryOptions {
  /** Decrypts endpoint secrets. */
  secrets: SecretBox;
  /** Delay before the first retry; retry n waits base·3ⁿ⁻¹ (at most a day) ±20 % (default 10 s). */
  retryBaseMs?: number;
  /** Attempts of one delivery before it fails for good (default 12: about three days). */
  maxAttempts?: number;
  /** Consecutive failed attempts (any deliveries) after which an endpoint is disabled (default 50). */
  disableAfterFailures?: number;
  /** Bound on one attempt, connect to last byte (default 10 s). */
  timeoutMs?: number;
  /** A resolver to use instead of the system's (tests). */
  resolveHost?: HostResolver;
}

/** Defaults of {@link WebhookDeliveryOptions}. */
export const webhookDeliveryDefaults = {
  retryBaseMs: 10_000,
  maxAttempts: 12,
  disableAfterFailures: 50,
  timeoutMs: 10_000,
} as const;

/** Largest response body read from a receiver (the first 2 KB are kept); a longer one still counts by status. */
const maxReadBytes = 64 * 1024;

/** The signing headers of one attempt, per Standard Webhooks. */
export interface WebhookSignatureHeaders {
  "webhook-id": string;
  "webhook-timestamp": string;
  "webhook-signature": string;
}

/**
 * Signs `body` for an attempt at `at`: `webhook-signature` holds `v1,<base64 HMAC-SHA256>` for each secret
 * (the current one, and the previous one during a rotation's overlap), space-separated, so a receiver
 * that knows either secret verifies it.
 *
 * @param eventId - The event id, sent as `webhook-id` (the same on every retry).
 * @param secrets - The `whsec_…` secrets to sign with.
 */
export function signWebhook(
  eventId: string,
  at: Date,
  body: string,
  secrets: readonly string[],
): WebhookSignatureHeaders {
  return {
    "webhook-id": eventId,
    "webhook-timestamp": String(Math.floor(at.getTime() / 1000)),
    "webhook-signature": secrets.map((secret) => new Webhook(secret).sign(eventId, at, body)).join(" "),
  };
}

/** The outcome of one HTTP attempt. */
interface AttemptResult {
  startedAt: Date;
  durationMs: number;
  statusCode: number | null;
  responseBody: string | null;
  error: string | null;
}

/**
 * Executes one `webhook.deliver` job: signs the event's body and POSTs it to the endpoint through the
 * guarded outbound module, then, in one transaction, records the attempt and either finishes the delivery
 * (a 2xx) or schedules the next attempt (exponential backoff with jitter), failing the delivery after the
 * last one. Every failed attempt counts against the endpoint; after `disableAfterFailures` in a row the
 * endpoint is disabled and `webhook_endpoint.disabled` is recorded in the same transaction.
 *
 * The POST happens before anything is written: a worker killed during it leaves the job locked until its
 * lease ends, and the next worker sends the event again with the same `webhook-id` (at least once; the
 * receiver deduplicates). An attempt is recorded only by the worker still holding the job.
 */
export async function deliverWebhook(
  deps: UnitOfWorkDeps,
  options: WebhookDeliveryOptions,
  job: Job,
  workerId: string,
): Promise<void> {
  const db: Db = deps.db;
  const delivery = job.webhookDeliveryId
    ? await findWebhookDeliveryById(db, job.webhookDeliveryId)
    : undefined;
  if (delivery?.status !== "pending") {
    await deleteJob(db, job.id, workerId);
    return;
  }
  const found = await findWebhookEndpointSecrets(db, delivery.endpointId);
  if (found?.endpoint.status !== "enabled") {
    await inTransaction(deps, async (trx) => {
      await abandonWebhookDelivery(trx, delivery.id);
      await deleteJob(trx, job.id, workerId);
    });
    return;
  }
  const { endpoint } = found;
  const now = new Date();
  const secrets = [options.secrets.decrypt(found.secretEncrypted)];
  if (
    found.previousSecretEncrypted &&
    endpoint.previousSecretExpiresAt &&
    endpoint.previousSecretExpiresAt > now
  ) {
    secrets.push(options.secrets.decrypt(found.previousSecretEncrypted));
  }
  const workspace = await findWorkspace(db, delivery.workspaceId);
  const result = await attempt(endpoint, delivery, secrets, {
    allowPrivate: workspace?.settings.allowPrivateTaskUrls ?? false,
    timeoutMs: options.timeoutMs ?? webhookDeliveryDefaults.timeoutMs,
    resolveHost: options.resolveHost,
  });
  await inTransaction(deps, async (trx, after) => {
    if (!(await holdsJob(trx, job.id, workerId))) return;
    const current = await lockWebhookDelivery(trx, delivery.id);
    if (current?.status !== "pending") {
      await deleteJob(trx, job.id, workerId);
      return;
    }
    const number = current.attemptCount + 1;
    const ok = result.statusCode !== null && result.statusCode >= 200 && result.statusCode <= 299;
    const maxAttempts = options.maxAttempts ?? webhookDeliveryDefaults.maxAttempts;
    const nextAttemptAt =
      ok || number >= maxAttempts
        ? null
        : new Date(
            Date.now() +
              webhookRetryDelayMs(number, options.retryBaseMs ?? webhookDeliveryDefaults.retryBaseMs),
          );
    const record: WebhookAttempt = { deliveryId: delivery.id, attempt: number, ...result, nextAttemptAt };
    await recordWebhookAttempt(trx, record, {
      status: ok ? "succeeded" : nextAttemptAt ? "pending" : "failed",
      attemptCount: number,
      nextAttemptAt,
      lastStatusCode: result.statusCode,
      deliveredAt: ok ? new Date() : null,
    });
    if (ok) {
      await resetWebhookEndpointFailures(trx, endpoint.id);
      await deleteJob(trx, job.id, workerId);
      return;
    }
    if (nextAttemptAt) {
      await rescheduleWebhookJob(trx, job.id, workerId, nextAttemptAt, result.error);
    } else {
      await deleteJob(trx, job.id, workerId);
    }
    await countFailure(trx, after, endpoint.id, options);
  });
}

/** Counts a failed attempt against its endpoint; disables the endpoint at the threshold. */
async function countFailure(
  trx: Parameters<Parameters<typeof inTransaction>[1]>[0],
  after: AfterCommit,
  endpointId: string,
  options: WebhookDeliveryOptions,
): Promise<void> {
  const endpoint = await addWebhookEndpointFailure(trx, endpointId);
  const threshold = options.disableAfterFailures ?? webhookDeliveryDefaults.disableAfterFailures;
  if (endpoint?.status !== "enabled" || endpoint.consecutiveFailures < threshold) return;
  const disabledAt = new Date();
  const reason = `disabled after ${endpoint.consecutiveFailures} consecutive failed attempts`;
  await updateWebhookEndpoint(trx, endpoint.id, { status: "disabled", disabledReason: reason, disabledAt });
  await recordWebhookEvent(trx, after, endpoint, "webhook_endpoint.disabled", {
    object: "webhook_endpoint",
    id: endpoint.id,
    url: endpoint.url,
    consecutive_failures: endpoint.consecutiveFailures,
    reason,
    disabled_at: disabledAt.toISOString(),
  });
}

/** One signed POST; never throws for what the receiver (or the network) did. */
async function attempt(
  endpoint: WebhookEndpoint,
  delivery: WebhookDelivery,
  secrets: string[],
  call: { allowPrivate: boolean; timeoutMs: number; resolveHost: HostResolver | undefined },
): Promise<AttemptResult> {
  const body = JSON.stringify(delivery.payload);
  const startedAt = new Date();
  const started = performance.now();
  const elapsed = () => Math.round(performance.now() - started);
  try {
    const response = await outboundRequest({
      url: endpoint.url,
      method: "POST",
      headers: {
        "content-type": "application/json",
        "user-agent": "Flowgate-Webhooks/1",
        ...signWebhook(delivery.eventId, startedAt, body, secrets),
      },
      body,
      timeoutMs: call.timeoutMs,
      maxResponseBytes: maxReadBytes,
      allowPrivate: call.allowPrivate,
      resolveHost: call.resolveHost,
    });
    const ok = response.status >= 200 && response.status <= 299;
    return {
      startedAt,
      durationMs: elapsed(),
      statusCode: response.status,
      responseBody: firstBytes(response.body),
      error: ok ? null : `${endpoint.url} answered HTTP ${response.status}`,
    };
  } catch (error) {
    if (!(error instanceof OutboundError)) throw error;
    const message =
      error.kind === "refused"
        ? `${error.message}; webhooks may call only public addresses unless the workspace sets allowPrivateTaskUrls`
        : error.message;
    return { startedAt, durationMs: elapsed(), statusCode: error.status, responseBody: null, error: message };
  }
}

/** The first {@link webhookResponseBodyBytes} bytes of a body, cut at a character boundary. */
function firstBytes(body: string): string | null {
  if (body === "") return null;
  const bytes = Buffer.from(body, "utf8");
  if (bytes.length <= webhookResponseBodyBytes) return body;
  return bytes
    .subarray(0, webhookResponseBodyBytes)
    .toString("utf8")
    .replace(/\uFFFD$/, "");
}
