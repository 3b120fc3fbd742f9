import {
  newId,
  type Tenant,
  type WebhookAttempt,
  type WebhookDelivery,
  type WebhookDeliveryStatus,
  type WebhookEndpoint,
  type WebhookPayload,
} from "@flowgate/domain";
import { type Selectable, sql } from "kysely";
import type { Executor } from "../database.ts";
import type { WebhookAttemptsTable, WebhookEndpointsTable } from "../tables/webhooks.table.ts";
import type { PageRequest } from "./pagination.ts";
import { inTenant } from "./tenant-filter.ts";

/** An endpoint with its encrypted secrets, as the delivery worker reads it (never leaves the engine). */
export interface WebhookEndpointSecrets {
  endpoint: WebhookEndpoint;
  secretEncrypted: string;
  previousSecretEncrypted: string | null;
}

/** Inserts an endpoint (enabled). */
export async function insertWebhookEndpoint(
  db: Executor,
  tenant: Tenant,
  row: { id: string; url: string; description: string | null; events: string[]; secretEncrypted: string },
): Promise<WebhookEndpoint> {
  const inserted = await db
    .insertInto("webhook_endpoints")
    .values({
      id: row.id,
      workspace_id: tenant.workspaceId,
      environment: tenant.environment,
      url: row.url,
      description: row.description,
      events: JSON.stringify(row.events),
      secret_encrypted: row.secretEncrypted,
    })
    .returningAll()
    .executeTakeFirstOrThrow();
  return toEndpoint(inserted);
}

/** Finds an endpoint of the tenant (another tenant's is `undefined`); `forUpdate` locks it. */
export async function findWebhookEndpoint(
  db: Executor,
  tenant: Tenant,
  id: string,
  options: { forUpdate?: boolean } = {},
): Promise<WebhookEndpoint | undefined> {
  let query = db.selectFrom("webhook_endpoints").selectAll().where("id", "=", id).where(inTenant(tenant));
  if (options.forUpdate) query = query.forUpdate();
  const row = await query.executeTakeFirst();
  return row ? toEndpoint(row) : undefined;
}

/** Endpoints of the tenant by id, in any order (for DataLoaders). */
export async function findWebhookEndpointsByIds(
  db: Executor,
  tenant: Tenant,
  ids: readonly string[],
): Promise<WebhookEndpoint[]> {
  if (ids.length === 0) return [];
  const rows = await db
    .selectFrom("webhook_endpoints")
    .selectAll()
    .where("id", "in", ids)
    .where(inTenant(tenant))
    .execute();
  return rows.map(toEndpoint);
}

/** A page of the tenant's endpoints, newest first. */
export async function listWebhookEndpoints(
  db: Executor,
  tenant: Tenant,
  page: PageRequest,
): Promise<WebhookEndpoint[]> {
  let query = db.selectFrom("webhook_endpoints").selectAll().where(inTenant(tenant));
  if (page.afterId) query = query.where("id", "<", page.afterId);
  if (page.beforeId) query = query.where("id", ">", page.beforeId);
  const rows = await query
    .orderBy("id", page.beforeId ? "asc" : "desc")
    .limit(page.limit)
    .execute();
  return rows.map(toEndpoint);
}

/** What an endpoint update may change. */
export interface WebhookEndpointChange {
  url?: string;
  description?: string | null;
  events?: string[];
  status?: "enabled" | "disabled";
  disabledReason?: string | null;
  disabledAt?: Date | null;
  consecutiveFailures?: number;
  secretEncrypted?: string;
  previousSecretEncrypted?: string | null;
  previousSecretExpiresAt?: Date | null;
}

