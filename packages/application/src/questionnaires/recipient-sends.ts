import {
  deleteRecipientSend,
  deleteResponse,
  deleteVerificationSession,
  type Executor,
  findEntity,
  findQuestionnaire,
  findQuestionnaireVersion,
  findRecipientSendsByIds,
  findRun,
  findWorkspace,
  insertEntity,
  insertRecipientSend,
  insertResponse,
  insertResponseEvent,
  insertSession,
  updateRecipientSend,
  updateResponse,
} from "@flowgate/db";
import {
  type AnswerSources,
  applyResponseAction,
  assertVerificationEntity,
  ConflictError,
  creditPrices,
  type DdqResponse,
  defaultLinkExpiryHours,
  defaultResponseName,
  EmailDeliveryError,
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
  inTransaction,
  recipientLinkUrl,
  recordResponseWebhookEvent,
  recordSessionWebhookEvent,
  renderRecipientEmail,
  signalQuestionnaireRun,
} from "@flowgate/engine";
import { requireScope } from "../access.ts";
import type { Actor } from "../actor.ts";
import { type Application, type ApplicationDeps, applicationDeps } from "../application.ts";
import { alignByKey } from "../batch.ts";
import { releaseReservation, reserveCredits, settleReservation } from "./credits.ts";
import { lockResponse } from "./responses.ts";

