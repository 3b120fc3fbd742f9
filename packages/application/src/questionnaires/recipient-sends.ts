import { randomBytes } from "node:crypto";
import {
  claimHourlyEmail,
  deleteKeyedJob,
  type EmailSendRow,
  type Executor,
  enqueueKeyedJob,
  findEntity,
  findQuestionnaire,
  findQuestionnaireVersion,
  findRecipientSendsByIds,
  findRun,
  findWorkspace,
  insertEmailSend,
  insertEntity,
  insertRecipientSend,
  insertResponse,
  insertResponseEvent,
  insertSession,
  releaseKeyedJob,
  updateResponse,
} from "@flowgate/db";
import {
  applyResponseAction,
  assertVerificationEntity,
  ConflictError,
  creditPrices,
  type DdqResponse,
  defaultLinkExpiryHours,
  defaultResponseName,
  EmailDeliveryError,
  EmailHourlyCapError,
  type Entity,
  entityDisplayName,
  generateLinkToken,
  hashLinkToken,
  initialSteps,
  isFinalRunStatus,
  NotFoundError,
  newId,
  planRecipientSend,
  planSendResponse,
  type Questionnaire,
  type RecipientSend,
  type RecipientSendInput,
  type RecipientStep,
  type Session,
  sendIdempotencyKey,
  sendsAreCharged,
  type Tenant,
  ValidationError,
  type VerificationChecks,
} from "@flowgate/domain";
import {
  type AfterCommit,
  inTransaction,
  recordSessionWebhookEvent,
  signalQuestionnaireRun,
} from "@flowgate/engine";
import { requireScope } from "../access.ts";
import type { Actor } from "../actor.ts";
import { type Application, type ApplicationDeps, applicationDeps } from "../application.ts";
import { alignByKey } from "../batch.ts";
import { reserveCredits } from "./credits.ts";
import { lockResponse } from "./responses.ts";
import { awaitEmailSend, deliverEmail, emailJobKey, sealLinkToken } from "./send-jobs.ts";

/** Holds the jobs of emails this process delivers inline (see `SendOptions.inline`). */
const inlineHolder = `inline-${randomBytes(6).toString("hex")}`;

/** The answer of `sendWorkflow` and `sendResponse`: seed 003's Workflow Response object. */
export interface RecipientSendResult {
  /** The recipient send created; null on the prefill path. */
  workflowSessionId: string | null;
  /**
   * `sent` (email dispatched, credits charged), `prefill_ready` (send later with sendResponse), or `queued`
   * (the email job did not finish within the wait; it goes on, and charges when the email is sent).
   */
  status: "sent" | "prefill_ready" | "queued";
  /** Whether the recipient email was dispatched in this request. */
  emailSent: boolean;
  entityId: string;
  entityName: string;
  /** The response created; null without a DDQ block. */
  responseId: string | null;
  /** The verification session created; null without verification or on the prefill path. */
  verificationSessionId: string | null;
  steps: RecipientStep[];
  /** When the magic link expires; null on the prefill path. */
  expiresAt: Date | null;
  /** Credits charged by this request (0 on the prefill path and in the sandbox). */
  creditsCharged: number;
}

/** Records created in the first transaction of a send, before the email goes out. */
interface PreparedSend {
  entity: Entity;
  response: DdqResponse | null;
  questionnaire: Questionnaire | null;
  verificationSession: Session | null;
  link: RecipientSend;
  /** The `email_sends` row (`snd_…`) of its durable email job. */
  emailSendId: string;
}

async function linkExpiryDefault(trx: Executor, tenant: Tenant): Promise<number> {
  const workspace = await findWorkspace(trx, tenant.workspaceId);
  return workspace?.settings.defaultLinkExpiryHours ?? defaultLinkExpiryHours;
}

async function createVerificationSession(
  trx: Executor,
  actor: Actor,
  entity: Entity,
  checks: VerificationChecks,
): Promise<Session> {
  const session = await insertSession(trx, actor, {
    id: newId("ses"),
    workflowId: null,
    referenceId: entity.id,
    metadata: { entityId: entity.id, checks, requestedBy: "workflow_send" },
    sandbox: null,
  });
  await recordSessionWebhookEvent(trx, null, session);
  return session;
}

/**
 * Issues the magic link of a send and queues its email as a durable job, inside the send's transaction:
 * counts the email against the workspace's hourly cap, creates the link (only the token's hash is stored),
 * reserves its credit (live only, expiring for the sweeper), and records the `email_sends` row with the
 * token sealed under the server key, plus its `email.send` job. See `send-jobs.ts` for what the job does.
 *
 * @throws EmailHourlyCapError when the workspace reached its hourly cap, InsufficientCreditsError.
 */
