import {
  autofillJobKind,
  type Executor,
  findActiveAutofillJob,
  findAutofillJob,
  findAutofillJobsByIds,
  findEntity,
  findResponse,
  finishAutofillJob,
  insertAutofillJob,
  insertResponseEvent,
  type Job,
  listAutofillJobsOfResponses,
  listEntityDocumentTexts,
  listSubmittedResponsesOfEntity,
  startAutofillJob,
  updateResponse,
} from "@flowgate/db";
import {
  type AnswerSources,
  type AutofilledAnswer,
  type AutofillHistory,
  type AutofillJob,
  answerValueProblem,
  ConflictError,
  canEditAnswers,
  type DdqResponse,
  findQuestion,
  isAnswered,
  isAutofillJobActive,
  NotFoundError,
  newId,
  type Tenant,
} from "@flowgate/domain";
import {
  type AfterCommit,
  type AutofillResult,
  inTransaction,
  type JobHandlerContext,
  type JobHandlerResult,
  recordWebhookEvent,
  responseWebhookData,
} from "@flowgate/engine";
import { requireAnyScope, requireScope } from "../access.ts";
import type { Actor } from "../actor.ts";
import { type Application, type ApplicationDeps, applicationDeps } from "../application.ts";
import { alignByKey, groupByKey } from "../batch.ts";
import { lockResponse, responseDefinition } from "./responses.ts";

/**
 * Pick-ups of one autofill job after which it fails for good ("gave up"): only crashes and database errors
 * make a worker pick a job up again (a provider failure fails the job at once).
 */
export const maxAutofillJobAttempts = 5;

/** Longest wait of {@link waitForAutofillJob}, in ms. */
export const maxAutofillWaitMs = 120_000;

function assertEditable(response: DdqResponse): void {
  if (!canEditAnswers(response.status, "workspace")) {
    throw new ConflictError(
      `Response ${response.id} is ${response.status}; autofill works only while it is PREFILL, DRAFT or CHANGES_REQUESTED`,
      response.status,
    );
  }
}

/**
 * Queues autofill of a locked response inside the caller's transaction, or returns the job that is already
 * QUEUED or RUNNING for it (a response has one at a time, so a second request never races the first).
 * The worker is woken after commit.
 *
 * @param requestedBy - The API key id, or `recipient`.
 */
export async function requestAutofillIn(
  deps: ApplicationDeps,
  trx: Executor,
  after: AfterCommit,
  response: DdqResponse,
  requestedBy: string,
): Promise<AutofillJob> {
  assertEditable(response);
  const active = await findActiveAutofillJob(trx, response, response.id);
  if (active) return active;
  const job = await insertAutofillJob(trx, response, {
    id: newId("afj"),
    responseId: response.id,
    provider: deps.autofill.name,
    deterministic: deps.autofill.deterministic,
    requestedBy,
  });
  after.wake();
  return job;
}

/**
 * Starts autofilling the unanswered questions of a PREFILL, DRAFT or CHANGES_REQUESTED response and
 * answers at once with the job (`afj_…`, QUEUED). An engine worker runs it: the provider reads the entity,
 * the text of its documents and its earlier submitted responses outside any transaction; the answers it
 * proposes (each with its source annotation) are applied to questions still unanswered, and the response
 * event and webhook `response.autofill_completed` recorded, in one transaction, once. While a job of the
 * response is QUEUED or RUNNING, asking again returns that job. Needs `responses:write`.
 *
 * @throws NotFoundError, ConflictError (the status does not allow edits).
 */
export async function autofillResponse(
  app: Application,
  actor: Actor,
  input: { responseId: string },
): Promise<AutofillJob> {
  requireScope(actor, "responses:write");
  const deps = applicationDeps(app);
  return inTransaction(deps, async (trx, after) => {
    const response = await lockResponse(trx, actor, input.responseId);
    return requestAutofillIn(deps, trx, after, response, actor.keyId);
  });
}

/**
 * An autofill job of the caller's workspace. Needs `responses:read`.
 *
 * @throws NotFoundError (unknown, or another workspace's).
 */
export async function getAutofillJob(app: Application, actor: Actor, id: string): Promise<AutofillJob> {
  requireScope(actor, "responses:read");
  const job = await findAutofillJob(applicationDeps(app).db, actor, id);
  if (!job) throw new NotFoundError("AutofillJob", id);
  return job;
}

/**
 * Autofill jobs by id, in the order asked (`undefined` for those that are not the caller's). Needs
 * `responses:read`.
 */
