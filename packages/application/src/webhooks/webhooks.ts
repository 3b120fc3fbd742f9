import {
  deleteWebhookEndpoint as deleteEndpointRow,
  type Executor,
  findWebhookDeliveriesByIds,
  findWebhookDelivery,
  findWebhookEndpoint,
  findWebhookEndpointsByIds,
  findWorkspace,
  insertRedelivery,
  insertWebhookEndpoint,
  listWebhookEndpoints as listEndpointRows,
  listWebhookAttempts,
  listWebhookDeliveries,
  lockWebhookEndpointSecrets,
  type PageRequest,
  updateWebhookEndpoint as updateEndpointRow,
  type WebhookEndpointChange,
} from "@flowgate/db";
import {
  allWebhookEvents,
  ConflictError,
  generateWebhookSecret,
  isWebhookEventType,
  NotFoundError,
  newId,
  parseTaskUrl,
  ValidationError,
  type ValidationIssue,
  type WebhookAttempt,
  type WebhookDelivery,
  type WebhookEndpoint,
  webhookEventTypes,
} from "@flowgate/domain";
import {
  classifyIpAddress,
  inTransaction,
  isAllowedAddress,
  isLocalHostname,
  recordWebhookEvent,
} from "@flowgate/engine";
import { requireScope } from "../access.ts";
import type { Actor } from "../actor.ts";
import { type Application, applicationDeps } from "../application.ts";
import { alignByKey, groupByKey } from "../batch.ts";

/** Longest overlap a secret rotation may give the previous secret, in seconds (7 days). */
export const maxWebhookSecretOverlapSeconds = 7 * 24 * 3600;

/** An endpoint with its signing secret, which is shown only in this answer. */
export interface WebhookEndpointWithSecret {
  endpoint: WebhookEndpoint;
  /** `whsec_…`: store it now; it is never shown again (only its encrypted form is stored). */
  secret: string;
}

/** Input of {@link createWebhookEndpoint}. */
export interface CreateWebhookEndpointInput {
  url: string;
  /** Event types, or `["*"]` for every event. */
  events: readonly string[];
  description?: string | null | undefined;
}

/** Input of {@link updateWebhookEndpoint}: absent fields stay as they are. */
export interface UpdateWebhookEndpointInput {
  id: string;
  url?: string | null | undefined;
  events?: readonly string[] | null | undefined;
  description?: string | null | undefined;
}

/**
 * Creates a webhook endpoint in the caller's workspace and environment, subscribed to `events` (or `*`),
 * with a new `whsec_…` signing secret returned only now (stored encrypted). The URL must be an http(s)
 * URL; an address that is not public (a loopback or private IP, `localhost`) is refused unless the
 * workspace sets `allowPrivateTaskUrls` (names are resolved and checked again at every delivery). Needs
 * `webhooks:write`.
 *
 * @throws ValidationError naming `url`, `events` or `description`.
 */
export async function createWebhookEndpoint(
  app: Application,
  actor: Actor,
  input: CreateWebhookEndpointInput,
): Promise<WebhookEndpointWithSecret> {
  requireScope(actor, "webhooks:write");
  const deps = applicationDeps(app);
  const issues = [...eventsIssues(input.events), ...descriptionIssues(input.description)];
  const events = normalizeEvents(input.events);
  return inTransaction(deps, async (trx) => {
    issues.push(...(await urlIssues(trx, actor, input.url)));
    if (issues.length > 0) throw new ValidationError("Invalid webhook endpoint", issues);
    const secret = generateWebhookSecret();
    const endpoint = await insertWebhookEndpoint(trx, actor, {
      id: newId("whe"),
      url: input.url,
      description: input.description?.trim() || null,
      events,
      secretEncrypted: deps.secrets.encrypt(secret),
    });
    return { endpoint, secret };
  });
}

/**
 * Changes an endpoint's URL, events or description (checked as on creation). Needs `webhooks:write`.
 *
 * @throws NotFoundError for an endpoint that is not the caller's; ValidationError naming the field.
 */
