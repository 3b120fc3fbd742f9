import {
  type Executor,
  findQuestionnaireVersion,
  findRecipientSend,
  findResponse,
  findResponsesByIds,
  insertResponseEvent,
  listResponseEvents,
  listResponses as listResponseRows,
  type PageRequest,
  type ResponseChange,
  updateRecipientSend,
  updateResponse,
} from "@flowgate/db";
import {
  type AnswerSources,
  allStepsCompleted,
  applyAnswerChanges,
  applyResponseAction,
  assertSubmittable,
  ConflictError,
  canEditAnswers,
  completeStep,
  type DdqResponse,
  NotFoundError,
  newId,
  type QuestionnaireDefinition,
  type ResponseAction,
  type ResponseEvent,
  type ResponseEventType,
  type ResponseStatus,
  type Tenant,
  ValidationError,
} from "@flowgate/domain";
import {
  type AfterCommit,
  inTransaction,
  recordResponseWebhookEvent,
  signalQuestionnaireRun,
} from "@flowgate/engine";
import { requireScope } from "../access.ts";
import type { Actor } from "../actor.ts";
import { type Application, applicationDeps } from "../application.ts";
import { alignByKey, groupByKey } from "../batch.ts";

/** Longest reviewer note. */
const maxNoteLength = 2000;

/** The event recorded for each status-changing action. */
export const responseActionEvents: Record<ResponseAction, ResponseEventType> = {
  send: "response.sent",
  revert_send: "response.send_failed",
  submit: "response.submitted",
  start_review: "response.review_started",
  request_changes: "response.changes_requested",
  resubmit: "response.resubmitted",
  mark_reviewed: "response.reviewed",
  approve: "response.approved",
  reject: "response.rejected",
};

/** Locks a response of the tenant, or throws NotFoundError. */
export async function lockResponse(trx: Executor, tenant: Tenant, id: string): Promise<DdqResponse> {
  const response = await findResponse(trx, tenant, id, { forUpdate: true });
  if (!response) throw new NotFoundError("Response", id);
  return response;
}

/** The questionnaire version a response answers. */
export async function responseDefinition(
  trx: Executor,
  response: DdqResponse,
): Promise<QuestionnaireDefinition> {
  const version = await findQuestionnaireVersion(
    trx,
    response.questionnaireId,
    response.questionnaireVersion,
  );
  if (!version) {
    throw new Error(
      `Questionnaire ${response.questionnaireId} has no version ${response.questionnaireVersion}`,
    );
  }
  return version.definition;
}

/**
 * Saves answers (the seed's `PUT /responses/{id}/save/`) inside the caller's transaction: each answer is
 * checked against its question; `null` clears one; an edited answer loses its autofill annotation.
 */
export async function saveAnswersIn(
  trx: Executor,
  response: DdqResponse,
  changes: Readonly<Record<string, unknown>>,
  actor: string,
): Promise<DdqResponse> {
  const definition = await responseDefinition(trx, response);
  const { answers, changed } = applyAnswerChanges(definition, response.answers, changes);
  const answerSources: AnswerSources = { ...response.answerSources };
  for (const questionId of changed) delete answerSources[questionId];
  const saved = await updateResponse(trx, response.id, { answers, answerSources });
  await insertResponseEvent(trx, {
    id: newId("rse"),
    responseId: response.id,
    type: "response.saved",
    fromStatus: response.status,
    toStatus: response.status,
    actor,
    data: { questionIds: changed },
  });
  return saved;
}

/**
 * Applies a status action inside the caller's transaction: checks the transition table, validates the
 * answers when the action submits, records the event with who and when, completes the recipient send's
 * `ddq` step on (re)submission and resumes a run waiting for the response.
 */
export async function transitionIn(
  trx: Executor,
  after: AfterCommit,
  response: DdqResponse,
  action: ResponseAction,
  actor: string,
  data: Record<string, unknown> = {},
): Promise<DdqResponse> {
  const status = applyResponseAction(response.status, action);
  const submits = action === "submit" || action === "resubmit";
  if (submits) assertSubmittable(await responseDefinition(trx, response), response.answers);
  const now = new Date();
  const change: ResponseChange = { status };
  if (submits) change.submittedAt = now;
  const updated = await updateResponse(trx, response.id, change);
  await insertResponseEvent(trx, {
    id: newId("rse"),
    responseId: response.id,
    type: responseActionEvents[action],
    fromStatus: response.status,
    toStatus: status,
    actor,
    data,
  });
  await recordResponseWebhookEvent(trx, after, updated, responseActionEvents[action]);
  if (submits && response.workflowSessionId) {
    const link = await findRecipientSend(trx, response, response.workflowSessionId, { forUpdate: true });
    if (link) {
      const steps = completeStep(link.steps, "ddq", now);
      await updateRecipientSend(trx, link.id, {
        steps,
        ...(allStepsCompleted(steps) && !link.completedAt ? { completedAt: now } : {}),
      });
    }
  }
  if (submits && response.runId) await signalQuestionnaireRun(trx, after, response.runId, now);
  return updated;
}

