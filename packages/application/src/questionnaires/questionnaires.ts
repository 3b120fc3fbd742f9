import {
  findQuestionnaire,
  findQuestionnairesByIds,
  findQuestionnaireVersions,
  insertQuestionnaire,
  insertQuestionnaireVersion,
  listQuestionnaires as listQuestionnaireRows,
  listQuestionnaireVersions,
  type PageRequest,
  setQuestionnaireCurrentVersion,
} from "@flowgate/db";
import {
  NotFoundError,
  newId,
  parseQuestionnaireDefinition,
  type Questionnaire,
  type QuestionnaireVersion,
  ValidationError,
  type ValidationIssue,
} from "@flowgate/domain";
import { inTransaction } from "@flowgate/engine";
import { requireAnyScope, requireScope } from "../access.ts";
import type { Actor } from "../actor.ts";
import { type Application, applicationDeps } from "../application.ts";
import { alignByKey } from "../batch.ts";

/** Input of {@link createQuestionnaire}. */
export interface CreateQuestionnaireInput {
  name: string;
  description?: string | null | undefined;
  /** The sections of version 1 (see `parseQuestionnaireDefinition`). */
  sections: unknown;
}

function metadataIssues(name: string | undefined, description: string | null | undefined): ValidationIssue[] {
  const issues: ValidationIssue[] = [];
  if (name !== undefined) {
    const trimmed = name.trim();
    if (trimmed === "" || trimmed.length > 200) {
      issues.push({ path: ["name"], message: "must be 1 to 200 characters" });
    }
  }
  if (description && description.length > 2000) {
    issues.push({ path: ["description"], message: "must have at most 2000 characters" });
  }
  return issues;
}

/**
 * Creates a questionnaire (DDQ template) with its sections as version 1. Needs `questionnaires:write`.
 *
 * @throws ValidationError naming each offending field (`sections.0.questions.2.options`, …).
 */
export async function createQuestionnaire(
  app: Application,
  actor: Actor,
  input: CreateQuestionnaireInput,
): Promise<{ questionnaire: Questionnaire; version: QuestionnaireVersion }> {
  requireScope(actor, "questionnaires:write");
  const deps = applicationDeps(app);
  const issues = metadataIssues(input.name, input.description);
  if (issues.length > 0) throw new ValidationError("Invalid questionnaire", issues);
  const definition = parseQuestionnaireDefinition({ sections: input.sections });
  return inTransaction(deps, async (trx) => {
    const questionnaire = await insertQuestionnaire(trx, actor, {
      id: newId("qnr"),
      name: input.name.trim(),
      description: input.description?.trim() || null,
      currentVersion: 1,
    });
    const version = await insertQuestionnaireVersion(trx, {
      questionnaireId: questionnaire.id,
      version: 1,
      definition,
      createdBy: actor.keyId,
    });
    return { questionnaire, version };
  });
}

/**
 * Publishes new sections as the next version of a questionnaire; new responses use it, responses in flight
 * keep the version they started on. Needs `questionnaires:write`.
 *
 * @throws NotFoundError when the questionnaire is not the caller's.
 * @throws ValidationError naming each offending field.
 */
export async function publishQuestionnaireVersion(
  app: Application,
  actor: Actor,
  input: { questionnaireId: string; sections: unknown },
): Promise<{ questionnaire: Questionnaire; version: QuestionnaireVersion }> {
  requireScope(actor, "questionnaires:write");
  const deps = applicationDeps(app);
  const definition = parseQuestionnaireDefinition({ sections: input.sections });
  return inTransaction(deps, async (trx) => {
    const current = await findQuestionnaire(trx, actor, input.questionnaireId, { forUpdate: true });
    if (!current) throw new NotFoundError("Questionnaire", input.questionnaireId);
    const next = current.currentVersion + 1;
    const version = await insertQuestionnaireVersion(trx, {
      questionnaireId: current.id,
      version: next,
      definition,
      createdBy: actor.keyId,
    });
    await setQuestionnaireCurrentVersion(trx, current.id, next);
    return { questionnaire: { ...current, currentVersion: next, updatedAt: new Date() }, version };
  });
}

/**
 * Questionnaires by id, in the order asked (`undefined` for those that are not the caller's). Needs
 * `questionnaires:read`.
 *
 * @param app - The application.
 * @param actor - The caller.
 * @param ids - Questionnaire ids (`qnr_…`).
 */
export async function getQuestionnairesByIds(
  app: Application,
  actor: Actor,
  ids: readonly string[],
): Promise<(Questionnaire | undefined)[]> {
  requireScope(actor, "questionnaires:read");
  const { db } = applicationDeps(app);
  return alignByKey(ids, await findQuestionnairesByIds(db, actor, ids), (questionnaire) => questionnaire.id);
}

/**
 * A page of the caller's questionnaires, newest first. Needs `questionnaires:read`.
 *
 * @param app - The application.
 * @param actor - The caller.
 * @param page - Keyset page.
 */
export async function listQuestionnaires(
  app: Application,
  actor: Actor,
  page: PageRequest,
): Promise<Questionnaire[]> {
  requireScope(actor, "questionnaires:read");
  return listQuestionnaireRows(applicationDeps(app).db, actor, page);
}

/** Identifies one version of a questionnaire. */
export interface QuestionnaireVersionKey {
  questionnaireId: string;
  version: number;
}

/**
 * Questionnaire versions, in the order asked (`undefined` for versions that do not exist or whose
 * questionnaire is not the caller's). Responses show the version they answer, so `responses:read` is enough,
 * as is `questionnaires:read`.
 *
 * @param app - The application.
 * @param actor - The caller.
 * @param keys - Questionnaire ids and version numbers.
 */
export async function getQuestionnaireVersions(
  app: Application,
  actor: Actor,
  keys: readonly QuestionnaireVersionKey[],
): Promise<(QuestionnaireVersion | undefined)[]> {
  requireAnyScope(actor, ["questionnaires:read", "responses:read"]);
  const { db } = applicationDeps(app);
  const versions = await findQuestionnaireVersions(db, keys, { tenant: actor });
  const keyOf = (key: QuestionnaireVersionKey) => `${key.questionnaireId}@${key.version}`;
  return alignByKey(keys.map(keyOf), versions, keyOf);
}

/**
 * Every version of a questionnaire, oldest first (empty when it is not the caller's). Needs
 * `questionnaires:read`.
 *
 * @param app - The application.
 * @param actor - The caller.
 * @param questionnaireId - Questionnaire id.
 */
export async function listVersionsOfQuestionnaire(
  app: Application,
  actor: Actor,
  questionnaireId: string,
): Promise<QuestionnaireVersion[]> {
  requireScope(actor, "questionnaires:read");
  return listQuestionnaireVersions(applicationDeps(app).db, questionnaireId, { tenant: actor });
}
