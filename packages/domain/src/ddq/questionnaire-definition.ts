import { z } from "zod";
import type { $ZodIssue, $ZodRawIssue } from "zod/v4/core";
import { ValidationError, type ValidationIssue } from "../errors.ts";
import { deepEqual } from "../graph/routing.ts";

/** Every question type. */
export const questionTypes = [
  "text",
  "long_text",
  "yes_no",
  "single_choice",
  "multiple_choice",
  "number",
  "date",
  "file_reference",
] as const;

/**
 * Type of a question, which decides what an answer is: `text` (a string up to 1,000 characters),
 * `long_text` (up to 20,000), `yes_no` (a boolean), `single_choice` (one option value),
 * `multiple_choice` (a list of distinct option values), `number` (a finite number), `date`
 * (`YYYY-MM-DD`), `file_reference` (the id or URL of an uploaded file, up to 500 characters).
 */
export type QuestionType = (typeof questionTypes)[number];

/** Question types whose answers are option values. */
export const choiceQuestionTypes: readonly QuestionType[] = ["single_choice", "multiple_choice"];

/** Operators of a visibility condition. */
export const visibilityOperators = ["equals", "not_equals", "includes", "answered"] as const;

/**
 * Operator of a visibility condition: the other question's answer `equals` / `not_equals` the value,
 * `includes` it (multiple choice), or is `answered` at all.
 */
export type VisibilityOperator = (typeof visibilityOperators)[number];

/** Entity fields a question can be autofilled from. */
export const entityAutofillFields = [
  "displayName",
  "entityType",
  "legalName",
  "tradingName",
  "firstName",
  "lastName",
  "email",
  "phone",
  "jurisdiction",
] as const;

/** An entity field a question is autofilled from. */
export type EntityAutofillField = (typeof entityAutofillFields)[number];

/** Question types that can take their answer from an entity field (the field's value is a string). */
export const entityAutofillQuestionTypes: readonly QuestionType[] = ["text", "long_text", "single_choice"];

/** Pattern of section and question ids: a letter, then up to 63 letters, digits or `_`. */
export const questionIdPattern = /^[A-Za-z][A-Za-z0-9_]{0,63}$/;

/** Most sections a questionnaire may have. */
export const maxSections = 50;
/** Most questions a section may have. */
export const maxQuestionsPerSection = 200;

/** One option of a choice question. */
export interface QuestionOption {
  /** Stored as the answer. */
  value: string;
  /** Shown to the recipient. */
  label: string;
}

/** Shows a question only when an earlier question's answer meets the condition. */
export interface VisibilityCondition {
  /** An earlier question. */
  questionId: string;
  operator: VisibilityOperator;
  /** Compared with the answer (absent for `answered`). */
  value: unknown;
}

/** A question of a questionnaire, normalized. */
export interface Question {
  id: string;
  type: QuestionType;
  label: string;
  help: string | null;
  /** Must be answered to submit, while visible. */
  required: boolean;
  /** The options of a choice question; empty for other types. */
  options: QuestionOption[];
  /** When set, the question is shown (and validated) only while the condition holds. */
  visibleIf: VisibilityCondition | null;
  /** The entity field autofill copies into this question, when set. */
  entityField: EntityAutofillField | null;
}

/** A titled group of questions. */
export interface QuestionnaireSection {
  id: string;
  title: string;
  description: string | null;
  questions: Question[];
}

/** The content of one questionnaire version: its sections in order. */
export interface QuestionnaireDefinition {
  sections: QuestionnaireSection[];
}

const idSchema = z
  .string()
  .regex(questionIdPattern, 'must start with a letter and contain only letters, digits and "_" (at most 64)');

const optionSchema = z.object({
  value: z.string().trim().min(1).max(100),
  label: z.string().trim().min(1).max(200),
});

const visibilitySchema = z.object({
  questionId: z.string().min(1),
  operator: z.enum(visibilityOperators),
  value: z.unknown().optional(),
});