/** The answer of `sendWorkflow` and `sendResponse`: seed 003's Workflow Response object. */
export interface RecipientSendResult {
  /** The recipient send created; null on the prefill path. */
  workflowSessionId: string | null;
  /** `sent` (email dispatched, credits charged) or `prefill_ready` (send later with sendResponse). */
  status: "sent" | "prefill_ready";
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
  token: string;
  charged: boolean;
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

/** Issues the magic link of a send (the token is returned once; only its hash is stored) and reserves its credit. */
async function issueLink(
  trx: Executor,
  actor: Actor,
  input: {
    entity: Entity;
    response: DdqResponse | null;
    verificationSession: Session | null;
    email: string;
    steps: RecipientStep[];
    expiryHours: number;
  },
): Promise<{ link: RecipientSend; token: string; charged: boolean }> {
  const token = generateLinkToken();
  const link = await insertRecipientSend(trx, actor, {
    id: newId("wfs"),
    entityId: input.entity.id,
    responseId: input.response?.id ?? null,
    verificationSessionId: input.verificationSession?.id ?? null,
    email: input.email,
    tokenHash: hashLinkToken(token),
    steps: initialSteps(input.steps),
    expiresAt: new Date(Date.now() + input.expiryHours * 3_600_000),
    createdBy: actor.keyId,
  });
  const charged = sendsAreCharged(actor.environment);
  if (charged) {
    await reserveCredits(trx, actor, {
      amount: creditPrices.send_ddq,
      idempotencyKey: sendIdempotencyKey(link.id),
      referenceId: link.id,
    });
  }
  return { link, token, charged };
}

/** Emails the link; returns the transport's error message when it fails. */
async function dispatch(deps: ApplicationDeps, actor: Actor, prepared: PreparedSend): Promise<string | null> {
  const linkUrl = recipientLinkUrl(deps.linkBaseUrl, prepared.token);
  const content = renderRecipientEmail({
    entityName: entityDisplayName(prepared.entity),
    steps: prepared.link.steps.map((step) => step.kind),
    questionnaireName: prepared.questionnaire?.name ?? null,
    linkUrl,
    expiresAt: prepared.link.expiresAt,
  });
  try {
    await deps.email.send({
      ...content,
      to: prepared.link.email,
      tenant: { workspaceId: actor.workspaceId, environment: actor.environment },
      workflowSessionId: prepared.link.id,
      linkUrl,
    });
    return null;
  } catch (error) {
    return error instanceof Error ? error.message : String(error);
  }
}

/**
 * Records a dispatched send: charges its reserved credit (exactly once: the charge carries the send's
 * idempotency key, so a retried settlement finds it) and marks the link and response sent. Retried a few
 * times, since the email has already gone out.
 */
async function recordSent(
  deps: ApplicationDeps,
  actor: Actor,
  prepared: PreparedSend,
  from: DdqResponse["status"] | null,
) {
  for (let attempt = 1; ; attempt++) {
    try {
      return await inTransaction(deps, async (trx, after) => {
        const now = new Date();
        const charge = prepared.charged
          ? await settleReservation(trx, actor, sendIdempotencyKey(prepared.link.id), {
              action: "send_ddq",
              note: prepared.response ? `Sent ${prepared.response.name}` : "Sent a verification request",
              actor: actor.keyId,
            })
          : undefined;
        await updateRecipientSend(trx, prepared.link.id, { emailSentAt: now });
        if (prepared.response) {
          const sent = await updateResponse(trx, prepared.response.id, { sentAt: now });
          await insertResponseEvent(trx, {
            id: newId("rse"),
            responseId: prepared.response.id,
            type: "response.sent",
            fromStatus: from,
            toStatus: "DRAFT",
            actor: actor.keyId,
            data: { workflowSessionId: prepared.link.id, email: prepared.link.email },
          });
          await recordResponseWebhookEvent(trx, after, sent, "response.sent");
        }
        return charge ? -charge.amount : 0;
      });
    } catch (error) {
      if (attempt >= 3) throw error;
      await new Promise((resolve) => setTimeout(resolve, 50 * attempt));
    }
  }
}

function sentResult(prepared: PreparedSend, creditsCharged: number): RecipientSendResult {
  return {
    workflowSessionId: prepared.link.id,
    status: "sent",
    emailSent: true,
    entityId: prepared.entity.id,
    entityName: entityDisplayName(prepared.entity),
    responseId: prepared.response?.id ?? null,
    verificationSessionId: prepared.verificationSession?.id ?? null,
    steps: prepared.link.steps.map((step) => step.kind),
    expiresAt: prepared.link.expiresAt,
    creditsCharged,
  };
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
    const { link, token, charged } = await issueLink(trx, actor, {
      entity,
      response,
      verificationSession,
      email: plan.email!,
      steps: plan.steps,
      expiryHours: plan.expiryHours,
    });
    if (response) response = await updateResponse(trx, response.id, { workflowSessionId: link.id });
    // A run waiting for this response gets (or moves) its link-expiry timer.
    if (response?.runId) await signalQuestionnaireRun(trx, after, response.runId);
    return {
      kind: "send" as const,
      prepared: { entity, response, questionnaire, verificationSession, link, token, charged },
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
  const failure = await dispatch(deps, actor, send);
  if (failure !== null) {
    await inTransaction(deps, async (trx) => {
      if (send.response) await deleteResponse(trx, send.response.id);
      await deleteRecipientSend(trx, send.link.id);
      if (send.verificationSession) await deleteVerificationSession(trx, send.verificationSession.id);
      if (send.charged) await releaseReservation(trx, actor, sendIdempotencyKey(send.link.id));
    });
    throw new EmailDeliveryError(
      `Email dispatch failed: ${failure}. ${
        send.response ? "The questionnaire response was deleted and no" : "No"
      } credits were charged; the entity ${send.entity.id} was kept. You may retry the request (pass entityId to reuse the entity).`,
      { entityId: send.entity.id, responseId: null, reason: failure },
    );
  }
  return sentResult(send, await recordSent(deps, actor, send, "DRAFT"));
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
  const { send, previous } = await inTransaction(deps, async (trx, after) => {
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
    const { link, token, charged } = await issueLink(trx, actor, {
      entity,
      response,
      verificationSession,
      email: plan.email,
      steps,
      expiryHours: plan.expiryHours,
    });
    const sent = await updateResponse(trx, response.id, {
      status: applyResponseAction(response.status, "send"),
      workflowSessionId: link.id,
      answerSources: {},
      aiAnalysis: null,
    });
    // A run waiting for this response gets (or moves) its link-expiry timer.
    if (sent.runId) await signalQuestionnaireRun(trx, after, sent.runId);
    return {
      send: { entity, response: sent, questionnaire, verificationSession, link, token, charged },
      previous: { answerSources: response.answerSources, aiAnalysis: response.aiAnalysis },
    };
  });

  const responseId = input.responseId;
  const failure = await dispatch(deps, actor, send);
  if (failure !== null) {
    await inTransaction(deps, async (trx) => {
      const response = await lockResponse(trx, actor, responseId);
      await updateResponse(trx, response.id, {
        status: applyResponseAction(response.status, "revert_send"),
        workflowSessionId: null,
        answerSources: previous.answerSources as AnswerSources,
        aiAnalysis: previous.aiAnalysis,
      });
      await deleteRecipientSend(trx, send.link.id);
      if (send.verificationSession) await deleteVerificationSession(trx, send.verificationSession.id);
      if (send.charged) await releaseReservation(trx, actor, sendIdempotencyKey(send.link.id));
      await insertResponseEvent(trx, {
        id: newId("rse"),
        responseId: response.id,
        type: "response.send_failed",
        fromStatus: "PREFILL",
        toStatus: "PREFILL",
        actor: actor.keyId,
        data: { reason: failure, email: send.link.email },
      });
    });
    throw new EmailDeliveryError(
      `Email dispatch failed: ${failure}. The response ${responseId} was reverted to PREFILL and no credits were charged. You may retry.`,
      { entityId: send.entity.id, responseId, reason: failure },
    );
  }
  return sentResult(send, await recordSent(deps, actor, send, "PREFILL"));
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
