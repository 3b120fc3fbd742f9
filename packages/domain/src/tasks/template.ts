import type { RoutingContext } from "../graph/routing.ts";
import { type DataPath, parseDataPath, resolveDataPath } from "./data-paths.ts";

/**
 * Templates: JSON values whose strings may contain `{{ expression }}` placeholders. An expression is a
 * data path (`payload.customer.name`, `enrich.output.score`, `session.country`) or a literal (`"text"`,
 * `'text'`, `42`, `-1.5`, `true`, `false`, `null`), optionally several joined by `??` (the first that is
 * neither missing nor null wins). There are no operators, calls or code: nothing is ever evaluated as
 * code.
 *
 * A string that is exactly one placeholder (surrounding whitespace aside) becomes the expression's value
 * with its JSON type (a number stays a number, an object an object); a missing value leaves the object
 * key out (`null` inside arrays). Placeholders inside longer text are interpolated: strings as is,
 * numbers and booleans in JSON form, objects and arrays as JSON, missing and null values as the empty
 * string. Object keys are never templated.
 */

/** One operand of an expression. */
export type TemplateTerm =
  | { kind: "literal"; value: string | number | boolean | null }
  | { kind: "path"; path: DataPath; text: string };

/** A `{{ … }}` expression: one or more terms joined by `??`. */
export interface TemplateExpression {
  terms: TemplateTerm[];
}

/** A templated string: literal text and expressions, in order. */
export type TemplatePart =
  | { kind: "text"; text: string }
  | { kind: "expression"; expression: TemplateExpression };

/** Result of parsing a templated string. */
export type TemplateStringParse = { ok: true; parts: TemplatePart[] } | { ok: false; message: string };

/** One problem found in a template, at a path relative to the template's root. */
export interface TemplateIssue {
  path: (string | number)[];
  message: string;
}

/**
 * Parses a string that may contain `{{ … }}` placeholders.
 *
 * @param text - The string as written.
 */
export function parseTemplateString(text: string): TemplateStringParse {
  const parts: TemplatePart[] = [];
  let index = 0;
  let literal = "";
  while (index < text.length) {
    const open = text.indexOf("{{", index);
    if (open === -1) {
      literal += text.slice(index);
      break;
    }
    literal += text.slice(index, open);
    const parsed = parseExpression(text, open + 2);
    if (!parsed.ok) return parsed;
    if (literal !== "") parts.push({ kind: "text", text: literal });
    literal = "";
    parts.push({ kind: "expression", expression: parsed.expression });
    index = parsed.end;
  }
  if (literal !== "") parts.push({ kind: "text", text: literal });
  return { ok: true, parts };
}

/**
 * Every problem of a template: malformed placeholders and paths, and (through `checkPath`) paths that
 * read what cannot exist when the template is rendered.
 *
 * @param template - The template (any JSON value).
 * @param checkPath - Extra checks of each path; returns a message for a bad path, else `null`.
 */
export function templateIssues(
  template: unknown,
  checkPath: (path: DataPath, text: string) => string | null = () => null,
): TemplateIssue[] {
  const issues: TemplateIssue[] = [];
  const visit = (value: unknown, path: (string | number)[]): void => {
    if (typeof value === "string") {
      const parsed = parseTemplateString(value);
      if (!parsed.ok) {
        issues.push({ path, message: parsed.message });
        return;
      }
      for (const part of parsed.parts) {
        if (part.kind !== "expression") continue;
        for (const term of part.expression.terms) {
          if (term.kind !== "path") continue;
          const message = checkPath(term.path, term.text);
          if (message !== null) issues.push({ path, message });
        }
      }
    } else if (Array.isArray(value)) {
      value.forEach((item, index) => {
        visit(item, [...path, index]);
      });
    } else if (typeof value === "object" && value !== null) {
      for (const [key, item] of Object.entries(value)) visit(item, [...path, key]);
    }
  };
  visit(template, []);
  return issues;
}

/**
 * Renders a template against the run's data. Strings that fail to parse are kept as written (validated
 * graphs never contain any).
 *
 * @param template - The template (any JSON value).
 * @param ctx - The run's payload, session data and node outputs.
 * @returns The rendered value; `undefined` only when the whole template is one placeholder whose value is
 *   missing.
 */
export function renderTemplate(template: unknown, ctx: RoutingContext): unknown {
  if (typeof template === "string") return renderString(template, ctx);
  if (Array.isArray(template)) {
    return template.map((item) => {
      const rendered = renderTemplate(item, ctx);
      return rendered === undefined ? null : rendered;
    });
  }
  if (typeof template === "object" && template !== null) {
    const out: Record<string, unknown> = {};
    for (const [key, item] of Object.entries(template)) {
      const rendered = renderTemplate(item, ctx);
      if (rendered !== undefined) out[key] = rendered;
    }
    return out;
  }
  return template;
}

/**
 * Renders a template whose root is an object (a template task's `output`).
 *
 * @param template - The template object.
 * @param ctx - The run's payload, session data and node outputs.
 */
export function renderTemplateObject(
  template: Record<string, unknown>,
  ctx: RoutingContext,
): Record<string, unknown> {
  return renderTemplate(template, ctx) as Record<string, unknown>;
}

