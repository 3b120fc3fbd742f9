import { deepEqual } from "../graph/routing.ts";

/**
 * A JSON Schema subset for workflow trigger payloads. Supported keywords: `type` (one or a list of
 * `string`, `number`, `integer`, `boolean`, `object`, `array`, `null`), `properties`, `required`,
 * `additionalProperties` (a boolean or a schema), `items` (one schema for every item), `enum`, `const`,
 * `minimum`, `maximum`, `exclusiveMinimum`, `exclusiveMaximum` (numbers, as in draft 2020-12),
 * `minLength`, `maxLength` (in code points), `minItems`, `maxItems`; `true` and `false` schemas.
 * Annotations (`$schema`, `$id`, `$comment`, `title`, `description`, `default`, `examples`, `format`,
 * `deprecated`, `readOnly`, `writeOnly`) are accepted and not checked (`format` included, as 2020-12 does
 * by default). Any other keyword (`$ref`, `pattern`, `oneOf`, …) is refused when the schema is set rather
 * than silently ignored.
 */
export type PayloadSchema = boolean | Record<string, unknown>;

/** One problem found in a schema or in a value, at a path of string segments. */
export interface SchemaIssue {
  path: string[];
  message: string;
}

/** Types the `type` keyword accepts. */
export const payloadSchemaTypes = [
  "string",
  "number",
  "integer",
  "boolean",
  "object",
  "array",
  "null",
] as const;

/** Keywords that are validated. */
export const payloadSchemaKeywords = [
  "type",
  "properties",
  "required",
  "additionalProperties",
  "items",
  "enum",
  "const",
  "minimum",
  "maximum",
  "exclusiveMinimum",
  "exclusiveMaximum",
  "minLength",
  "maxLength",
  "minItems",
  "maxItems",
] as const;

/** Keywords that are accepted as annotations and not checked. */
export const payloadSchemaAnnotations = [
  "$schema",
  "$id",
  "$comment",
  "title",
  "description",
  "default",
  "examples",
  "format",
  "deprecated",
  "readOnly",
  "writeOnly",
] as const;

/** Deepest nesting of subschemas a payload schema may have. */
export const maxPayloadSchemaDepth = 32;

const knownKeywords = new Set<string>([...payloadSchemaKeywords, ...payloadSchemaAnnotations]);
const numberKeywords = ["minimum", "maximum", "exclusiveMinimum", "exclusiveMaximum"] as const;
const countKeywords = ["minLength", "maxLength", "minItems", "maxItems"] as const;

/**
 * Every problem of a schema as written: unsupported keywords and keyword values of the wrong form.
 *
 * @param schema - The schema (parsed JSON).
 * @returns Issues with paths into the schema (empty when it is usable).
 */
export function payloadSchemaIssues(schema: unknown): SchemaIssue[] {
  const issues: SchemaIssue[] = [];
  checkSchema(schema, [], 0, issues);
  return issues;
}

function checkSchema(schema: unknown, path: string[], depth: number, issues: SchemaIssue[]): void {
  if (typeof schema === "boolean") return;
  if (typeof schema !== "object" || schema === null || Array.isArray(schema)) {
    issues.push({ path, message: "must be a JSON Schema object or a boolean" });
    return;
  }
  if (depth > maxPayloadSchemaDepth) {
    issues.push({ path, message: `nests more than ${maxPayloadSchemaDepth} levels of subschemas` });
    return;
  }
  const record = schema as Record<string, unknown>;
  for (const [keyword, value] of Object.entries(record)) {
    const at = [...path, keyword];
    if (!knownKeywords.has(keyword)) {
      issues.push({
        path: at,
        message: `unsupported keyword "${keyword}" (supported: ${payloadSchemaKeywords.join(", ")})`,
      });
      continue;
    }
    switch (keyword) {
      case "type": {
        const types = Array.isArray(value) ? value : [value];
        const known = payloadSchemaTypes as readonly unknown[];
        if (types.length === 0 || types.some((type) => !known.includes(type))) {
          issues.push({ path: at, message: `must be one or a list of ${payloadSchemaTypes.join(", ")}` });
        }
        break;
      }
      case "properties":
        if (!isPlainObject(value)) issues.push({ path: at, message: "must be an object of schemas" });
        else {
          for (const [name, sub] of Object.entries(value)) checkSchema(sub, [...at, name], depth + 1, issues);
        }
        break;
      case "required":
        if (!Array.isArray(value) || value.some((item) => typeof item !== "string")) {
          issues.push({ path: at, message: "must be a list of property names" });
        }
        break;
      case "additionalProperties":
      case "items":
        checkSchema(value, at, depth + 1, issues);
        break;
      case "enum":
        if (!Array.isArray(value) || value.length === 0) {
          issues.push({ path: at, message: "must be a non-empty list of values" });
        }
        break;
      default:
        if ((numberKeywords as readonly string[]).includes(keyword)) {
          if (typeof value !== "number" || !Number.isFinite(value)) {
            issues.push({ path: at, message: "must be a number" });
          }
        } else if ((countKeywords as readonly string[]).includes(keyword)) {
          if (typeof value !== "number" || !Number.isInteger(value) || value < 0) {
            issues.push({ path: at, message: "must be a whole number of at least 0" });
          }
        }
    }
  }
}