/**
 * Saves answers of a PREFILL, DRAFT or CHANGES_REQUESTED response on the workspace's behalf.
 * Needs `responses:write`.
 *
 * @throws NotFoundError, ConflictError (the status does not allow edits), ValidationError (per answer).
 */
export async function saveResponse(
  app: Application,
  actor: Actor,
  input: { responseId: string; answers: Readonly<Record<string, unknown>> },
): Promise<DdqResponse> {
  requireScope(actor, "responses:write");
  const deps = applicationDeps(app);
  return inTransaction(deps, async (trx) => {
    const response = await lockResponse(trx, actor, input.responseId);
    if (!canEditAnswers(response.status, "workspace")) {
      throw new ConflictError(
        `Response ${response.id} is ${response.status}; answers can be saved only while it is PREFILL, DRAFT or CHANGES_REQUESTED`,
        response.status,
      );
    }
    return saveAnswersIn(trx, response, input.answers, actor.keyId);
  });
}

/**
 * Applies a review or submission action (`submit`, `start_review`, `request_changes`, `resubmit`,
 * `mark_reviewed`, `approve`, `reject`) with an optional note, recording who and when.
 * Needs `responses:write`.
 *
 * @throws NotFoundError, ConflictError (the transition table refuses it), ValidationError (answers that
 * cannot be submitted, or a note that is too long).
 */
export async function transitionResponse(
  app: Application,
  actor: Actor,
  input: {
    responseId: string;
    action: Exclude<ResponseAction, "send" | "revert_send">;
    note?: string | null;
  },
): Promise<DdqResponse> {
  requireScope(actor, "responses:write");
  const deps = applicationDeps(app);
  const note = input.note?.trim() || null;
  if (note !== null && note.length > maxNoteLength) {
    throw new ValidationError("Invalid note", [
      { path: ["note"], message: `must have at most ${maxNoteLength} characters` },
    ]);
  }
  return inTransaction(deps, async (trx, after) => {
    const response = await lockResponse(trx, actor, input.responseId);
    return transitionIn(trx, after, response, input.action, actor.keyId, note ? { note } : {});
  });
}

/** Filters of {@link listResponses}. */
export interface ResponseFilter {
  status?: ResponseStatus | undefined;
  entityId?: string | undefined;
  questionnaireId?: string | undefined;
}

/**
 * Responses by id, in the order asked (`undefined` for those that are not the caller's). Needs
 * `responses:read`.
 *
 * @param app - The application.
 * @param actor - The caller.
 * @param ids - Response ids (`rsp_…`).
 */
export async function getResponsesByIds(
  app: Application,
  actor: Actor,
  ids: readonly string[],
): Promise<(DdqResponse | undefined)[]> {
  requireScope(actor, "responses:read");
  const { db } = applicationDeps(app);
  return alignByKey(ids, await findResponsesByIds(db, actor, ids), (response) => response.id);
}

/**
 * A page of the caller's responses, newest first. Needs `responses:read`.
 *
 * @param app - The application.
 * @param actor - The caller.
 * @param page - Keyset page and filters.
 */
export async function listResponses(
  app: Application,
  actor: Actor,
  page: PageRequest & ResponseFilter,
): Promise<DdqResponse[]> {
  requireScope(actor, "responses:read");
  return listResponseRows(applicationDeps(app).db, actor, page);
}

/**
 * The events of each response, oldest first, in the order asked (empty for responses that are not the
 * caller's). Needs `responses:read`.
 *
 * @param app - The application.
 * @param actor - The caller.
 * @param responseIds - Response ids.
 */
export async function listEventsOfResponses(
  app: Application,
  actor: Actor,
  responseIds: readonly string[],
): Promise<ResponseEvent[][]> {
  requireScope(actor, "responses:read");
  const events = await listResponseEvents(applicationDeps(app).db, responseIds, { tenant: actor });
  return groupByKey(responseIds, events, (event) => event.responseId);
}