/**
 * Evaluates one expression: the value of its first term that is neither missing nor null, else the last
 * term's value.
 *
 * @param expression - A parsed expression.
 * @param ctx - The run's data.
 */
export function evaluateExpression(expression: TemplateExpression, ctx: RoutingContext): unknown {
  let value: unknown;
  for (const term of expression.terms) {
    value = term.kind === "literal" ? term.value : resolveDataPath(term.path, ctx);
    if (value !== undefined && value !== null) return value;
  }
  return value;
}

function renderString(text: string, ctx: RoutingContext): unknown {
  const parsed = parseTemplateString(text);
  if (!parsed.ok) return text;
  const { parts } = parsed;
  const expressions = parts.filter((part) => part.kind === "expression");
  const onlyWhitespaceAround = parts.every((part) => part.kind === "expression" || part.text.trim() === "");
  if (expressions.length === 1 && onlyWhitespaceAround) {
    return evaluateExpression(expressions[0]!.expression, ctx);
  }
  return parts
    .map((part) => (part.kind === "text" ? part.text : interpolate(evaluateExpression(part.expression, ctx))))
    .join("");
}

function interpolate(value: unknown): string {
  if (value === undefined || value === null) return "";
  if (typeof value === "string") return value;
  return JSON.stringify(value);
}

type ExpressionParse =
  | { ok: true; expression: TemplateExpression; end: number }
  | { ok: false; message: string };

const pathCharacter = /[A-Za-z0-9_.-]/;
const numberPattern = /^-?(0|[1-9][0-9]*)(\.[0-9]+)?([eE][+-]?[0-9]+)?/;

/** Parses an expression starting at `start` (just after `{{`) up to and including its `}}`. */
function parseExpression(text: string, start: number): ExpressionParse {
  const terms: TemplateTerm[] = [];
  let index = start;
  const fail = (message: string): ExpressionParse => ({
    ok: false,
    message: `placeholder at position ${start - 2}: ${message}`,
  });
  const skipSpaces = () => {
    while (index < text.length && /\s/.test(text.charAt(index))) index++;
  };
  for (;;) {
    skipSpaces();
    if (index >= text.length) return fail('is not closed with "}}"');
    if (text.startsWith("}}", index)) {
      return terms.length === 0 ? fail("is empty") : fail('ends after "??" without a value');
    }
    const char = text.charAt(index);
    if (char === '"' || char === "'") {
      const literal = readString(text, index);
      if (!literal.ok) return fail(literal.message);
      terms.push({ kind: "literal", value: literal.value });
      index = literal.end;
    } else if (char === "-" || (char >= "0" && char <= "9")) {
      const match = numberPattern.exec(text.slice(index));
      if (!match) return fail(`"${char}" does not start a number`);
      terms.push({ kind: "literal", value: Number(match[0]) });
      index += match[0].length;
    } else if (/[A-Za-z]/.test(char)) {
      let end = index;
      while (end < text.length && pathCharacter.test(text.charAt(end))) end++;
      const word = text.slice(index, end);
      index = end;
      if (word === "true" || word === "false") terms.push({ kind: "literal", value: word === "true" });
      else if (word === "null") terms.push({ kind: "literal", value: null });
      else {
        const parsed = parseDataPath(word);
        if (!parsed.ok) return fail(parsed.message);
        terms.push({ kind: "path", path: parsed.path, text: word });
      }
    } else {
      return fail(`unexpected "${char}": only paths, literals and "??" are allowed`);
    }
    skipSpaces();
    if (text.startsWith("}}", index)) return { ok: true, expression: { terms }, end: index + 2 };
    if (text.startsWith("??", index)) {
      index += 2;
      continue;
    }
    if (index >= text.length) return fail('is not closed with "}}"');
    return fail(`unexpected "${text.charAt(index)}": only paths, literals and "??" are allowed`);
  }
}

type StringParse = { ok: true; value: string; end: number } | { ok: false; message: string };

const escapes: Record<string, string> = {
  '"': '"',
  "'": "'",
  "\\": "\\",
  "/": "/",
  b: "\b",
  f: "\f",
  n: "\n",
  r: "\r",
  t: "\t",
};

/** Reads a quoted string literal starting at its opening quote. */
function readString(text: string, start: number): StringParse {
  const quote = text.charAt(start);
  let value = "";
  let index = start + 1;
  while (index < text.length) {
    const char = text.charAt(index);
    if (char === quote) return { ok: true, value, end: index + 1 };
    if (char === "\\") {
      const next = text.charAt(index + 1);
      if (next === "u") {
        const hex = text.slice(index + 2, index + 6);
        if (!/^[0-9a-fA-F]{4}$/.test(hex)) return { ok: false, message: "invalid \\u escape in a string" };
        value += String.fromCharCode(Number.parseInt(hex, 16));
        index += 6;
        continue;
      }
      const escaped = escapes[next];
      if (escaped === undefined) return { ok: false, message: `invalid escape "\\${next}" in a string` };
      value += escaped;
      index += 2;
      continue;
    }
    value += char;
    index++;
  }
  return { ok: false, message: "a string is not closed" };
}