const questionSchema = z.object({
  id: idSchema,
  type: z.enum(questionTypes),
  label: z.string().trim().min(1).max(500),
  help: z.string().trim().max(2000).nullish(),
  required: z.boolean().nullish(),
  options: z.array(optionSchema).max(200).nullish(),
  visibleIf: visibilitySchema.nullish(),
  entityField: z.enum(entityAutofillFields).nullish(),
});

const sectionSchema = z.object({
  id: idSchema,
  title: z.string().trim().min(1).max(200),
  description: z.string().trim().max(2000).nullish(),
  questions: z.array(questionSchema).min(1).max(maxQuestionsPerSection),
});

/** Schema of a questionnaire definition as written (shape only; see {@link parseQuestionnaireDefinition}). */
export const questionnaireDefinitionSchema = z.object({
  sections: z.array(sectionSchema).min(1).max(maxSections),
});

/** Every question of a definition in order, sections flattened. */
export function allQuestions(definition: QuestionnaireDefinition): Question[] {
  return definition.sections.flatMap((section) => section.questions);
}

/** The question with id `id`, or undefined. */
export function findQuestion(definition: QuestionnaireDefinition, id: string): Question | undefined {
  return allQuestions(definition).find((question) => question.id === id);
}

/**
 * Whether an answer counts as given: not null or undefined, not a blank string, not an empty list.
 *
 * @param value - The stored answer.
 */
export function isAnswered(value: unknown): boolean {
  if (value === undefined || value === null) return false;
  if (typeof value === "string") return value.trim() !== "";
  if (Array.isArray(value)) return value.length > 0;
  return true;
}

const datePattern = /^(\d{4})-(\d{2})-(\d{2})$/;

/** Whether `value` is a real calendar date written `YYYY-MM-DD`. */
export function isIsoDate(value: string): boolean {
  const match = datePattern.exec(value);
  if (!match) return false;
  const [year, month, day] = [Number(match[1]), Number(match[2]), Number(match[3])];
  const date = new Date(Date.UTC(year, month - 1, day));
  return date.getUTCFullYear() === year && date.getUTCMonth() === month - 1 && date.getUTCDate() === day;
}

/**
 * What is wrong with `value` as an answer to `question`, or null when it is a valid answer. Only the value's
 * type and form are checked here; required and visibility rules depend on the other answers.
 *
 * @param question - The question answered.
 * @param value - The answer (not null).
 */
export function answerValueProblem(question: Question, value: unknown): string | null {
  switch (question.type) {
    case "text":
    case "long_text": {
      const max = question.type === "text" ? 1000 : 20_000;
      if (typeof value !== "string") return "must be a string";
      return value.length > max ? `must have at most ${max} characters` : null;
    }
    case "yes_no":
      return typeof value === "boolean" ? null : "must be true or false";
    case "single_choice":
      if (typeof value !== "string") return "must be one option value (a string)";
      return question.options.some((option) => option.value === value)
        ? null
        : `"${value}" is not an option (options: ${optionList(question)})`;
    case "multiple_choice": {
      if (!Array.isArray(value) || value.some((item) => typeof item !== "string")) {
        return "must be a list of option values (strings)";
      }
      const unknown = value.find((item) => !question.options.some((option) => option.value === item));
      if (unknown !== undefined) return `"${unknown}" is not an option (options: ${optionList(question)})`;
      return new Set(value).size === value.length ? null : "must not list an option twice";
    }
    case "number":
      return typeof value === "number" && Number.isFinite(value) ? null : "must be a number";
    case "date":
      return typeof value === "string" && isIsoDate(value) ? null : "must be a date written YYYY-MM-DD";
    case "file_reference":
      if (typeof value !== "string" || value.trim() === "") return "must be a file id or URL (a string)";
      return value.length > 500 ? "must have at most 500 characters" : null;
    default: {
      const never: never = question.type;
      return `unknown question type ${String(never)}`;
    }
  }
}