export async function updateWebhookEndpoint(
  app: Application,
  actor: Actor,
  input: UpdateWebhookEndpointInput,
): Promise<WebhookEndpoint> {
  requireScope(actor, "webhooks:write");
  const deps = applicationDeps(app);
  const issues: ValidationIssue[] = [];
  if (input.events != null) issues.push(...eventsIssues(input.events));
  if (input.description !== undefined) issues.push(...descriptionIssues(input.description));
  return inTransaction(deps, async (trx) => {
    const endpoint = await requireEndpoint(trx, actor, input.id, true);
    if (input.url != null) issues.push(...(await urlIssues(trx, actor, input.url)));
    if (issues.length > 0) throw new ValidationError("Invalid webhook endpoint", issues);
    const change: WebhookEndpointChange = {};
    if (input.url != null) change.url = input.url;
    if (input.events != null) change.events = normalizeEvents(input.events);
    if (input.description !== undefined) change.description = input.description?.trim() || null;
    return updateEndpointRow(trx, endpoint.id, change);
  });
}

/**
 * Disables an endpoint: nothing more is delivered to it (deliveries pending for it fail when their turn
 * comes) until it is enabled again. Disabling a disabled endpoint changes nothing. Needs `webhooks:write`.
 */
export async function disableWebhookEndpoint(
  app: Application,
  actor: Actor,
  input: { id: string },
): Promise<WebhookEndpoint> {
  return changeEndpoint(app, actor, input.id, async (trx, endpoint) => {
    if (endpoint.status === "disabled") return endpoint;
    return updateEndpointRow(trx, endpoint.id, {
      status: "disabled",
      disabledReason: `disabled by ${actor.keyId}`,
      disabledAt: new Date(),
    });
  });
}

/**
 * Enables an endpoint (also one disabled automatically), with its failure count reset; events recorded
 * from now on are delivered to it. Needs `webhooks:write`.
 */
export async function enableWebhookEndpoint(
  app: Application,
  actor: Actor,
  input: { id: string },
): Promise<WebhookEndpoint> {
  return changeEndpoint(app, actor, input.id, (trx, endpoint) =>
    updateEndpointRow(trx, endpoint.id, {
      status: "enabled",
      disabledReason: null,
      disabledAt: null,
      consecutiveFailures: 0,
    }),
  );
}

/** Deletes an endpoint with its deliveries and their attempts. Needs `webhooks:write`. */
export async function deleteWebhookEndpoint(
  app: Application,
  actor: Actor,
  input: { id: string },
): Promise<WebhookEndpoint> {
  return changeEndpoint(app, actor, input.id, async (trx, endpoint) => {
    await deleteEndpointRow(trx, endpoint.id);
    return endpoint;
  });
}

/**
 * Replaces an endpoint's signing secret with a new one, returned only now. For `overlapSeconds`
 * (0–604800) deliveries are signed with both secrets, so a receiver can switch at its own pace; after
 * that only the new one signs. Needs `webhooks:write`.
 */
export async function rotateWebhookSecret(
  app: Application,
  actor: Actor,
  input: { endpointId: string; overlapSeconds?: number | null | undefined },
): Promise<WebhookEndpointWithSecret> {
  requireScope(actor, "webhooks:write");
  const deps = applicationDeps(app);
  const overlap = input.overlapSeconds ?? 0;
  if (!Number.isInteger(overlap) || overlap < 0 || overlap > maxWebhookSecretOverlapSeconds) {
    throw new ValidationError("Invalid secret rotation", [
      {
        path: ["overlapSeconds"],
        message: `must be a whole number of seconds from 0 to ${maxWebhookSecretOverlapSeconds}`,
      },
    ]);
  }
  return inTransaction(deps, async (trx) => {
    const endpoint = await requireEndpoint(trx, actor, input.endpointId, true);
    const current = await lockWebhookEndpointSecrets(trx, endpoint.id);
    if (!current) throw new NotFoundError("WebhookEndpoint", endpoint.id);
    const secret = generateWebhookSecret();
    const updated = await updateEndpointRow(trx, endpoint.id, {
      secretEncrypted: deps.secrets.encrypt(secret),
      previousSecretEncrypted: overlap > 0 ? current.secretEncrypted : null,
      previousSecretExpiresAt: overlap > 0 ? new Date(Date.now() + overlap * 1000) : null,
    });
    return { endpoint: updated, secret };
  });
}