async function issueLink(
  trx: Executor,
  after: AfterCommit,
  deps: ApplicationDeps,
  actor: Actor,
  input: {
    kind: "send_workflow" | "send_response";
    entity: Entity;
    response: DdqResponse | null;
    verificationSession: Session | null;
    email: string;
    steps: RecipientStep[];
    expiryHours: number;
    revert: Record<string, unknown>;
  },
): Promise<{ link: RecipientSend; emailSendId: string }> {
  const now = new Date();
  const cap = deps.sends.emailsPerWorkspaceHour;
  const counted = await claimHourlyEmail(trx, { workspaceId: actor.workspaceId, at: now, cap });
  if (!counted.ok) {
    const nextHour = (Math.floor(now.getTime() / 3_600_000) + 1) * 3_600_000;
    throw new EmailHourlyCapError(cap, Math.ceil((nextHour - now.getTime()) / 1000));
  }
  const token = generateLinkToken();
  const link = await insertRecipientSend(trx, actor, {
    id: newId("wfs"),
    entityId: input.entity.id,
    responseId: input.response?.id ?? null,
    verificationSessionId: input.verificationSession?.id ?? null,
    email: input.email,
    tokenHash: hashLinkToken(token),
    steps: initialSteps(input.steps),
    expiresAt: new Date(now.getTime() + input.expiryHours * 3_600_000),
    createdBy: actor.keyId,
  });
  const reservationKey = sendsAreCharged(actor.environment) ? sendIdempotencyKey(link.id) : null;
  if (reservationKey) {
    await reserveCredits(trx, actor, {
      amount: creditPrices.send_ddq,
      idempotencyKey: reservationKey,
      referenceId: link.id,
      expiresAt: new Date(now.getTime() + deps.sends.reservationTtlMs),
    });
  }
  const emailSendId = newId("snd");
  await insertEmailSend(trx, actor, {
    id: emailSendId,
    kind: input.kind,
    workflowSessionId: link.id,
    entityId: input.entity.id,
    responseId: input.response?.id ?? null,
    verificationSessionId: input.verificationSession?.id ?? null,
    messageId: emailSendId,
    sealedToken: sealLinkToken(deps.secrets, token),
    reservationKey,
    revert: input.revert,
    actor: actor.keyId,
  });
  const { inline, inlineLeaseMs } = deps.sends;
  await enqueueKeyedJob(trx, {
    key: emailJobKey(emailSendId),
    kind: "email.send",
    payload: { emailSendId },
    ...(inline ? { heldBy: { holder: inlineHolder, leaseMs: inlineLeaseMs } } : {}),
  });
  if (!inline) after.wake();
  return { link, emailSendId };
}

function sentResult(prepared: PreparedSend, creditsCharged: number | null): RecipientSendResult {
  return {
    workflowSessionId: prepared.link.id,
    status: creditsCharged === null ? "queued" : "sent",
    emailSent: creditsCharged !== null,
    entityId: prepared.entity.id,
    entityName: entityDisplayName(prepared.entity),
    responseId: prepared.response?.id ?? null,
    verificationSessionId: prepared.verificationSession?.id ?? null,
    steps: prepared.link.steps.map((step) => step.kind),
    expiresAt: prepared.link.expiresAt,
    creditsCharged: creditsCharged ?? 0,
  };
}

/**
 * Delivers a send's email inline (its job is held by this process; a worker takes it over only if this
 * process dies), or waits for a worker to (`waitMs`), and answers as seed 003's synchronous send does:
 * the result once the email is sent and charged; an {@link EmailDeliveryError} (built by `failure`) once
 * it failed and its records were undone; `queued` when it is still pending (the job goes on).
 */
async function finishSend(
  deps: ApplicationDeps,
  prepared: PreparedSend,
  failure: (row: EmailSendRow) => EmailDeliveryError,
): Promise<RecipientSendResult> {
  if (deps.sends.inline) {
    const key = emailJobKey(prepared.emailSendId);
    try {
      await deliverEmail(deps, prepared.emailSendId);
      await deleteKeyedJob(deps.db, key, inlineHolder);
    } catch (error) {
      // Hand the job to the workers at once; if even that fails, its lease runs out and one claims it.
      const reason = error instanceof Error ? error.message : String(error);
      await releaseKeyedJob(deps.db, key, inlineHolder, reason).catch(() => {});
      deps.wake();
    }
  }
  const row = await awaitEmailSend(deps, prepared.emailSendId, deps.sends.waitMs);
  if (row === null) return sentResult(prepared, null);
  if (row.status === "failed") throw failure(row);
  return sentResult(prepared, row.credits_charged);
}