/** Updates an endpoint by id and returns it. */
export async function updateWebhookEndpoint(
  db: Executor,
  id: string,
  change: WebhookEndpointChange,
): Promise<WebhookEndpoint> {
  const row = await db
    .updateTable("webhook_endpoints")
    .set({
      ...(change.url !== undefined ? { url: change.url } : {}),
      ...(change.description !== undefined ? { description: change.description } : {}),
      ...(change.events !== undefined ? { events: JSON.stringify(change.events) } : {}),
      ...(change.status !== undefined ? { status: change.status } : {}),
      ...(change.disabledReason !== undefined ? { disabled_reason: change.disabledReason } : {}),
      ...(change.disabledAt !== undefined ? { disabled_at: change.disabledAt } : {}),
      ...(change.consecutiveFailures !== undefined
        ? { consecutive_failures: change.consecutiveFailures }
        : {}),
      ...(change.secretEncrypted !== undefined ? { secret_encrypted: change.secretEncrypted } : {}),
      ...(change.previousSecretEncrypted !== undefined
        ? { previous_secret_encrypted: change.previousSecretEncrypted }
        : {}),
      ...(change.previousSecretExpiresAt !== undefined
        ? { previous_secret_expires_at: change.previousSecretExpiresAt }
        : {}),
      updated_at: sql<Date>`now()`,
    })
    .where("id", "=", id)
    .returningAll()
    .executeTakeFirstOrThrow();
  return toEndpoint(row);
}

/** Counts one more failed attempt of an endpoint and returns it (atomic: concurrent deliveries add up). */
export async function addWebhookEndpointFailure(
  db: Executor,
  id: string,
): Promise<WebhookEndpoint | undefined> {
  const row = await db
    .updateTable("webhook_endpoints")
    .set((eb) => ({ consecutive_failures: eb("consecutive_failures", "+", 1) }))
    .where("id", "=", id)
    .returningAll()
    .executeTakeFirst();
  return row ? toEndpoint(row) : undefined;
}

/** Resets an endpoint's consecutive failures after a success (writes only when there were some). */
export async function resetWebhookEndpointFailures(db: Executor, id: string): Promise<void> {
  await db
    .updateTable("webhook_endpoints")
    .set({ consecutive_failures: 0 })
    .where("id", "=", id)
    .where("consecutive_failures", "<>", 0)
    .execute();
}

/** Deletes an endpoint with its deliveries, attempts and jobs. */
export async function deleteWebhookEndpoint(db: Executor, id: string): Promise<void> {
  await db.deleteFrom("webhook_endpoints").where("id", "=", id).execute();
}

/** An endpoint with its encrypted secrets, locked for the rest of the transaction (delivery worker). */
export async function lockWebhookEndpointSecrets(
  db: Executor,
  id: string,
): Promise<WebhookEndpointSecrets | undefined> {
  const row = await db
    .selectFrom("webhook_endpoints")
    .selectAll()
    .where("id", "=", id)
    .forUpdate()
    .executeTakeFirst();
  return row ? toEndpointSecrets(row) : undefined;
}

/** An endpoint with its encrypted secrets (delivery worker; no lock). */
export async function findWebhookEndpointSecrets(
  db: Executor,
  id: string,
): Promise<WebhookEndpointSecrets | undefined> {
  const row = await db.selectFrom("webhook_endpoints").selectAll().where("id", "=", id).executeTakeFirst();
  return row ? toEndpointSecrets(row) : undefined;
}

/**
 * The SQL of {@link hasEnabledWebhookEndpoint} for the tenant of a row in the statement (`table` has
 * `workspace_id` and `environment`), for statements that read it along with their own work instead of in a
 * round trip of its own.
 *
 * @param table - The table (or alias) whose row names the tenant, e.g. `sessions`.
 */
export function enabledWebhookEndpointOf(table: string) {
  return sql<boolean>`exists (select 1 from webhook_endpoints we where we.workspace_id = ${sql.ref(`${table}.workspace_id`)} and we.environment = ${sql.ref(`${table}.environment`)} and we.status = 'enabled')`;
}

/** Whether the tenant has an enabled endpoint (lets callers skip building events nobody receives). */
export async function hasEnabledWebhookEndpoint(db: Executor, tenant: Tenant): Promise<boolean> {
  const row = await db
    .selectFrom("webhook_endpoints")
    .select("id")
    .where(inTenant(tenant))
    .where("status", "=", "enabled")
    .limit(1)
    .executeTakeFirst();
  return row !== undefined;
}