/**
 * Validates a value against a schema that {@link payloadSchemaIssues} accepted.
 *
 * @param schema - The schema.
 * @param value - The value (parsed JSON).
 * @param path - Path of `value` in the input, prefixed to every issue's path.
 * @returns Every problem found, each at the path of the offending field.
 */
export function validatePayload(schema: PayloadSchema, value: unknown, path: string[] = []): SchemaIssue[] {
  const issues: SchemaIssue[] = [];
  validateValue(schema, value, path, issues);
  return issues;
}

function validateValue(schema: unknown, value: unknown, path: string[], issues: SchemaIssue[]): void {
  if (schema === true) return;
  if (schema === false) {
    issues.push({ path, message: "is not allowed" });
    return;
  }
  if (!isPlainObject(schema)) return;
  if (schema.type !== undefined) {
    const types = (Array.isArray(schema.type) ? schema.type : [schema.type]) as string[];
    if (!types.some((type) => hasType(value, type))) {
      issues.push({ path, message: `must be ${types.map(typeName).join(" or ")}` });
      return;
    }
  }
  if (schema.enum !== undefined && Array.isArray(schema.enum)) {
    if (!schema.enum.some((allowed) => deepEqual(allowed, value))) {
      issues.push({ path, message: `must be one of ${schema.enum.map(show).join(", ")}` });
    }
  }
  if (Object.hasOwn(schema, "const") && !deepEqual(schema.const, value)) {
    issues.push({ path, message: `must be ${show(schema.const)}` });
  }
  if (typeof value === "number") checkNumber(schema, value, path, issues);
  if (typeof value === "string") {
    const length = [...value].length;
    if (typeof schema.minLength === "number" && length < schema.minLength) {
      issues.push({ path, message: `must have at least ${plural(schema.minLength, "character")}` });
    }
    if (typeof schema.maxLength === "number" && length > schema.maxLength) {
      issues.push({ path, message: `must have at most ${plural(schema.maxLength, "character")}` });
    }
  }
  if (Array.isArray(value)) {
    if (typeof schema.minItems === "number" && value.length < schema.minItems) {
      issues.push({ path, message: `must have at least ${plural(schema.minItems, "item")}` });
    }
    if (typeof schema.maxItems === "number" && value.length > schema.maxItems) {
      issues.push({ path, message: `must have at most ${plural(schema.maxItems, "item")}` });
    }
    if (schema.items !== undefined) {
      value.forEach((item, index) => {
        validateValue(schema.items, item, [...path, String(index)], issues);
      });
    }
  }
  if (isPlainObject(value)) checkObject(schema, value, path, issues);
}

function checkNumber(schema: Record<string, unknown>, value: number, path: string[], issues: SchemaIssue[]) {
  const { minimum, maximum, exclusiveMinimum, exclusiveMaximum } = schema;
  if (typeof minimum === "number" && value < minimum) {
    issues.push({ path, message: `must be at least ${minimum}` });
  }
  if (typeof maximum === "number" && value > maximum) {
    issues.push({ path, message: `must be at most ${maximum}` });
  }
  if (typeof exclusiveMinimum === "number" && value <= exclusiveMinimum) {
    issues.push({ path, message: `must be greater than ${exclusiveMinimum}` });
  }
  if (typeof exclusiveMaximum === "number" && value >= exclusiveMaximum) {
    issues.push({ path, message: `must be less than ${exclusiveMaximum}` });
  }
}

function checkObject(
  schema: Record<string, unknown>,
  value: Record<string, unknown>,
  path: string[],
  issues: SchemaIssue[],
): void {
  const properties = isPlainObject(schema.properties) ? schema.properties : {};
  if (Array.isArray(schema.required)) {
    for (const name of schema.required) {
      if (typeof name === "string" && !Object.hasOwn(value, name)) {
        issues.push({ path: [...path, name], message: "is required" });
      }
    }
  }
  for (const [name, item] of Object.entries(value)) {
    if (Object.hasOwn(properties, name)) {
      validateValue(properties[name], item, [...path, name], issues);
    } else if (schema.additionalProperties !== undefined) {
      if (schema.additionalProperties === false) {
        issues.push({ path: [...path, name], message: "is not an allowed property" });
      } else validateValue(schema.additionalProperties, item, [...path, name], issues);
    }
  }
}

function hasType(value: unknown, type: string): boolean {
  switch (type) {
    case "string":
      return typeof value === "string";
    case "number":
      return typeof value === "number" && Number.isFinite(value);
    case "integer":
      return typeof value === "number" && Number.isInteger(value);
    case "boolean":
      return typeof value === "boolean";
    case "object":
      return isPlainObject(value);
    case "array":
      return Array.isArray(value);
    case "null":
      return value === null;
    default:
      return false;
  }
}

function typeName(type: string): string {
  switch (type) {
    case "integer":
      return "an integer";
    case "array":
    case "object":
      return `an ${type}`;
    case "null":
      return "null";
    default:
      return `a ${type}`;
  }
}

function isPlainObject(value: unknown): value is Record<string, unknown> {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}

function show(value: unknown): string {
  return typeof value === "string" ? value : JSON.stringify(value);
}

function plural(count: number, noun: string): string {
  return `${count} ${noun}${count === 1 ? "" : "s"}`;
}