/** An endpoint of the caller's, or `undefined`. Needs `webhooks:read`. */
export async function getWebhookEndpoint(
  app: Application,
  actor: Actor,
  id: string,
): Promise<WebhookEndpoint | undefined> {
  return findWebhookEndpoint(webhooksReadDb(app, actor), actor, id);
}

/** Endpoints by id, aligned with `ids` (`undefined` where not the caller's). Needs `webhooks:read`. */
export async function getWebhookEndpointsByIds(
  app: Application,
  actor: Actor,
  ids: readonly string[],
): Promise<(WebhookEndpoint | undefined)[]> {
  const rows = await findWebhookEndpointsByIds(webhooksReadDb(app, actor), actor, ids);
  return alignByKey(ids, rows, (row) => row.id);
}

/** A page of the caller's endpoints, newest first. Needs `webhooks:read`. */
export async function listWebhookEndpoints(
  app: Application,
  actor: Actor,
  page: PageRequest,
): Promise<WebhookEndpoint[]> {
  return listEndpointRows(webhooksReadDb(app, actor), actor, page);
}

/**
 * A page of deliveries, newest first: to one endpoint of the caller's, or of one session (the seed's
 * "List webhook deliveries for a session"). Needs `webhooks:read`.
 */
export async function listWebhookDeliveriesOf(
  app: Application,
  actor: Actor,
  filter: { endpointId: string } | { sessionId: string },
  page: PageRequest,
): Promise<WebhookDelivery[]> {
  return listWebhookDeliveries(webhooksReadDb(app, actor), actor, filter, page);
}

/** A delivery of the caller's, or `undefined`. Needs `webhooks:read`. */
export async function getWebhookDelivery(
  app: Application,
  actor: Actor,
  id: string,
): Promise<WebhookDelivery | undefined> {
  return findWebhookDelivery(webhooksReadDb(app, actor), actor, id);
}

/** Deliveries by id, aligned with `ids` (`undefined` where not the caller's). Needs `webhooks:read`. */
export async function getWebhookDeliveriesByIds(
  app: Application,
  actor: Actor,
  ids: readonly string[],
): Promise<(WebhookDelivery | undefined)[]> {
  const rows = await findWebhookDeliveriesByIds(webhooksReadDb(app, actor), actor, ids);
  return alignByKey(ids, rows, (row) => row.id);
}

/**
 * The attempts of deliveries, grouped in the order of `deliveryIds` (oldest attempt first); the ids must
 * be of deliveries the caller has already read. Needs `webhooks:read`.
 */
export async function getWebhookAttempts(
  app: Application,
  actor: Actor,
  deliveryIds: readonly string[],
): Promise<WebhookAttempt[][]> {
  const rows = await listWebhookAttempts(webhooksReadDb(app, actor), deliveryIds);
  return groupByKey(deliveryIds, rows, (row) => row.deliveryId);
}

/**
 * Sends a delivered (or failed) event again to the same endpoint as a new delivery, with the same event id
 * (`webhook-id`), so a receiver that processed it already can recognise it. Needs `webhooks:write`.
 *
 * @throws NotFoundError for a delivery that is not the caller's; ConflictError while the endpoint is
 *   disabled.
 */
export async function redeliverWebhook(
  app: Application,
  actor: Actor,
  input: { deliveryId: string },
): Promise<WebhookDelivery> {
  requireScope(actor, "webhooks:write");
  return inTransaction(applicationDeps(app), async (trx, after) => {
    const delivery = await findWebhookDelivery(trx, actor, input.deliveryId);
    if (!delivery) throw new NotFoundError("WebhookDelivery", input.deliveryId);
    const endpoint = await requireEndpoint(trx, actor, delivery.endpointId, false);
    requireEnabled(endpoint);
    const id = await insertRedelivery(trx, actor, delivery);
    after.wake();
    const created = await findWebhookDelivery(trx, actor, id);
    if (!created) throw new Error(`Delivery ${id} vanished`);
    return created;
  });
}

/** The database webhooks are read from, once the caller is found to have `webhooks:read`. */
function webhooksReadDb(app: Application, actor: Actor): Executor {
  requireScope(actor, "webhooks:read");
  return applicationDeps(app).db;
}

/**
 * Runs `change` in a transaction on an endpoint of the caller's, locked for the change. Needs
 * `webhooks:write`.
 *
 * @throws NotFoundError for an endpoint that is not the caller's.
 */
