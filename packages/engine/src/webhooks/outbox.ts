import {
  type Executor,
  findRunById,
  findSessionById,
  hasEnabledWebhookEndpoint,
  insertWebhookEvent,
  type NewRunEvent,
} from "@flowgate/db";
import {
  buildWebhookPayload,
  type DdqResponse,
  newId,
  type Run,
  type RunEvent,
  type Session,
  type SessionWebhookEventType,
  type Tenant,
  tenantKey,
  type WebhookEventData,
  type WebhookMessageType,
} from "@flowgate/domain";
import type { AfterCommit } from "../unit-of-work.ts";

/**
 * Records a webhook event in the transactional outbox: call it with the transaction that makes the change
 * the event reports. The event row, one delivery per subscribed endpoint and each delivery's queue job are
 * written in that transaction, so an event whose change committed is always delivered (the jobs are
 * durable) and one whose change rolled back never exists. The workers are woken after commit.
 *
 * @param trx - The transaction of the state change.
 * @param after - Its after-commit effects (to wake the delivery workers); `null` when there are none, then
 *   the workers find the jobs at their next poll.
 * @param tenant - The workspace and environment the event belongs to (only their endpoints receive it).
 * @param type - The event type.
 * @param data - The event's data, checked against the catalogue's schema.
 * @param options - `sessionId` lists the deliveries under `Session.webhookDeliveries`; `onlyEndpointId`
 *   sends to that endpoint only, whatever it subscribed to (`ping`).
 * @returns The event id (`msg_…`, the `webhook-id`) and the deliveries created.
 */
export async function recordWebhookEvent<T extends WebhookMessageType>(
  trx: Executor,
  after: AfterCommit | null,
  tenant: Tenant,
  type: T,
  data: WebhookEventData<T>,
  options: { sessionId?: string | null; onlyEndpointId?: string } = {},
): Promise<{ eventId: string; deliveryIds: string[] }> {
  const payload = buildWebhookPayload({
    id: newId("msg"),
    type,
    createdAt: new Date(),
    workspaceId: tenant.workspaceId,
    environment: tenant.environment,
    data,
  });
  const { deliveryIds } = await insertWebhookEvent(trx, tenant, {
    payload,
    sessionId: options.sessionId ?? null,
    ...(options.onlyEndpointId ? { onlyEndpointId: options.onlyEndpointId } : {}),
  });
  if (deliveryIds.length > 0) after?.wake();
  return { eventId: payload.id, deliveryIds };
}

/** The `data` of a `session.*` event. */
export function sessionWebhookData(session: Session): WebhookEventData<"session.created"> {
  return {
    object: "session",
    id: session.id,
    status: session.status,
    result: session.result,
    workflow_id: session.workflowId,
    reference_id: session.referenceId,
    metadata: session.metadata,
    tags: [...session.tags],
    created_at: session.createdAt.toISOString(),
    submitted_at: session.submittedAt?.toISOString() ?? null,
    completed_at: session.completedAt?.toISOString() ?? null,
    expires_at: session.expiresAt?.toISOString() ?? null,
  };
}

/** The `data` of a `workflow_run.*` / `workspace_workflow_run.*` event. */
export function runWebhookData(run: Run): WebhookEventData<"workflow_run.started"> {
  return {
    object: "workflow_run",
    id: run.id,
    session_id: run.sessionId,
    workflow_id: run.workflowId,
    workflow_version: run.workflowVersion,
    status: run.status,
    final_status: run.finalStatus,
    error_message: run.errorMessage,
    paused_at_node: run.pausedAtNode,
    total_cost_cents: run.totalCostCents,
    created_at: run.createdAt.toISOString(),
    started_at: run.startedAt?.toISOString() ?? null,
    completed_at: run.completedAt?.toISOString() ?? null,
  };
}

/** The `data` of a `response.*` event (the answers are not sent: fetch the response for them). */
export function responseWebhookData(response: DdqResponse): WebhookEventData<"response.sent"> {
  return {
    object: "response",
    id: response.id,
    name: response.name,
    status: response.status,
    entity_id: response.entityId,
    questionnaire_id: response.questionnaireId,
    questionnaire_version: response.questionnaireVersion,
    workflow_session_id: response.workflowSessionId,
    created_at: response.createdAt.toISOString(),
    sent_at: response.sentAt?.toISOString() ?? null,
    submitted_at: response.submittedAt?.toISOString() ?? null,
  };
}

const sessionEventOfStatus: Partial<Record<Session["status"], SessionWebhookEventType>> = {
  created: "session.created",
  submitted: "session.submitted",
  awaiting_external: "session.awaiting_external",
  completed: "session.completed",
  failed: "session.failed",
  expired: "session.expired",
};

/**
 * Records the `session.<status>` event of a session whose status just changed in `trx` (nothing for
 * statuses outside the catalogue: `in_progress`, `processing`). Call it after the status update. `type`
 * names the event when the status alone does not (a submitted session goes straight on to `processing`:
 * `session.submitted`; a change that is not a status of its own: `session.updated`, `session.resumed`,
 * `session.reprocessed`).
 */