export async function getAutofillJobsByIds(
  app: Application,
  actor: Actor,
  ids: readonly string[],
): Promise<(AutofillJob | undefined)[]> {
  requireScope(actor, "responses:read");
  return alignByKey(ids, await findAutofillJobsByIds(applicationDeps(app).db, actor, ids), (job) => job.id);
}

/**
 * The autofill jobs of each response, newest first, in the order asked (empty for responses that are not
 * the caller's). Needs `responses:read`.
 */
export async function listAutofillJobsOfResponsesByIds(
  app: Application,
  actor: Actor,
  responseIds: readonly string[],
): Promise<AutofillJob[][]> {
  requireScope(actor, "responses:read");
  const jobs = await listAutofillJobsOfResponses(applicationDeps(app).db, actor, responseIds);
  return groupByKey(responseIds, jobs, (job) => job.responseId);
}

/**
 * Waits until an autofill job of the caller's workspace has finished (SUCCEEDED or FAILED), reading it
 * again every `pollMs`, for at most `timeoutMs` (capped at {@link maxAutofillWaitMs}); returns the job as
 * it is then — still QUEUED or RUNNING when the wait ran out. For clients of the former synchronous
 * `autofillResponse`. Needs `responses:read` or `responses:write`.
 *
 * @throws NotFoundError (unknown, or another workspace's).
 */
export async function waitForAutofillJob(
  app: Application,
  actor: Actor,
  id: string,
  options: { timeoutMs?: number; pollMs?: number } = {},
): Promise<AutofillJob> {
  requireAnyScope(actor, ["responses:read", "responses:write"]);
  const { db } = applicationDeps(app);
  const deadline = Date.now() + Math.min(options.timeoutMs ?? 30_000, maxAutofillWaitMs);
  const pollMs = options.pollMs ?? 50;
  for (;;) {
    const job = await findAutofillJob(db, actor, id);
    if (!job) throw new NotFoundError("AutofillJob", id);
    if (!isAutofillJobActive(job.status) || Date.now() >= deadline) return job;
    await new Promise((resolve) => setTimeout(resolve, pollMs));
  }
}

/** What a job's run concluded, to be applied in one transaction. */
type Conclusion =
  | {
      kind: "proposed";
      result: AutofillResult;
      definition: Awaited<ReturnType<typeof responseDefinition>>;
      /** The response's status when the provider was asked. */
      status: DdqResponse["status"];
    }
  | { kind: "failed"; error: string };

/**
 * Runs one `response.autofill` queue job (registered with the engine's worker by {@link Application}):
 * marks the autofill job RUNNING (counting the attempt), gathers the provider's inputs, calls the provider
 * outside any transaction, then applies the outcome in one transaction that locks the job row and does
 * nothing when the job already finished — so a worker that crashed after the provider answered, or a
 * second worker whose lease overlapped, never applies answers or records the event and webhook twice. The
 * queue job is deleted in that same transaction.
 *
 * @param deps - The application's dependencies (the provider among them).
 * @param job - The claimed queue job; its id is the autofill job's id.
 * @param context - The worker holding it.
 */
export async function runAutofillJob(
  deps: ApplicationDeps,
  job: Job,
  _context: JobHandlerContext,
): Promise<JobHandlerResult> {
  const started = await startAutofillJob(deps.db, job.id);
  if (!started || !isAutofillJobActive(started.status)) {
    // Its response was deleted (cascade), or a previous attempt finished it: nothing left to do (the
    // worker deletes the queue job).
    return { outcome: "done" };
  }
  const conclusion = await concludeAutofill(deps, started);
  await applyAutofillOutcome(deps, started, conclusion);
  // The apply transaction deleted the queue job already; the worker's delete finds nothing.
  return { outcome: "done" };
}

