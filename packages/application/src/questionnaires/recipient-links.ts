import {
  type Executor,
  findEntity,
  findQuestionnaire,
  findQuestionnaireVersion,
  findQuestionnaireVersions,
  findRecipientSend,
  findRecipientSendByTokenHash,
  findResponse,
  findSession,
  updateRecipientSend,
  updateSessionStatus,
} from "@flowgate/db";
import {
  allStepsCompleted,
  ConflictError,
  completeStep,
  type DdqResponse,
  type Entity,
  type EntityDocument,
  FlowgateError,
  hashLinkToken,
  linkState,
  NotFoundError,
  type Questionnaire,
  type QuestionnaireVersion,
  type RecipientSend,
  recipientSubmitAction,
  type Session,
} from "@flowgate/domain";
import { type AfterCommit, inTransaction, signalQuestionnaireRun } from "@flowgate/engine";
import { requireScope } from "../access.ts";
import type { Actor } from "../actor.ts";
import { type Application, applicationDeps } from "../application.ts";
import { alignByKey } from "../batch.ts";
import { storeEntityDocument, type UploadedFile } from "./entity-documents.ts";
import { lockResponse, saveAnswersIn, transitionIn } from "./responses.ts";

/** Who is recorded for what a magic-link recipient does: `recipient:<wfs_…>`. */
function recipientActorId(recipientSendId: string): string {
  return `recipient:${recipientSendId}`;
}

/**
 * The actor of a magic-link recipient: the link's workspace and environment with no scope, recorded as
 * `recipient:<wfs_…>`. Every API use case refuses it (it has no scope); the recipient use cases below are
 * authorized by the link token instead. Adapters give it to a recipient request so that nothing the
 * recipient endpoint shares with the API can read more than the link opens.
 *
 * @param link - The recipient send the token opened.
 */
export function recipientActor(link: RecipientSend): Actor {
  return {
    keyId: recipientActorId(link.id),
    workspaceId: link.workspaceId,
    environment: link.environment,
    scopes: [],
  };
}

/**
 * Questionnaire versions a recipient's response answers, in the order asked: only versions of questionnaires
 * of the link's workspace and environment (`undefined` for others).
 *
 * @param app - The application.
 * @param link - The recipient send the token opened.
 * @param keys - Questionnaire ids and version numbers.
 */
export async function getRecipientQuestionnaireVersions(
  app: Application,
  link: RecipientSend,
  keys: readonly { questionnaireId: string; version: number }[],
): Promise<(QuestionnaireVersion | undefined)[]> {
  const versions = await findQuestionnaireVersions(applicationDeps(app).db, keys, { tenant: link });
  const keyOf = (key: { questionnaireId: string; version: number }) =>
    `${key.questionnaireId}@${key.version}`;
  return alignByKey(keys.map(keyOf), versions, keyOf);
}

/** Why a magic-link token is refused. */
export type LinkRefusal = "missing" | "invalid" | "expired" | "revoked";

/** A magic-link token was refused; the recipient gets this and nothing else. */
export class LinkRefusedError extends FlowgateError {
  /** Always `"LINK_REFUSED"`. */
  readonly code = "LINK_REFUSED";
  readonly reason: LinkRefusal;

  /** @param reason - Why the token is refused. */
  constructor(reason: LinkRefusal) {
    super(linkRefusalMessages[reason]);
    this.reason = reason;
  }
}

/** What a refused recipient is told, per reason. */
export const linkRefusalMessages: Record<LinkRefusal, string> = {
  missing: "A link token is required: send it as `Authorization: Bearer <token>` or `X-Link-Token: <token>`.",
  invalid: "This link is not valid.",
  expired: "This link has expired. Ask the sender for a new one.",
  revoked: "This link has been revoked. Ask the sender for a new one.",
};

/** What authenticating a link token gives: the recipient send it opens, or why it is refused. */
export type LinkAuthentication = { ok: true; link: RecipientSend } | { ok: false; reason: LinkRefusal };

