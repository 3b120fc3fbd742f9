import { ValidationError, type ValidationIssue } from "./errors.ts";

/** A lone surrogate: a high one not followed by a low one, or a low one without a high one before it. */
const loneSurrogate = /[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/;

/**
 * Why `text` cannot be stored, or null when it can. PostgreSQL's `text` and `jsonb` refuse NUL (`\u0000`),
 * and a lone UTF-16 surrogate (`\ud800`) is not Unicode at all: neither can be stored or sent back, so
 * input holding one is refused where it enters, naming the field, instead of failing deep inside.
 */
export function unsafeTextProblem(text: string): string | null {
  if (text.includes("\u0000")) return "must not contain a NUL character (\\u0000)";
  if (loneSurrogate.test(text)) return "must be valid Unicode text (it contains a lone surrogate)";
  return null;
}

/**
 * Every string in `value` — nested in arrays and objects, object keys included — that cannot be stored (see
 * {@link unsafeTextProblem}), as issues located by path from `path`. Any adapter (GraphQL, REST) runs it
 * over its whole input once, at the edge.
 *
 * @param value - Input as decoded from the wire: strings, numbers, arrays, plain objects, dates, …
 * @param path - Where `value` sits, e.g. `["name"]` for an argument `name`.
 */
export function findUnsafeText(value: unknown, path: string[] = []): ValidationIssue[] {
  const issues: ValidationIssue[] = [];
  const visit = (current: unknown, at: string[], depth: number) => {
    if (typeof current === "string") {
      const problem = unsafeTextProblem(current);
      if (problem) issues.push({ path: at, message: problem });
      return;
    }
    // Input nesting is bounded by the query limits; this bound only guards against cycles.
    if (current === null || typeof current !== "object" || depth > 200) return;
    if (Array.isArray(current)) {
      for (const [index, item] of current.entries()) visit(item, [...at, String(index)], depth + 1);
      return;
    }
    if (Object.getPrototypeOf(current) !== Object.prototype && Object.getPrototypeOf(current) !== null)
      return;
    for (const [key, item] of Object.entries(current)) {
      const problem = unsafeTextProblem(key);
      if (problem) issues.push({ path: [...at, key], message: `(a key) ${problem}` });
      visit(item, [...at, key], depth + 1);
    }
  };
  visit(value, path, 0);
  return issues;
}

/**
 * Throws a {@link ValidationError} naming every field of `input` that holds text that cannot be stored.
 *
 * @param what - What the input is for, e.g. `createWorkflow`, for the error's message.
 */
export function assertSafeText(input: unknown, what: string): void {
  const issues = findUnsafeText(input);
  if (issues.length > 0) throw new ValidationError(`Invalid input to ${what}`, issues);
}
