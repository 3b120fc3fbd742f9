import { timingSafeEqual } from "node:crypto";
import {
  countActiveInboundTriggers,
  type Executor,
  findInboundTrigger,
  findInboundTriggerByToken,
  findInboundTriggerMessageRun,
  findInboundTriggersByIds,
  findRunById,
  findWorkflow,
  findWorkflowPayloadSchema,
  insertInboundTrigger,
  insertInboundTriggerMessage,
  listInboundTriggers as listInboundTriggerRows,
  revokeInboundTriggerRow,
  setInboundTriggerCredential,
  setInboundTriggerMessageRun,
  touchInboundTrigger,
} from "@flowgate/db";
import {
  ConflictError,
  generateInboundBearerToken,
  generateInboundTriggerToken,
  generateWebhookSecret,
  hashInboundBearerToken,
  InboundAuthenticationError,
  type InboundTrigger,
  type InboundTriggerAuth,
  NotFoundError,
  newId,
  type Run,
  type Tenant,
  ValidationError,
  validatePayload,
} from "@flowgate/domain";
import { inTransaction, startRun } from "@flowgate/engine";
import { Webhook, WebhookVerificationError } from "standardwebhooks";
import { requireScope } from "../access.ts";
import type { Actor } from "../actor.ts";
import { type Application, applicationDeps } from "../application.ts";
import { alignByKey, groupByKey } from "../batch.ts";
import { maxTriggerPayloadBytes } from "../task-workflows/task-workflows.ts";

/** Most active inbound triggers one workflow may have. */
export const maxInboundTriggersPerWorkflow = 20;

/** Longest `webhook-id` accepted, in characters. */
export const maxInboundMessageIdLength = 200;

/** An inbound trigger with its URL and credential, which is shown only in this answer. */
export interface InboundTriggerWithSecret {
  trigger: InboundTrigger;
  /** Where senders POST: `<public URL>/hooks/<token>`. */
  url: string;
  /**
   * A `signature` trigger's `whsec_…` signing secret, or a `bearer` trigger's `fgh_…` token: store it now;
   * it is never shown again (the secret is stored encrypted, the token only as its SHA-256).
   */
  secret: string;
}

/**
 * Creates an inbound trigger of a workspace workflow (of the caller's workspace and environment): a URL
 * `POST /hooks/<token>` that starts a run with the JSON body as its payload, authenticated by a Standard
 * Webhooks signature (`signature`, with the returned `whsec_…` secret) or `Authorization: Bearer`
 * (`bearer`, with the returned `fgh_…` token). The secret is returned only now. Needs `workflows:write`.
 *
 * @throws NotFoundError for a workflow that is not the caller's; ValidationError naming `workflowId` when
 *   the workflow has the most triggers allowed.
 */
export async function createInboundTrigger(
  app: Application,
  actor: Actor,
  input: { workflowId: string; auth: InboundTriggerAuth },
): Promise<InboundTriggerWithSecret> {
  requireScope(actor, "workflows:write");
  const deps = applicationDeps(app);
  return inTransaction(deps, async (trx) => {
    const workflow = await findWorkflow(trx, actor, input.workflowId);
    if (!workflow) throw new NotFoundError("Workflow", input.workflowId);
    if ((await countActiveInboundTriggers(trx, workflow.id)) >= maxInboundTriggersPerWorkflow) {
      throw new ValidationError("Invalid inbound trigger", [
        {
          path: ["workflowId"],
          message: `workflow ${workflow.id} already has ${maxInboundTriggersPerWorkflow} active inbound triggers (the most allowed)`,
        },
      ]);
    }
    const credential = newCredential(deps.secrets, input.auth);
    const trigger = await insertInboundTrigger(trx, actor, {
      id: newId("hok"),
      workflowId: workflow.id,
      token: generateInboundTriggerToken(),
      auth: input.auth,
      secretEncrypted: credential.secretEncrypted,
      tokenHash: credential.tokenHash,
      createdBy: actor.keyId,
    });
    return { trigger, url: inboundTriggerUrl(app, trigger), secret: credential.secret };
  });
}

/**
 * Replaces an inbound trigger's secret (or bearer token) with a new one, returned only now; the old one
 * stops working at once. The URL stays. Needs `workflows:write`.
 *
 * @throws NotFoundError for a trigger that is not the caller's or was revoked.
 */
export async function rotateInboundTriggerSecret(
  app: Application,
  actor: Actor,
  input: { id: string },
): Promise<InboundTriggerWithSecret> {
  requireScope(actor, "workflows:write");
  const deps = applicationDeps(app);
  return inTransaction(deps, async (trx) => {
    const trigger = await requireTrigger(trx, actor, input.id);
    if (trigger.status === "revoked") throw new NotFoundError("InboundTrigger", input.id);
    const credential = newCredential(deps.secrets, trigger.auth);
    const updated = await setInboundTriggerCredential(trx, trigger.id, credential);
    return { trigger: updated, url: inboundTriggerUrl(app, updated), secret: credential.secret };
  });
}