/**
 * The recipient send a magic-link token opens, or why it is refused: unknown tokens are `invalid`, a revoked
 * link is `revoked`, a link past `expiresAt` is `expired`. The recipient adapter authorizes a request with
 * this alone: the link is the recipient's whole authority (no API key, no scopes).
 *
 * @param app - The application.
 * @param token - The token as presented.
 * @param now - The time of use.
 */
export async function authenticateLink(
  app: Application,
  token: string | null | undefined,
  now: Date = new Date(),
): Promise<LinkAuthentication> {
  return findLinkOfToken(applicationDeps(app).db, token, now);
}

/** {@link authenticateLink} on a database or transaction. */
async function findLinkOfToken(
  db: Executor,
  token: string | null | undefined,
  now: Date = new Date(),
): Promise<LinkAuthentication> {
  if (!token) return { ok: false, reason: "missing" };
  const link = await findRecipientSendByTokenHash(db, hashLinkToken(token));
  if (!link) return { ok: false, reason: "invalid" };
  const state = linkState(link, now);
  return state === "active" ? { ok: true, link } : { ok: false, reason: state };
}

/** The link of `token`, read without a lock (locks are taken response first, then link, everywhere). */
async function requireLink(trx: Executor, token: string): Promise<RecipientSend> {
  const outcome = await findLinkOfToken(trx, token);
  if (!outcome.ok) throw new LinkRefusedError(outcome.reason);
  return outcome.link;
}

/** Everything a recipient may see through a link. */
export interface RecipientView {
  link: RecipientSend;
  entity: Entity;
  response: DdqResponse | null;
  questionnaire: Questionnaire | null;
  version: QuestionnaireVersion | null;
  verificationSession: Session | null;
}

/**
 * Loads what the recipient of `link` may see: the entity, the response and its questionnaire version, the
 * verification session; all of the link's own workspace and environment.
 *
 * @param app - The application.
 * @param link - The recipient send its token opened (see {@link authenticateLink}).
 */
export async function recipientView(app: Application, link: RecipientSend): Promise<RecipientView> {
  const { db } = applicationDeps(app);
  const entity = await findEntity(db, link, link.entityId);
  if (!entity) throw new NotFoundError("Entity", link.entityId);
  const response = link.responseId ? ((await findResponse(db, link, link.responseId)) ?? null) : null;
  const questionnaire = response
    ? ((await findQuestionnaire(db, link, response.questionnaireId)) ?? null)
    : null;
  const version = response
    ? ((await findQuestionnaireVersion(db, response.questionnaireId, response.questionnaireVersion)) ?? null)
    : null;
  const verificationSession = link.verificationSessionId
    ? ((await findSession(db, link, link.verificationSessionId)) ?? null)
    : null;
  return { link, entity, response, questionnaire, version, verificationSession };
}

function linkedResponseId(link: RecipientSend): string {
  if (!link.responseId) throw new ConflictError("This link has no questionnaire to answer");
  return link.responseId;
}

/**
 * Saves the recipient's answers (DRAFT or CHANGES_REQUESTED responses only).
 *
 * @throws LinkRefusedError, ConflictError (no questionnaire, or a status that does not allow edits),
 * ValidationError (per answer).
 */
export async function recipientSaveAnswers(
  app: Application,
  token: string,
  answers: Readonly<Record<string, unknown>>,
): Promise<DdqResponse> {
  const deps = applicationDeps(app);
  return inTransaction(deps, async (trx) => {
    const link = await requireLink(trx, token);
    const response = await lockResponse(trx, link, linkedResponseId(link));
    if (response.status !== "DRAFT" && response.status !== "CHANGES_REQUESTED") {
      throw new ConflictError(
        `The questionnaire is ${response.status.toLowerCase().replaceAll("_", " ")}; answers can no longer be changed`,
        response.status,
      );
    }
    return saveAnswersIn(trx, response, answers, recipientActorId(link.id));
  });
}

/**
 * Uploads a document for the link's entity (the recipient page's upload): the same checks as
 * `uploadEntityDocument` (PDF, PNG, JPEG or plain text up to 10 MiB, sniffed), recorded as uploaded by
 * `recipient:<wfs_…>`.
 *
 * @throws LinkRefusedError, ValidationError at `file`.
 */
