import type { AnswerSource, Answers } from "./answers.ts";
import { answerFromDocuments } from "./document-autofill.ts";
import { type EntityFields, entityDisplayName } from "./entity.ts";
import type { EntityDocumentText } from "./entity-documents.ts";
import {
  allQuestions,
  answerValueProblem,
  type EntityAutofillField,
  isAnswered,
  type Question,
  type QuestionnaireDefinition,
  visibleQuestionIds,
} from "./questionnaire-definition.ts";

/** An earlier answered response of the same entity, offered to autofill. */
export interface AutofillHistory {
  responseId: string;
  definition: QuestionnaireDefinition;
  answers: Answers;
}

/** One answer autofill proposes. */
export interface AutofilledAnswer {
  questionId: string;
  value: unknown;
  source: AnswerSource;
}

/** Name of the built-in, deterministic autofill provider. */
export const builtinAutofillProviderName = "builtin";

/**
 * The value of an entity field as a string, or null when the entity has none.
 *
 * @param entity - The entity.
 * @param field - The field.
 */
export function entityFieldValue(entity: EntityFields, field: EntityAutofillField): string | null {
  if (field === "displayName") return entityDisplayName(entity) || null;
  return entity[field];
}

/**
 * Deterministic autofill: for each visible, unanswered question in order, copy (1) the entity field the
 * question names in `entityField`, else (2) a statement of the entity's documents that names the question
 * (`<label>: <value>`, see {@link answerFromDocuments}; the annotation keeps the document, page, passage
 * and a confidence), else (3) the answer to a question with the same id and type in the most recent
 * earlier response that has one. A value is used only when it is a valid answer to the question;
 * answers already given are never overwritten; visibility is re-evaluated after each filled answer. Every
 * proposed answer carries its source annotation.
 *
 * @param definition - The questionnaire version of the response being filled.
 * @param current - Its current answers.
 * @param entity - The response's entity.
 * @param history - Earlier answered responses of the entity, most recent first.
 * @param documents - The text of the entity's documents, oldest first.
 */
export function deterministicAutofill(
  definition: QuestionnaireDefinition,
  current: Readonly<Answers>,
  entity: EntityFields,
  history: readonly AutofillHistory[],
  documents: readonly EntityDocumentText[] = [],
): AutofilledAnswer[] {
  const answers: Answers = { ...current };
  const filled: AutofilledAnswer[] = [];
  for (const question of allQuestions(definition)) {
    if (isAnswered(answers[question.id])) continue;
    if (!visibleQuestionIds(definition, answers).has(question.id)) continue;
    const proposal =
      fromEntity(question, entity) ??
      answerFromDocuments(question, documents) ??
      fromHistory(question, history);
    if (!proposal) continue;
    answers[question.id] = proposal.value;
    filled.push({ questionId: question.id, ...proposal });
  }
  return filled;
}

function fromEntity(question: Question, entity: EntityFields): Omit<AutofilledAnswer, "questionId"> | null {
  if (!question.entityField) return null;
  const value = entityFieldValue(entity, question.entityField);
  if (value === null || answerValueProblem(question, value) !== null) return null;
  return {
    value,
    source: {
      kind: "entity",
      provider: builtinAutofillProviderName,
      deterministic: true,
      field: question.entityField,
      note: `Copied from the entity record (${question.entityField}) by the built-in deterministic autofill.`,
    },
  };
}

function fromHistory(
  question: Question,
  history: readonly AutofillHistory[],
): Omit<AutofilledAnswer, "questionId"> | null {
  for (const earlier of history) {
    const match = allQuestions(earlier.definition).find(
      (candidate) => candidate.id === question.id && candidate.type === question.type,
    );
    const value = match ? earlier.answers[question.id] : undefined;
    if (!isAnswered(value) || answerValueProblem(question, value) !== null) continue;
    return {
      value,
      source: {
        kind: "response",
        provider: builtinAutofillProviderName,
        deterministic: true,
        responseId: earlier.responseId,
        questionId: question.id,
        note: `Copied from the same question in response ${earlier.responseId} by the built-in deterministic autofill.`,
      },
    };
  }
  return null;
}