/** Checks that a run can wait for a response of the questionnaire (it has a questionnaire node for it). */
async function checkRunLink(
  trx: Executor,
  actor: Actor,
  runId: string,
  questionnaireId: string,
): Promise<void> {
  const run = await findRun(trx, actor, runId);
  if (!run) throw new NotFoundError("Run", runId);
  if (isFinalRunStatus(run.status)) {
    throw new ConflictError(
      `Run ${run.id} is ${run.status}; it no longer waits for a questionnaire`,
      run.status,
    );
  }
  const waits = run.graphSnapshot.nodes.some(
    (node) => node.type === "questionnaire" && node.questionnaire === questionnaireId,
  );
  if (!waits) {
    throw new ValidationError("Invalid workflow send", [
      {
        path: ["ddq", "runId"],
        message: `run ${run.id} has no questionnaire node for questionnaire ${questionnaireId}`,
      },
    ]);
  }
}

/**
 * Sends a DDQ and/or an identity verification request to an entity: a recipient send (seed 003's
 * `POST /workflows/send/`, GraphQL `sendWorkflow`). Needs `responses:write`.
 *
 * Direct path: creates the entity (inline) or uses the existing one, a DRAFT response and/or a verification
 * session, a recipient send with a magic link, reserves one `send_ddq` credit (live only), emails the
 * link, then charges the credit. When the email fails, the response (and the session and link of the
 * request) are deleted, the reservation is released, the entity is kept, and an {@link EmailDeliveryError}
 * is thrown: the call can be retried. Prefill path (`ddq.prefill`): creates only a PREFILL response that
 * stores the verification checks; no email, no charge.
 *
 * @throws ValidationError for every rule of the request (see `planSendWorkflow`), NotFoundError for an
 * entity or questionnaire that is not the caller's, InsufficientCreditsError before any email,
 * EmailDeliveryError when the email could not be sent.
 */
export async function sendToRecipient(
  app: Application,
  actor: Actor,
  input: RecipientSendInput,
): Promise<RecipientSendResult> {
  requireScope(actor, "responses:write");
  const deps = applicationDeps(app);
  const plan = planRecipientSend(input, { expiryHours: await linkExpiryDefault(deps.db, actor) });
  const prepared = await inTransaction(deps, async (trx, after) => {
    let entity: Entity;
    if (plan.entity.kind === "existing") {
      const found = await findEntity(trx, actor, plan.entity.id);
      if (!found) throw new NotFoundError("Entity", plan.entity.id);
      if (plan.verification) assertVerificationEntity(found.entityType);
      entity = found;
    } else {
      entity = await insertEntity(trx, actor, { id: newId("ent"), fields: plan.entity.fields });
    }
    let questionnaire: Questionnaire | null = null;
    let response: DdqResponse | null = null;
    if (plan.ddq) {
      questionnaire = (await findQuestionnaire(trx, actor, plan.ddq.questionnaireId)) ?? null;
      if (!questionnaire) throw new NotFoundError("Questionnaire", plan.ddq.questionnaireId);
      const version = await findQuestionnaireVersion(trx, questionnaire.id, questionnaire.currentVersion);
      if (!version) throw new Error(`Questionnaire ${questionnaire.id} has no current version`);
      if (plan.ddq.runId) await checkRunLink(trx, actor, plan.ddq.runId, questionnaire.id);
      const status = plan.prefill ? "PREFILL" : "DRAFT";
      response = await insertResponse(trx, actor, {
        id: newId("rsp"),
        name: plan.ddq.responseName ?? defaultResponseName(entityDisplayName(entity), questionnaire.name),
        entityId: entity.id,
        questionnaireId: questionnaire.id,
        questionnaireVersion: version.version,
        status,
        pendingVerification: plan.prefill ? plan.verification : null,
        runId: plan.ddq.runId,
        createdBy: actor.keyId,
      });
      await insertResponseEvent(trx, {
        id: newId("rse"),
        responseId: response.id,
        type: "response.created",
        fromStatus: null,
        toStatus: status,
        actor: actor.keyId,
        data: { prefill: plan.prefill },
      });
    }
    if (plan.prefill) return { kind: "prefill" as const, entity, response: response! };

    const verificationSession = plan.verification
      ? await createVerificationSession(trx, actor, entity, plan.verification)
      : null;
    const { link, emailSendId } = await issueLink(trx, after, deps, actor, {
      kind: "send_workflow",
      entity,
      response,
      verificationSession,
      email: plan.email!,
      steps: plan.steps,
      expiryHours: plan.expiryHours,
      revert: {},
    });
    if (response) response = await updateResponse(trx, response.id, { workflowSessionId: link.id });
    // A run waiting for this response gets (or moves) its link-expiry timer.
    if (response?.runId) await signalQuestionnaireRun(trx, after, response.runId);
    return {
      kind: "send" as const,
      prepared: { entity, response, questionnaire, verificationSession, link, emailSendId },
    };
  });

  if (prepared.kind === "prefill") {
    return {
      workflowSessionId: null,
      status: "prefill_ready",
      emailSent: false,
      entityId: prepared.entity.id,
      entityName: entityDisplayName(prepared.entity),
      responseId: prepared.response.id,
      verificationSessionId: null,
      steps: plan.steps,
      expiresAt: null,
      creditsCharged: 0,
    };
  }

  const send = prepared.prepared;
  return finishSend(deps, send, (row) => {
    const failure = row.failure ?? "unknown";
    return new EmailDeliveryError(
      `Email dispatch failed: ${failure}. ${
        send.response ? "The questionnaire response was deleted and no" : "No"
      } credits were charged; the entity ${send.entity.id} was kept. You may retry the request (pass entityId to reuse the entity).`,
      { entityId: send.entity.id, responseId: null, reason: failure },
    );
  });
}