export async function recipientUploadDocument(
  app: Application,
  token: string,
  file: UploadedFile,
): Promise<EntityDocument> {
  const link = await requireLink(applicationDeps(app).db, token);
  return storeEntityDocument(app, link, link.entityId, file, recipientActorId(link.id));
}

/**
 * Submits the recipient's answers: DRAFT → SUBMITTED, CHANGES_REQUESTED → RESUBMITTED. Completes the
 * link's `ddq` step and resumes a run waiting at a questionnaire node for the response.
 *
 * @throws LinkRefusedError, ConflictError (already submitted), ValidationError (required, hidden or invalid
 * answers).
 */
export async function recipientSubmit(app: Application, token: string): Promise<DdqResponse> {
  const deps = applicationDeps(app);
  return inTransaction(deps, async (trx, after) => {
    const link = await requireLink(trx, token);
    const response = await lockResponse(trx, link, linkedResponseId(link));
    const action = recipientSubmitAction(response.status);
    if (action === null) {
      throw new ConflictError(
        `The questionnaire is ${response.status.toLowerCase().replaceAll("_", " ")}; it cannot be submitted again`,
        response.status,
      );
    }
    return transitionIn(trx, after, response, action, recipientActorId(link.id));
  });
}

/**
 * Completes the verification step in the sandbox: the capture counts as done and the verification session
 * moves to `in_progress`, ready for `submitSession`. In the live environment capture needs a verification
 * provider, which is not configured, so this is refused.
 *
 * @throws LinkRefusedError, ConflictError (live environment, or no verification step).
 */
export async function recipientCompleteVerification(app: Application, token: string): Promise<RecipientSend> {
  const deps = applicationDeps(app);
  return inTransaction(deps, async (trx, after) => {
    const link = await requireLink(trx, token);
    if (!link.steps.some((step) => step.kind === "verification")) {
      throw new ConflictError("This link has no verification step");
    }
    if (link.environment !== "sandbox") {
      throw new ConflictError(
        "Identity capture in the live environment needs a verification provider, and none is configured",
      );
    }
    const now = new Date();
    if (link.verificationSessionId) {
      const session = await findSession(trx, link, link.verificationSessionId, { forUpdate: true });
      if (session?.status === "created" && !session.redaction) {
        await updateSessionStatus(trx, session.id, { status: "in_progress" });
        publishSessionStatus(after, session.id, "in_progress");
      }
    }
    const steps = completeStep(link.steps, "verification", now);
    return updateRecipientSend(trx, link.id, {
      steps,
      ...(allStepsCompleted(steps) && !link.completedAt ? { completedAt: now } : {}),
    });
  });
}

function publishSessionStatus(after: AfterCommit, sessionId: string, status: string): void {
  after.publish({
    channel: `session:${sessionId}`,
    event: { sessionId, status, result: null, at: new Date().toISOString() },
  });
}

/**
 * Revokes a recipient send's magic link: the recipient is refused from now on. A run waiting for its
 * response (with no other link pending) takes its `expired` route. Revoking again changes nothing.
 * Needs `responses:write`.
 *
 * @throws NotFoundError when the recipient send is not the caller's.
 */
export async function revokeRecipientSend(
  app: Application,
  actor: Actor,
  input: { workflowSessionId: string },
): Promise<RecipientSend> {
  requireScope(actor, "responses:write");
  const deps = applicationDeps(app);
  return inTransaction(deps, async (trx, after) => {
    const link = await findRecipientSend(trx, actor, input.workflowSessionId, { forUpdate: true });
    if (!link) throw new NotFoundError("WorkflowSession", input.workflowSessionId);
    if (link.revokedAt) return link;
    const revoked = await updateRecipientSend(trx, link.id, { revokedAt: new Date() });
    if (link.responseId) {
      const response = await findResponse(trx, actor, link.responseId);
      if (response?.runId) await signalQuestionnaireRun(trx, after, response.runId);
    }
    return revoked;
  });
}
