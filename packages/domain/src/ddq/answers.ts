import { ValidationError, type ValidationIssue } from "../errors.ts";
import {
  allQuestions,
  answerValueProblem,
  findQuestion,
  isAnswered,
  type QuestionnaireDefinition,
  visibleQuestionIds,
} from "./questionnaire-definition.ts";

/** Answers of a response by question id (JSON values; see {@link answerValueProblem} for each type). */
export type Answers = Record<string, unknown>;

/** Where an autofilled answer came from. */
export const answerSourceKinds = ["entity", "response", "document", "ai"] as const;

/**
 * Kind of an autofill source: the entity record, an earlier response of the entity, a passage of one of the
 * entity's documents, or an AI provider.
 */
export type AnswerSourceKind = (typeof answerSourceKinds)[number];

/**
 * Annotation of an autofilled answer: which provider filled it and from what. Annotations are internal:
 * they are cleared when a PREFILL response is sent, and a manual edit of the answer removes its annotation.
 */
export interface AnswerSource {
  kind: AnswerSourceKind;
  /** Name of the autofill provider, e.g. `builtin`. */
  provider: string;
  /** Whether the provider is deterministic (same inputs, same answers) rather than a model's guess. */
  deterministic: boolean;
  /** The entity field copied (kind `entity`). */
  field?: string;
  /** The earlier response the answer was copied from (kind `response`). */
  responseId?: string;
  /** The question of that response (kind `response`). */
  questionId?: string;
  /** The entity document the answer was read from (kinds `document` and `ai`). */
  documentId?: string;
  /** Its page, 1-based (kinds `document` and `ai`). */
  page?: number;
  /** The passage of that page the answer was read from (kinds `document` and `ai`). */
  passage?: string;
  /** Confidence from 0 to 1 (kinds `document` and `ai`). */
  confidence?: number;
  /** Human-readable explanation. */
  note: string;
}

/** Autofill annotations by question id. */
export type AnswerSources = Record<string, AnswerSource>;

/**
 * Applies answer changes to a response's answers: each change sets a question's answer, `null` clears it.
 * Every change must name a question of the version and fit its type; all problems are reported together.
 *
 * @param definition - The response's questionnaire version.
 * @param current - The stored answers.
 * @param changes - New answers by question id (`null` clears).
 * @param path - Path of the changes in the input; issues are at `path` + question id.
 * @returns The merged answers and the ids of the questions that changed.
 * @throws ValidationError `"Invalid answers"`.
 */
export function applyAnswerChanges(
  definition: QuestionnaireDefinition,
  current: Readonly<Answers>,
  changes: Readonly<Record<string, unknown>>,
  path: readonly string[] = ["answers"],
): { answers: Answers; changed: string[] } {
  const issues: ValidationIssue[] = [];
  const answers: Answers = { ...current };
  const changed: string[] = [];
  for (const [questionId, value] of Object.entries(changes)) {
    const question = findQuestion(definition, questionId);
    if (!question) {
      issues.push({
        path: [...path, questionId],
        message: `"${questionId}" is not a question of this questionnaire`,
      });
      continue;
    }
    if (value === null || value === undefined) {
      if (questionId in answers) changed.push(questionId);
      delete answers[questionId];
      continue;
    }
    const problem = answerValueProblem(question, value);
    if (problem !== null) {
      issues.push({ path: [...path, questionId], message: `${question.label}: ${problem}` });
      continue;
    }
    answers[questionId] = value;
    changed.push(questionId);
  }
  if (issues.length > 0) throw new ValidationError("Invalid answers", issues);
  return { answers, changed };
}

/**
 * Why `answers` cannot be submitted: a visible required question is unanswered, a hidden question has an
 * answer, or an answer no longer fits its question.
 *
 * @param definition - The response's questionnaire version.
 * @param answers - The answers to submit.
 * @param path - Path prefix of the issues (default `["answers"]`).
 */
export function submissionIssues(
  definition: QuestionnaireDefinition,
  answers: Readonly<Answers>,
  path: readonly string[] = ["answers"],
): ValidationIssue[] {
  const issues: ValidationIssue[] = [];
  const visible = visibleQuestionIds(definition, answers);
  for (const question of allQuestions(definition)) {
    const value = answers[question.id];
    const at = (message: string) =>
      issues.push({ path: [...path, question.id], message: `${question.label}: ${message}` });
    if (!visible.has(question.id)) {
      if (isAnswered(value)) at("is hidden by its condition, so it must not be answered; clear the answer");
      continue;
    }
    if (!isAnswered(value)) {
      if (question.required) at("is required");
      continue;
    }
    const problem = answerValueProblem(question, value);
    if (problem !== null) at(problem);
  }
  for (const questionId of Object.keys(answers)) {
    if (!findQuestion(definition, questionId)) {
      issues.push({
        path: [...path, questionId],
        message: `"${questionId}" is not a question of this questionnaire`,
      });
    }
  }
  return issues;
}

/**
 * Throws unless `answers` can be submitted (see {@link submissionIssues}).
 *
 * @throws ValidationError `"The response cannot be submitted"`.
 */
export function assertSubmittable(definition: QuestionnaireDefinition, answers: Readonly<Answers>): void {
  const issues = submissionIssues(definition, answers);
  if (issues.length > 0) throw new ValidationError("The response cannot be submitted", issues);
}

/**
 * Turns answers written as a list (`[{ questionId, value }]`, as GraphQL inputs are) into changes by
 * question id. A question listed twice is an issue at `path.<index>.questionId`.
 *
 * @param list - The answers as written.
 * @param path - Path of the list in the input (default `["answers"]`).
 * @throws ValidationError `"Invalid answers"`.
 */
export function answerChangesFromList(
  list: readonly { questionId: string; value?: unknown }[],
  path: readonly string[] = ["answers"],
): Record<string, unknown> {
  const changes: Record<string, unknown> = {};
  const issues: ValidationIssue[] = [];
  list.forEach((item, index) => {
    if (Object.hasOwn(changes, item.questionId)) {
      issues.push({
        path: [...path, String(index), "questionId"],
        message: `"${item.questionId}" is answered more than once`,
      });
      return;
    }
    changes[item.questionId] = item.value ?? null;
  });
  if (issues.length > 0) throw new ValidationError("Invalid answers", issues);
  return changes;
}