function optionList(question: Question): string {
  return question.options.map((option) => option.value).join(", ");
}

/**
 * Whether a visibility condition holds for the answer of the question it refers to.
 *
 * @param condition - The condition.
 * @param answer - The current answer of `condition.questionId` (undefined when unanswered or hidden).
 */
export function conditionHolds(condition: VisibilityCondition, answer: unknown): boolean {
  switch (condition.operator) {
    case "equals":
      return isAnswered(answer) && deepEqual(answer, condition.value);
    case "not_equals":
      return !isAnswered(answer) || !deepEqual(answer, condition.value);
    case "includes":
      return Array.isArray(answer) && answer.some((item) => deepEqual(item, condition.value));
    case "answered":
      return isAnswered(answer);
    default: {
      const never: never = condition.operator;
      throw new Error(`unknown operator ${String(never)}`);
    }
  }
}

/**
 * The ids of the questions visible with `answers`. A question with `visibleIf` is visible when the question
 * it refers to is visible and the condition holds; a hidden question's answer does not count.
 *
 * @param definition - The questionnaire version.
 * @param answers - Answers by question id.
 */
export function visibleQuestionIds(
  definition: QuestionnaireDefinition,
  answers: Readonly<Record<string, unknown>>,
): Set<string> {
  const visible = new Set<string>();
  for (const question of allQuestions(definition)) {
    const condition = question.visibleIf;
    if (
      condition === null ||
      (visible.has(condition.questionId) && conditionHolds(condition, answers[condition.questionId]))
    ) {
      visible.add(question.id);
    }
  }
  return visible;
}

/**
 * Parses and validates a questionnaire definition: its shape, then unique section and question ids,
 * options exactly for choice questions (at least two, distinct values), visibility conditions that refer to
 * an earlier question with a value that fits it, and entity fields only on text and single-choice questions.
 *
 * @param input - The definition as written (`{ sections: [...] }`).
 * @param path - Path of the definition in the input; issues are located under it.
 * @returns The normalized definition.
 * @throws ValidationError `"Invalid questionnaire"` listing every issue.
 */
export function parseQuestionnaireDefinition(
  input: unknown,
  path: readonly string[] = [],
): QuestionnaireDefinition {
  const parsed = questionnaireDefinitionSchema.safeParse(input, { error: describeIssue });
  if (!parsed.success) {
    throw new ValidationError(
      "Invalid questionnaire",
      parsed.error.issues.map((issue) => fromZodIssue(issue, path)),
    );
  }
  const definition: QuestionnaireDefinition = {
    sections: parsed.data.sections.map((section) => ({
      id: section.id,
      title: section.title,
      description: section.description || null,
      questions: section.questions.map((question) => ({
        id: question.id,
        type: question.type,
        label: question.label,
        help: question.help || null,
        required: question.required ?? false,
        options: question.options ?? [],
        visibleIf: question.visibleIf
          ? {
              questionId: question.visibleIf.questionId,
              operator: question.visibleIf.operator,
              value: question.visibleIf.value,
            }
          : null,
        entityField: question.entityField ?? null,
      })),
    })),
  };
  const issues = semanticIssues(definition, path);
  if (issues.length > 0) throw new ValidationError("Invalid questionnaire", issues);
  return definition;
}