/**
 * Sends a PREFILL response (seed 003's `POST /responses/{id}/send/`): moves it to DRAFT, clears its
 * autofill annotations and AI analysis (answers are kept), creates the verification session stored at
 * prefill, issues the magic link, reserves one credit (live only), emails the link — to `email`, else the
 * entity's — and charges the credit. When the email fails, the response goes back to PREFILL with its
 * annotations, the link and session are deleted, nothing is charged, and an {@link EmailDeliveryError} is
 * thrown: the call can be retried. Needs `responses:write`.
 *
 * @throws NotFoundError, ConflictError (not PREFILL), ValidationError (no email available, bad expiry),
 * InsufficientCreditsError, EmailDeliveryError.
 */
export async function sendResponse(
  app: Application,
  actor: Actor,
  input: { responseId: string; email?: string | null | undefined; expiryHours?: number | null | undefined },
): Promise<RecipientSendResult> {
  requireScope(actor, "responses:write");
  const deps = applicationDeps(app);
  const expiryDefault = await linkExpiryDefault(deps.db, actor);
  const send = await inTransaction(deps, async (trx, after) => {
    const response = await lockResponse(trx, actor, input.responseId);
    if (response.status !== "PREFILL") {
      throw new ConflictError(
        `Response ${response.id} is ${response.status}; only a PREFILL response can be sent`,
        response.status,
      );
    }
    const entity = await findEntity(trx, actor, response.entityId);
    if (!entity) throw new NotFoundError("Entity", response.entityId);
    const plan = planSendResponse(input, { entityEmail: entity.email, expiryHours: expiryDefault });
    const questionnaire = (await findQuestionnaire(trx, actor, response.questionnaireId)) ?? null;
    const checks = response.pendingVerification;
    const verificationSession = checks ? await createVerificationSession(trx, actor, entity, checks) : null;
    const steps: RecipientStep[] = checks ? ["ddq", "verification"] : ["ddq"];
    const { link, emailSendId } = await issueLink(trx, after, deps, actor, {
      kind: "send_response",
      entity,
      response,
      verificationSession,
      email: plan.email,
      steps,
      expiryHours: plan.expiryHours,
      // What a failed email puts back on the response.
      revert: { answerSources: response.answerSources, aiAnalysis: response.aiAnalysis },
    });
    const sent = await updateResponse(trx, response.id, {
      status: applyResponseAction(response.status, "send"),
      workflowSessionId: link.id,
      answerSources: {},
      aiAnalysis: null,
    });
    // A run waiting for this response gets (or moves) its link-expiry timer.
    if (sent.runId) await signalQuestionnaireRun(trx, after, sent.runId);
    return { entity, response: sent, questionnaire, verificationSession, link, emailSendId };
  });

  const responseId = input.responseId;
  return finishSend(deps, send, (row) => {
    const failure = row.failure ?? "unknown";
    return new EmailDeliveryError(
      `Email dispatch failed: ${failure}. The response ${responseId} was reverted to PREFILL and no credits were charged. You may retry.`,
      { entityId: send.entity.id, responseId, reason: failure },
    );
  });
}

/**
 * Recipient sends by id, in the order asked (`undefined` for those that are not the caller's). Needs
 * `responses:read`.
 *
 * @param app - The application.
 * @param actor - The caller.
 * @param ids - Recipient send ids (`wfs_…`).
 */
export async function getRecipientSendsByIds(
  app: Application,
  actor: Actor,
  ids: readonly string[],
): Promise<(RecipientSend | undefined)[]> {
  requireScope(actor, "responses:read");
  const { db } = applicationDeps(app);
  return alignByKey(ids, await findRecipientSendsByIds(db, actor, ids), (send) => send.id);
}
