/**
 * The questionnaire's visibility rules, evaluated in the browser as the recipient types (the server
 * applies the same rules — `visibleQuestionIds` in `@flowgate/domain` — when it saves and submits; this
 * mirror exists because the domain package also holds Node-only code and is not bundled for browsers).
 */

/** A visibility condition as the recipient schema returns it. */
export interface Condition {
  questionId: string;
  operator: "answered" | "equals" | "includes" | "not_equals";
  value?: unknown;
}

/** Whether a value counts as an answer: not empty text, not an empty list. */
export function isAnswered(value: unknown): boolean {
  if (value === undefined || value === null) return false;
  if (typeof value === "string") return value.trim() !== "";
  if (Array.isArray(value)) return value.length > 0;
  return true;
}

function deepEqual(a: unknown, b: unknown): boolean {
  if (a === b) return true;
  if (typeof a !== "object" || typeof b !== "object" || a === null || b === null) return false;
  if (Array.isArray(a) || Array.isArray(b)) {
    if (!Array.isArray(a) || !Array.isArray(b) || a.length !== b.length) return false;
    return a.every((item, index) => deepEqual(item, b[index]));
  }
  const aKeys = Object.keys(a);
  const bRecord = b as Record<string, unknown>;
  if (aKeys.length !== Object.keys(b).length) return false;
  return aKeys.every(
    (key) => Object.hasOwn(bRecord, key) && deepEqual((a as Record<string, unknown>)[key], bRecord[key]),
  );
}

/** Whether `condition` holds for the answer of the question it refers to. */
export function conditionHolds(condition: Condition, answer: unknown): boolean {
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
      return Boolean(never);
    }
  }
}

/**
 * The visible question ids, in questionnaire order: a question with a condition is visible when the
 * question it refers to is visible and the condition holds.
 */
export function visibleQuestionIds(
  questions: readonly { id: string; visibleIf: Condition | null }[],
  answers: Readonly<Record<string, unknown>>,
): Set<string> {
  const visible = new Set<string>();
  for (const question of questions) {
    const condition = question.visibleIf;
    if (
      !condition ||
      (visible.has(condition.questionId) && conditionHolds(condition, answers[condition.questionId]))
    ) {
      visible.add(question.id);
    }
  }
  return visible;
}