function semanticIssues(definition: QuestionnaireDefinition, path: readonly string[]): ValidationIssue[] {
  const issues: ValidationIssue[] = [];
  const sectionIds = new Set<string>();
  const earlier = new Map<string, Question>();
  definition.sections.forEach((section, s) => {
    const sectionPath = [...path, "sections", String(s)];
    if (sectionIds.has(section.id)) {
      issues.push({ path: [...sectionPath, "id"], message: `duplicate section id "${section.id}"` });
    }
    sectionIds.add(section.id);
    section.questions.forEach((question, q) => {
      const at = (field: string[], message: string) =>
        issues.push({
          path: [...sectionPath, "questions", String(q), ...field],
          message: `Question "${question.id}": ${message}`,
        });
      if (earlier.has(question.id)) at(["id"], "duplicate question id");
      const choice = choiceQuestionTypes.includes(question.type);
      if (choice && question.options.length < 2) {
        at(["options"], `a ${question.type} question needs at least 2 options`);
      }
      if (!choice && question.options.length > 0) {
        at(["options"], "only single_choice and multiple_choice questions have options");
      }
      const seen = new Set<string>();
      question.options.forEach((option, o) => {
        if (seen.has(option.value)) at(["options", String(o), "value"], `duplicate option "${option.value}"`);
        seen.add(option.value);
      });
      if (question.visibleIf) {
        for (const problem of conditionProblems(question.visibleIf, earlier)) {
          at(["visibleIf", problem.field], problem.message);
        }
      }
      if (question.entityField && !entityAutofillQuestionTypes.includes(question.type)) {
        at(["entityField"], "only text, long_text and single_choice questions can be filled from the entity");
      }
      if (!earlier.has(question.id)) earlier.set(question.id, question);
    });
  });
  return issues;
}

function conditionProblems(
  condition: VisibilityCondition,
  earlier: Map<string, Question>,
): { field: string; message: string }[] {
  const target = earlier.get(condition.questionId);
  if (!target) {
    return [
      {
        field: "questionId",
        message: `visibleIf refers to "${condition.questionId}", which is not a question before this one`,
      },
    ];
  }
  const { operator, value } = condition;
  if (operator === "answered") {
    return value === undefined || value === null
      ? []
      : [{ field: "value", message: 'visibleIf with operator "answered" takes no value' }];
  }
  if (operator === "includes") {
    if (target.type !== "multiple_choice") {
      return [{ field: "operator", message: '"includes" needs a multiple_choice question to refer to' }];
    }
    return target.options.some((option) => option.value === value)
      ? []
      : [{ field: "value", message: `visibleIf value must be one of the options of "${target.id}"` }];
  }
  const problem = value === undefined || value === null ? "is required" : answerValueProblem(target, value);
  return problem === null
    ? []
    : [{ field: "value", message: `visibleIf value ${problem} (an answer to "${target.id}")` }];
}

/** Short messages that read well after a field name. */
function describeIssue(issue: $ZodRawIssue): string | undefined {
  switch (issue.code) {
    case "invalid_type":
      return issue.input === undefined ? "is required" : `must be ${article(issue.expected)}`;
    case "too_small": {
      const minimum = Number(issue.minimum);
      if (issue.origin === "string") return "must not be empty";
      if (issue.origin === "array") return `must have at least ${minimum} item${minimum === 1 ? "" : "s"}`;
      return `must be at least ${minimum}`;
    }
    case "too_big": {
      const maximum = Number(issue.maximum);
      if (issue.origin === "string") return `must have at most ${maximum} characters`;
      if (issue.origin === "array") return `must have at most ${maximum} items`;
      return `must be at most ${maximum}`;
    }
    case "invalid_value":
      return `must be one of ${issue.values.map(String).join(", ")}`;
    case "invalid_format":
      return "has an invalid format";
    default:
      return undefined;
  }
}

function article(expected: string): string {
  return (
    { string: "a string", number: "a number", boolean: "a boolean", object: "an object", array: "a list" }[
      expected
    ] ?? expected
  );
}

function fromZodIssue(issue: $ZodIssue, prefix: readonly string[]): ValidationIssue {
  const path = issue.path.map((segment) => String(segment));
  const field = path.length === 0 ? "definition" : path[path.length - 1];
  return { path: [...prefix, ...path], message: `${field} ${issue.message}` };
}