/** An event to record in the outbox, with its body already built. */
export interface NewWebhookEvent {
  payload: WebhookPayload;
  sessionId: string | null;
  /** Deliver only to this endpoint, whatever it subscribed to (the test `ping`). */
  onlyEndpointId?: string;
}

/**
 * Writes an event to the outbox and fans it out, in the caller's transaction: one delivery and one due
 * `webhook.deliver` job per enabled endpoint of the tenant whose subscription matches the type (or `*`).
 * Returns the deliveries created (none when no endpoint wants the event).
 */
export async function insertWebhookEvent(
  db: Executor,
  tenant: Tenant,
  event: NewWebhookEvent,
): Promise<{ deliveryIds: string[] }> {
  const { payload } = event;
  let endpoints = db.selectFrom("webhook_endpoints").select("id").where(inTenant(tenant));
  if (event.onlyEndpointId) {
    endpoints = endpoints.where("id", "=", event.onlyEndpointId);
  } else {
    endpoints = endpoints
      .where("status", "=", "enabled")
      .where(sql<boolean>`(events ? ${payload.type} or events ? '*')`);
  }
  const targets = await endpoints.execute();
  // An event no endpoint wants is not stored: the outbox holds what is to be delivered.
  if (targets.length === 0) return { deliveryIds: [] };
  await db
    .insertInto("webhook_events")
    .values({
      id: payload.id,
      workspace_id: tenant.workspaceId,
      environment: tenant.environment,
      type: payload.type,
      session_id: event.sessionId,
      payload: JSON.stringify(payload),
      created_at: new Date(payload.timestamp),
    })
    .execute();
  const deliveries = targets.map((target) => ({ id: newId("whd"), endpointId: target.id }));
  await insertDeliveries(db, tenant, payload.id, payload.type, event.sessionId, deliveries);
  return { deliveryIds: deliveries.map((d) => d.id) };
}

/** Inserts deliveries of an event with their due jobs. */
async function insertDeliveries(
  db: Executor,
  tenant: Tenant,
  eventId: string,
  eventType: string,
  sessionId: string | null,
  deliveries: { id: string; endpointId: string }[],
): Promise<void> {
  const now = new Date();
  await db
    .insertInto("webhook_deliveries")
    .values(
      deliveries.map((d) => ({
        id: d.id,
        workspace_id: tenant.workspaceId,
        environment: tenant.environment,
        endpoint_id: d.endpointId,
        event_id: eventId,
        event_type: eventType,
        session_id: sessionId,
        next_attempt_at: now,
      })),
    )
    .execute();
  await db
    .insertInto("jobs")
    .values(
      deliveries.map((d) => ({
        id: newId("job"),
        kind: "webhook.deliver",
        webhook_delivery_id: d.id,
        payload: JSON.stringify({ endpointId: d.endpointId }),
        run_at: now,
      })),
    )
    .execute();
}

/**
 * A new delivery of an already delivered event to the same endpoint (`redeliverWebhook`): same event,
 * same `webhook-id`, fresh attempts.
 */
export async function insertRedelivery(db: Executor, tenant: Tenant, of: WebhookDelivery): Promise<string> {
  const id = newId("whd");
  await insertDeliveries(db, tenant, of.eventId, of.eventType, of.sessionId, [
    { id, endpointId: of.endpointId },
  ]);
  return id;
}

const deliveryColumns = [
  "d.id",
  "d.workspace_id",
  "d.environment",
  "d.endpoint_id",
  "d.event_id",
  "d.event_type",
  "d.session_id",
  "d.status",
  "d.attempt_count",
  "d.next_attempt_at",
  "d.last_status_code",
  "d.delivered_at",
  "d.created_at",
  "d.updated_at",
  "e.payload",
] as const;

function deliveries(db: Executor) {
  return db
    .selectFrom("webhook_deliveries as d")
    .innerJoin("webhook_events as e", "e.id", "d.event_id")
    .select(deliveryColumns);
}