export async function recordSessionWebhookEvent(
  trx: Executor,
  after: AfterCommit | null,
  sessionOrId: Session | string,
  type?: SessionWebhookEventType,
): Promise<void> {
  const session = typeof sessionOrId === "string" ? await findSessionById(trx, sessionOrId) : sessionOrId;
  if (!session) return;
  type ??= sessionEventOfStatus[session.status];
  // Without an enabled endpoint nothing is stored (asked once per transaction: a step's run events ask too).
  if (!type || !(await hasEndpointIn(trx, after, session))) return;
  await recordWebhookEvent(trx, after, session, type, sessionWebhookData(session), { sessionId: session.id });
}

/**
 * Records the `workflow_run.*` events for the run events just appended in `trx` to the run `changed` (any
 * version of it: it is read again, after the change; call this after the run row was updated): `run.started`, `run.paused`, `run.completed`, `run.failed`, `run.cancelled`. A run
 * without a session (a workspace workflow) records `workspace_workflow_run.completed` / `.failed`
 * instead, and nothing for its other changes.
 */
export async function recordRunWebhookEvents(
  trx: Executor,
  after: AfterCommit | null,
  changed: Pick<Run, "id" | "workspaceId" | "environment">,
  events: readonly (NewRunEvent | RunEvent)[],
): Promise<void> {
  const types = events.map((e) => e.type).filter((t) => t in runEventWebhookType);
  // Most steps append no lifecycle event, and most workspaces have no endpoint: neither costs a read.
  if (types.length === 0 || !(await hasEndpointIn(trx, after, changed))) return;
  const run = await findRunById(trx, changed.id);
  if (!run) return;
  const data = runWebhookData(run);
  for (const type of types) {
    const mapped = runEventWebhookType[type as keyof typeof runEventWebhookType];
    const webhookType = run.sessionId ? mapped.session : mapped.workspace;
    if (webhookType)
      await recordWebhookEvent(trx, after, run, webhookType, data, { sessionId: run.sessionId });
  }
}

/**
 * Whether the tenant has an enabled webhook endpoint, looked up once per transaction (a step records
 * several events; most workspaces have no endpoint). Without `after` (no transaction to key by) it is
 * looked up each time.
 */
async function hasEndpointIn(trx: Executor, after: AfterCommit | null, tenant: Tenant): Promise<boolean> {
  if (!after) return hasEnabledWebhookEndpoint(trx, tenant);
  let known = endpointsOfTransaction.get(after);
  if (!known) {
    known = new Map();
    endpointsOfTransaction.set(after, known);
  }
  const key = tenantKey(tenant);
  let has = known.get(key);
  if (has === undefined) {
    has = await hasEnabledWebhookEndpoint(trx, tenant);
    known.set(key, has);
  }
  return has;
}

/**
 * Tells the transaction's webhook events whether the tenant has an enabled endpoint, as a statement of the
 * transaction read it along with its own work (`enabledWebhookEndpointOf`), so that no event of the
 * transaction looks it up in a round trip of its own.
 *
 * @param after - The transaction's after-commit effects, which key its answers.
 * @param tenant - The tenant the statement read it for.
 * @param has - Whether it has one.
 */
export function noteEnabledWebhookEndpoint(after: AfterCommit, tenant: Tenant, has: boolean): void {
  let known = endpointsOfTransaction.get(after);
  if (!known) {
    known = new Map();
    endpointsOfTransaction.set(after, known);
  }
  known.set(tenantKey(tenant), has);
}

/** {@link hasEndpointIn}'s answers, per transaction (its after-commit effects) and tenant. */
const endpointsOfTransaction = new WeakMap<AfterCommit, Map<string, boolean>>();

const runEventWebhookType = {
  "run.started": { session: "workflow_run.started", workspace: null },
  "run.paused": { session: "workflow_run.paused", workspace: null },
  "run.completed": { session: "workflow_run.completed", workspace: "workspace_workflow_run.completed" },
  "run.failed": { session: "workflow_run.failed", workspace: "workspace_workflow_run.failed" },
  "run.cancelled": { session: "workflow_run.cancelled", workspace: null },
} as const;

const responseEventTypes = new Set([
  "response.sent",
  "response.submitted",
  "response.approved",
  "response.rejected",
]);

/**
 * Records the webhook event of a response event just written in `trx` (`response.sent`, `.submitted`
 * (also for `response.resubmitted`), `.approved`, `.rejected`; other response events have none;
 * `response.autofill_completed` is recorded by the autofill job with its own data). Pass the response as it is after the change.
 */
export async function recordResponseWebhookEvent(
  trx: Executor,
  after: AfterCommit | null,
  response: DdqResponse,
  type: string,
): Promise<void> {
  // A resubmission (after changes were requested) is a submission to integrators.
  const webhookType = type === "response.resubmitted" ? "response.submitted" : type;
  if (!responseEventTypes.has(webhookType)) return;
  await recordWebhookEvent(
    trx,
    after,
    response,
    webhookType as "response.sent",
    responseWebhookData(response),
  );
}