/** Gathers the inputs and calls the provider (outside any transaction). */
async function concludeAutofill(deps: ApplicationDeps, job: AutofillJob): Promise<Conclusion> {
  if (job.attempts > maxAutofillJobAttempts) {
    return { kind: "failed", error: `gave up after ${maxAutofillJobAttempts} attempts` };
  }
  const tenant: Tenant = { workspaceId: job.workspaceId, environment: job.environment };
  const response = await findResponse(deps.db, tenant, job.responseId);
  if (!response) return { kind: "failed", error: `Response ${job.responseId} no longer exists` };
  if (!canEditAnswers(response.status, "workspace")) {
    return {
      kind: "failed",
      error: `Response ${response.id} is ${response.status}; autofill works only while it is PREFILL, DRAFT or CHANGES_REQUESTED`,
    };
  }
  const entity = await findEntity(deps.db, tenant, response.entityId);
  if (!entity) return { kind: "failed", error: `Entity ${response.entityId} no longer exists` };
  const definition = await responseDefinition(deps.db, response);
  const history: AutofillHistory[] = [];
  for (const earlier of await listSubmittedResponsesOfEntity(deps.db, tenant, entity.id, response.id)) {
    history.push({
      responseId: earlier.id,
      definition: await responseDefinition(deps.db, earlier),
      answers: earlier.answers,
    });
  }
  const documents = await listEntityDocumentTexts(deps.db, tenant, entity.id);
  try {
    const result = await deps.autofill.autofill({ response, definition, entity, history, documents });
    return { kind: "proposed", result, definition, status: response.status };
  } catch (error) {
    // A provider failure leaves the answers as they are; the job, event and webhook say why.
    return { kind: "failed", error: error instanceof Error ? error.message : String(error) };
  }
}

/**
 * Applies a job's outcome once: answers (to questions still unanswered), the response event, the webhook,
 * the job's final status, and the queue job's deletion, in one transaction.
 */
async function applyAutofillOutcome(
  deps: ApplicationDeps,
  job: AutofillJob,
  conclusion: Conclusion,
): Promise<void> {
  const tenant: Tenant = { workspaceId: job.workspaceId, environment: job.environment };
  await inTransaction(deps, async (trx, after) => {
    const current = await findAutofillJob(trx, tenant, job.id, { forUpdate: true });
    await trx.deleteFrom("jobs").where("id", "=", job.id).where("kind", "=", autofillJobKind).execute();
    // Finished by an earlier attempt (or its response is gone): applied already, never twice.
    if (!current || !isAutofillJobActive(current.status)) return;
    const response = await findResponse(trx, tenant, job.responseId, { forUpdate: true });
    if (!response) return;
    let outcome = conclusion;
    // A response that moved on meanwhile (sent to its recipient, submitted) keeps its answers: annotations
    // written after a send would reach the recipient, and a submitted response is frozen.
    if (outcome.kind === "proposed" && response.status !== outcome.status) {
      outcome = {
        kind: "failed",
        error: `Response ${response.id} became ${response.status} while autofill ran; nothing was filled`,
      };
    }
    let updated = response;
    const filled: AutofilledAnswer[] = [];
    if (outcome.kind === "proposed") {
      const answers = { ...response.answers };
      const answerSources: AnswerSources = { ...response.answerSources };
      // Answers given meanwhile are never overwritten.
      for (const answer of outcome.result.answers) {
        const question = findQuestion(outcome.definition, answer.questionId);
        if (!question || isAnswered(answers[question.id])) continue;
        if (answerValueProblem(question, answer.value) !== null) continue;
        answers[question.id] = answer.value;
        answerSources[question.id] = answer.source;
        filled.push(answer);
      }
      const analysis = outcome.result.analysis;
      updated = await updateResponse(trx, response.id, {
        answers,
        answerSources,
        ...(analysis !== undefined && analysis !== null ? { aiAnalysis: analysis } : {}),
      });
    }
    const error = outcome.kind === "failed" ? outcome.error : null;
    const eventId = newId("rse");
    await insertResponseEvent(trx, {
      id: eventId,
      responseId: response.id,
      type: "response.autofill_completed",
      fromStatus: response.status,
      toStatus: response.status,
      actor: job.requestedBy,
      data: {
        jobId: job.id,
        provider: job.provider,
        deterministic: job.deterministic,
        status: error === null ? "completed" : "failed",
        ...(error === null ? {} : { error }),
        filled: filled.map((answer) => ({
          questionId: answer.questionId,
          source: answer.source.kind,
          ...(answer.source.documentId
            ? {
                documentId: answer.source.documentId,
                page: answer.source.page,
                confidence: answer.source.confidence,
              }
            : {}),
        })),
      },
    });
    const finished = await finishAutofillJob(trx, job.id, {
      status: error === null ? "SUCCEEDED" : "FAILED",
      filled,
      error,
      responseEventId: eventId,
    });
    await recordWebhookEvent(trx, after, tenant, "response.autofill_completed", {
      ...responseWebhookData(updated),
      autofill_job: {
        id: finished.id,
        status: error === null ? "succeeded" : "failed",
        provider: finished.provider,
        filled_count: filled.length,
        error,
        attempts: finished.attempts,
      },
    });
  });
}