/**
 * Revokes an inbound trigger: its URL answers 404 from now on. Revoking a revoked trigger changes
 * nothing. Needs `workflows:write`.
 */
export async function revokeInboundTrigger(
  app: Application,
  actor: Actor,
  input: { id: string },
): Promise<InboundTrigger> {
  requireScope(actor, "workflows:write");
  const deps = applicationDeps(app);
  return inTransaction(deps, async (trx) => {
    const trigger = await requireTrigger(trx, actor, input.id);
    if (trigger.status === "revoked") return trigger;
    return revokeInboundTriggerRow(trx, trigger.id, deps.clock());
  });
}

/** The caller's inbound triggers, of one workflow or all, oldest first (at most 500). Needs `workflows:read`. */
export async function listInboundTriggers(
  app: Application,
  actor: Actor,
  filter: { workflowId?: string | null | undefined; includeRevoked?: boolean | null | undefined } = {},
): Promise<InboundTrigger[]> {
  requireScope(actor, "workflows:read");
  return listInboundTriggerRows(applicationDeps(app).db, actor, {
    workflowIds: filter.workflowId != null ? [filter.workflowId] : undefined,
    includeRevoked: filter.includeRevoked ?? false,
    limit: 500,
  });
}

/** The active inbound triggers of each workflow, aligned with `workflowIds`. Needs `workflows:read`. */
export async function getInboundTriggersOfWorkflows(
  app: Application,
  actor: Actor,
  workflowIds: readonly string[],
): Promise<InboundTrigger[][]> {
  requireScope(actor, "workflows:read");
  const rows = await listInboundTriggerRows(applicationDeps(app).db, actor, {
    workflowIds,
    limit: workflowIds.length * maxInboundTriggersPerWorkflow,
  });
  return groupByKey(workflowIds, rows, (row) => row.workflowId);
}

/** Inbound triggers by id, aligned with `ids` (`undefined` where not the caller's). Needs `workflows:read`. */
export async function getInboundTriggersByIds(
  app: Application,
  actor: Actor,
  ids: readonly string[],
): Promise<(InboundTrigger | undefined)[]> {
  requireScope(actor, "workflows:read");
  const rows = await findInboundTriggersByIds(applicationDeps(app).db, actor, ids);
  return alignByKey(ids, rows, (row) => row.id);
}

/** The URL senders POST to for a trigger. */
export function inboundTriggerUrl(app: Application, trigger: Pick<InboundTrigger, "token">): string {
  return `${applicationDeps(app).linkBaseUrl.replace(/\/+$/, "")}/hooks/${trigger.token}`;
}

/** A POST to an inbound trigger URL, as the adapter received it. */
export interface InboundTriggerRequest {
  /** The token of the URL path. */
  token: string;
  /** The request headers (names in any case). */
  headers: Record<string, string>;
  /** The body exactly as received (signatures sign these bytes). */
  body: string;
}

/** What a POST to an inbound trigger did. */
export interface InboundTriggerOutcome {
  /** The run it started, or (a replay) the run the same `webhook-id` started before. */
  run: Run;
  /** Whether the `webhook-id` was seen before, so no new run started. */
  replayed: boolean;
  /** The trigger's id (`hok_…`), the run's `triggeredBy`. */
  triggerId: string;
}

/**
 * Receives a POST to an inbound trigger URL (no API key: the trigger's credential authenticates it). It
 * checks the Standard Webhooks signature (`webhook-id`, `webhook-timestamp`, `webhook-signature`, the
 * timestamp within five minutes) or the bearer token, reads the body as a JSON object and validates it
 * against the workflow's payload schema, and starts a run with it as the payload, `triggeredBy` the
 * trigger's id. A `webhook-id` (required with signatures, optional with bearer tokens) is remembered: the
 * same id again answers the run it started (`replayed`), however often and concurrently it is sent.
 *
 * @throws NotFoundError for an unknown or revoked token; InboundAuthenticationError for a bad credential;
 *   ValidationError naming `payload` or `payload.<field>` (or `webhook-id`); ConflictError when the
 *   workflow is inactive.
 */