/** Finds a delivery of the tenant; another tenant's is `undefined`. */
export async function findWebhookDelivery(
  db: Executor,
  tenant: Tenant,
  id: string,
): Promise<WebhookDelivery | undefined> {
  const row = await deliveries(db)
    .where("d.id", "=", id)
    .where("d.workspace_id", "=", tenant.workspaceId)
    .where("d.environment", "=", tenant.environment)
    .executeTakeFirst();
  return row ? toDelivery(row) : undefined;
}

/** Deliveries of the tenant by id, in any order (for DataLoaders). */
export async function findWebhookDeliveriesByIds(
  db: Executor,
  tenant: Tenant,
  ids: readonly string[],
): Promise<WebhookDelivery[]> {
  if (ids.length === 0) return [];
  const rows = await deliveries(db)
    .where("d.id", "in", ids)
    .where("d.workspace_id", "=", tenant.workspaceId)
    .where("d.environment", "=", tenant.environment)
    .execute();
  return rows.map(toDelivery);
}

/** Finds a delivery by id, locked for the rest of the transaction (delivery worker). */
export async function lockWebhookDelivery(db: Executor, id: string): Promise<WebhookDelivery | undefined> {
  const row = await deliveries(db).where("d.id", "=", id).forUpdate(["d"]).executeTakeFirst();
  return row ? toDelivery(row) : undefined;
}

/** Finds a delivery by id (delivery worker; no lock). */
export async function findWebhookDeliveryById(
  db: Executor,
  id: string,
): Promise<WebhookDelivery | undefined> {
  const row = await deliveries(db).where("d.id", "=", id).executeTakeFirst();
  return row ? toDelivery(row) : undefined;
}

/** A page of the tenant's deliveries to one endpoint or of one session, newest first. */
export async function listWebhookDeliveries(
  db: Executor,
  tenant: Tenant,
  filter: { endpointId?: string; sessionId?: string },
  page: PageRequest,
): Promise<WebhookDelivery[]> {
  let query = deliveries(db)
    .where("d.workspace_id", "=", tenant.workspaceId)
    .where("d.environment", "=", tenant.environment);
  if (filter.endpointId) query = query.where("d.endpoint_id", "=", filter.endpointId);
  if (filter.sessionId) query = query.where("d.session_id", "=", filter.sessionId);
  if (page.afterId) query = query.where("d.id", "<", page.afterId);
  if (page.beforeId) query = query.where("d.id", ">", page.beforeId);
  const rows = await query
    .orderBy("d.id", page.beforeId ? "asc" : "desc")
    .limit(page.limit)
    .execute();
  return rows.map(toDelivery);
}

/** What finishing one attempt changes on its delivery. */
export interface WebhookDeliveryChange {
  status: WebhookDeliveryStatus;
  attemptCount: number;
  nextAttemptAt: Date | null;
  lastStatusCode: number | null;
  deliveredAt: Date | null;
}

/** Records an attempt and its outcome on the delivery. */
export async function recordWebhookAttempt(
  db: Executor,
  attempt: WebhookAttempt,
  change: WebhookDeliveryChange,
): Promise<void> {
  await db
    .insertInto("webhook_attempts")
    .values({
      delivery_id: attempt.deliveryId,
      attempt: attempt.attempt,
      started_at: attempt.startedAt,
      duration_ms: attempt.durationMs,
      status_code: attempt.statusCode,
      response_body: attempt.responseBody,
      error: attempt.error,
      next_attempt_at: attempt.nextAttemptAt,
    })
    .execute();
  await db
    .updateTable("webhook_deliveries")
    .set({
      status: change.status,
      attempt_count: change.attemptCount,
      next_attempt_at: change.nextAttemptAt,
      last_status_code: change.lastStatusCode,
      delivered_at: change.deliveredAt,
      updated_at: sql<Date>`now()`,
    })
    .where("id", "=", attempt.deliveryId)
    .execute();
}