async function changeEndpoint<T>(
  app: Application,
  actor: Actor,
  id: string,
  change: (trx: Executor, endpoint: WebhookEndpoint) => Promise<T>,
): Promise<T> {
  requireScope(actor, "webhooks:write");
  return inTransaction(applicationDeps(app), async (trx) =>
    change(trx, await requireEndpoint(trx, actor, id, true)),
  );
}

/**
 * Sends a `ping` event to one endpoint (whatever it subscribed to), to check that it receives and
 * verifies deliveries. Needs `webhooks:write`.
 *
 * @throws ConflictError while the endpoint is disabled.
 */
export async function sendTestWebhook(
  app: Application,
  actor: Actor,
  input: { endpointId: string },
): Promise<WebhookDelivery> {
  requireScope(actor, "webhooks:write");
  return inTransaction(applicationDeps(app), async (trx, after) => {
    const endpoint = await requireEndpoint(trx, actor, input.endpointId, false);
    requireEnabled(endpoint);
    const { deliveryIds } = await recordWebhookEvent(
      trx,
      after,
      actor,
      "ping",
      {
        object: "ping",
        endpoint_id: endpoint.id,
        message: "A test event sent by sendTestWebhook.",
      },
      { onlyEndpointId: endpoint.id },
    );
    const created = deliveryIds[0] ? await findWebhookDelivery(trx, actor, deliveryIds[0]) : undefined;
    if (!created) throw new Error(`The test event for ${endpoint.id} made no delivery`);
    return created;
  });
}

async function requireEndpoint(
  trx: Executor,
  actor: Actor,
  id: string,
  forUpdate: boolean,
): Promise<WebhookEndpoint> {
  const endpoint = await findWebhookEndpoint(trx, actor, id, { forUpdate });
  if (!endpoint) throw new NotFoundError("WebhookEndpoint", id);
  return endpoint;
}

function requireEnabled(endpoint: WebhookEndpoint): void {
  if (endpoint.status !== "enabled") {
    throw new ConflictError(`Webhook endpoint ${endpoint.id} is disabled; enable it first`, "disabled");
  }
}

function normalizeEvents(events: readonly string[]): string[] {
  return events.includes(allWebhookEvents) ? [allWebhookEvents] : [...new Set(events)];
}

function eventsIssues(events: readonly string[]): ValidationIssue[] {
  if (events.length === 0) {
    return [{ path: ["events"], message: 'must list at least one event type, or "*" for all' }];
  }
  const issues: ValidationIssue[] = [];
  events.forEach((event, index) => {
    if (event !== allWebhookEvents && !isWebhookEventType(event)) {
      issues.push({
        path: ["events", String(index)],
        message: `"${event}" is not an event type (known: ${webhookEventTypes.join(", ")}, or "*")`,
      });
    }
  });
  return issues;
}

function descriptionIssues(description: string | null | undefined): ValidationIssue[] {
  return description && description.length > 500
    ? [{ path: ["description"], message: "must be at most 500 characters" }]
    : [];
}

/**
 * The URL's form, and — for an IP literal or a `localhost` name — its address against the workspace's
 * `allowPrivateTaskUrls`. Host names are resolved and checked at every delivery (they may change).
 */
async function urlIssues(trx: Executor, actor: Actor, url: string): Promise<ValidationIssue[]> {
  if (url.length > 2048) return [{ path: ["url"], message: "must be at most 2048 characters" }];
  const parsed = parseTaskUrl(url);
  if (!parsed.ok) return [{ path: ["url"], message: parsed.message }];
  const workspace = await findWorkspace(trx, actor.workspaceId);
  const allowPrivate = workspace?.settings.allowPrivateTaskUrls ?? false;
  const literal = classifyIpAddress(parsed.hostname);
  const addressClass = literal ?? (isLocalHostname(parsed.hostname) ? "loopback" : null);
  if (addressClass !== null && !isAllowedAddress(addressClass, allowPrivate)) {
    return [
      {
        path: ["url"],
        message: `points to a ${addressClass.replace("_", "-")} address; webhooks may call only public addresses unless the workspace sets allowPrivateTaskUrls`,
      },
    ];
  }
  return [];
}