export async function receiveInboundTrigger(
  app: Application,
  request: InboundTriggerRequest,
): Promise<InboundTriggerOutcome> {
  const deps = applicationDeps(app);
  const found = await findInboundTriggerByToken(deps.db, request.token);
  if (!found) throw new NotFoundError("InboundTrigger", "(token)");
  const headers = lowerCaseHeaders(request.headers);
  authenticate(deps.secrets.decrypt.bind(deps.secrets), found, headers, request.body);
  const trigger = found.trigger;
  const messageId = headers["webhook-id"] || null;
  if (messageId !== null && messageId.length > maxInboundMessageIdLength) {
    throw new ValidationError("Invalid webhook-id", [
      { path: ["webhook-id"], message: `must be at most ${maxInboundMessageIdLength} characters` },
    ]);
  }
  const payload = parsePayload(request.body);
  const tenant: Tenant = { workspaceId: trigger.workspaceId, environment: trigger.environment };
  return inTransaction(deps, async (trx, after) => {
    if (messageId !== null) {
      const replay = await replayedRun(trx, tenant, trigger.id, messageId);
      if (replay) return { run: replay, replayed: true, triggerId: trigger.id };
    }
    const workflow = await findWorkflow(trx, tenant, trigger.workflowId);
    if (!workflow) throw new NotFoundError("InboundTrigger", "(token)");
    if (workflow.status !== "active") {
      throw new ConflictError(`Workflow ${workflow.id} is inactive; activate it to trigger runs`, "inactive");
    }
    const schema = await findWorkflowPayloadSchema(trx, workflow.id);
    if (schema !== null) {
      const issues = validatePayload(schema, payload, ["payload"]);
      if (issues.length > 0) throw new ValidationError("Invalid payload", issues);
    }
    if (
      messageId !== null &&
      !(await insertInboundTriggerMessage(trx, { triggerId: trigger.id, messageId }))
    ) {
      // A concurrent twin committed first: answer its run.
      const replay = await replayedRun(trx, tenant, trigger.id, messageId);
      if (replay) return { run: replay, replayed: true, triggerId: trigger.id };
      throw new ConflictError(`webhook-id ${messageId} is being processed; retry shortly`, "in_progress");
    }
    const run = await startRun(trx, after, tenant, {
      workflow,
      session: null,
      triggerPayload: payload,
      triggeredBy: trigger.id,
      rolloutKey: messageId !== null ? `${trigger.id}:${messageId}` : null,
    });
    if (messageId !== null)
      await setInboundTriggerMessageRun(trx, { triggerId: trigger.id, messageId, runId: run.id });
    await touchInboundTrigger(trx, trigger.id, deps.clock());
    return { run, replayed: false, triggerId: trigger.id };
  });
}

async function replayedRun(trx: Executor, tenant: Tenant, triggerId: string, messageId: string) {
  const runId = await findInboundTriggerMessageRun(trx, triggerId, messageId);
  if (!runId) return undefined;
  const run = await findRunById(trx, runId);
  return run && run.workspaceId === tenant.workspaceId ? run : undefined;
}

function authenticate(
  decrypt: (ciphertext: string) => string,
  found: { trigger: InboundTrigger; secretEncrypted: string | null; tokenHash: string | null },
  headers: Record<string, string>,
  body: string,
): void {
  if (found.trigger.auth === "signature") {
    if (!found.secretEncrypted) throw new InboundAuthenticationError("The trigger has no signing secret");
    try {
      new Webhook(decrypt(found.secretEncrypted)).verify(body, headers);
    } catch (error) {
      if (error instanceof WebhookVerificationError) {
        throw new InboundAuthenticationError(`Bad Standard Webhooks signature: ${error.message}`);
      }
      // The signature held and the library could not parse the body as JSON: the payload check says so.
      if (error instanceof SyntaxError) return;
      throw error;
    }
    return;
  }
  const match = /^Bearer\s+(\S+)\s*$/i.exec(headers.authorization ?? "");
  if (!match?.[1] || !found.tokenHash) throw new InboundAuthenticationError("Missing bearer token");
  const given = Buffer.from(hashInboundBearerToken(match[1]), "hex");
  const expected = Buffer.from(found.tokenHash, "hex");
  if (given.length !== expected.length || !timingSafeEqual(given, expected)) {
    throw new InboundAuthenticationError("Wrong bearer token");
  }
}

function parsePayload(body: string): Record<string, unknown> {
  const size = Buffer.byteLength(body, "utf8");
  if (size > maxTriggerPayloadBytes) {
    throw new ValidationError("Invalid payload", [
      { path: ["payload"], message: `must be at most ${maxTriggerPayloadBytes} bytes of JSON (is ${size})` },
    ]);
  }
  let value: unknown;
  try {
    value = body.trim() === "" ? {} : JSON.parse(body);
  } catch {
    throw new ValidationError("Invalid payload", [{ path: ["payload"], message: "is not valid JSON" }]);
  }
  if (typeof value !== "object" || value === null || Array.isArray(value)) {
    throw new ValidationError("Invalid payload", [{ path: ["payload"], message: "must be a JSON object" }]);
  }
  return value as Record<string, unknown>;
}

function lowerCaseHeaders(headers: Record<string, string>): Record<string, string> {
  return Object.fromEntries(Object.entries(headers).map(([name, value]) => [name.toLowerCase(), value]));
}

function newCredential(
  secrets: { encrypt(plaintext: string): string },
  auth: InboundTriggerAuth,
): { secret: string; secretEncrypted: string | null; tokenHash: string | null } {
  if (auth === "signature") {
    const secret = generateWebhookSecret();
    return { secret, secretEncrypted: secrets.encrypt(secret), tokenHash: null };
  }
  const secret = generateInboundBearerToken();
  return { secret, secretEncrypted: null, tokenHash: hashInboundBearerToken(secret) };
}

async function requireTrigger(trx: Executor, actor: Actor, id: string): Promise<InboundTrigger> {
  const trigger = await findInboundTrigger(trx, actor, id, { forUpdate: true });
  if (!trigger) throw new NotFoundError("InboundTrigger", id);
  return trigger;
}