/** Ends a delivery without an attempt (its endpoint was disabled or deleted meanwhile). */
export async function abandonWebhookDelivery(db: Executor, id: string): Promise<void> {
  await db
    .updateTable("webhook_deliveries")
    .set({ status: "failed", next_attempt_at: null, updated_at: sql<Date>`now()` })
    .where("id", "=", id)
    .execute();
}

/** The attempts of deliveries, oldest first per delivery. */
export async function listWebhookAttempts(
  db: Executor,
  deliveryIds: readonly string[],
): Promise<WebhookAttempt[]> {
  if (deliveryIds.length === 0) return [];
  const rows = await db
    .selectFrom("webhook_attempts")
    .selectAll()
    .where("delivery_id", "in", deliveryIds)
    .orderBy("delivery_id")
    .orderBy("attempt")
    .execute();
  return rows.map(toAttempt);
}

/** Whether `workerId` still holds job `jobId` (locks the job row for the rest of the transaction). */
export async function holdsJob(db: Executor, jobId: string, workerId: string): Promise<boolean> {
  const row = await db
    .selectFrom("jobs")
    .select("id")
    .where("id", "=", jobId)
    .where("locked_by", "=", workerId)
    .forUpdate()
    .executeTakeFirst();
  return row !== undefined;
}

/** Reschedules the job of a delivery held by `workerId` and releases it. */
export async function rescheduleWebhookJob(
  db: Executor,
  jobId: string,
  workerId: string,
  runAt: Date,
  lastError: string | null,
): Promise<void> {
  await db
    .updateTable("jobs")
    .set({ run_at: runAt, locked_by: null, locked_until: null, attempts: 0, last_error: lastError })
    .where("id", "=", jobId)
    .where("locked_by", "=", workerId)
    .execute();
}

function toEndpoint(row: Selectable<WebhookEndpointsTable>): WebhookEndpoint {
  return {
    id: row.id,
    workspaceId: row.workspace_id,
    environment: row.environment,
    url: row.url,
    description: row.description,
    events: typeof row.events === "string" ? JSON.parse(row.events) : row.events,
    status: row.status,
    disabledReason: row.disabled_reason,
    disabledAt: row.disabled_at,
    consecutiveFailures: row.consecutive_failures,
    previousSecretExpiresAt: row.previous_secret_expires_at,
    createdAt: row.created_at,
    updatedAt: row.updated_at,
  };
}

function toEndpointSecrets(row: Selectable<WebhookEndpointsTable>): WebhookEndpointSecrets {
  return {
    endpoint: toEndpoint(row),
    secretEncrypted: row.secret_encrypted,
    previousSecretEncrypted: row.previous_secret_encrypted,
  };
}

type DeliveryRow = {
  id: string;
  workspace_id: string;
  environment: "live" | "sandbox";
  endpoint_id: string;
  event_id: string;
  event_type: string;
  session_id: string | null;
  status: WebhookDeliveryStatus;
  attempt_count: number;
  next_attempt_at: Date | null;
  last_status_code: number | null;
  delivered_at: Date | null;
  created_at: Date;
  updated_at: Date;
  payload: string;
};

function toDelivery(row: DeliveryRow): WebhookDelivery {
  return {
    id: row.id,
    workspaceId: row.workspace_id,
    environment: row.environment,
    endpointId: row.endpoint_id,
    eventId: row.event_id,
    eventType: row.event_type,
    sessionId: row.session_id,
    payload: JSON.parse(row.payload) as WebhookPayload,
    status: row.status,
    attemptCount: row.attempt_count,
    nextAttemptAt: row.next_attempt_at,
    lastStatusCode: row.last_status_code,
    createdAt: row.created_at,
    updatedAt: row.updated_at,
    deliveredAt: row.delivered_at,
  };
}

function toAttempt(row: Selectable<WebhookAttemptsTable>): WebhookAttempt {
  return {
    deliveryId: row.delivery_id,
    attempt: row.attempt,
    startedAt: row.started_at,
    durationMs: row.duration_ms,
    statusCode: row.status_code,
    responseBody: row.response_body,
    error: row.error,
    nextAttemptAt: row.next_attempt_at,
  };
}
