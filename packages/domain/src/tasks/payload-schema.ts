import { createRequire } from "node:module";
import type { Ajv2020, ErrorObject, ValidateFunction } from "ajv/dist/2020.js";
import {
  keywordRule,
  payloadSchemaDialect,
  payloadSchemaKeywords,
  schemaShapeRule,
  subschemaKeywords,
  subschemaMapKeywords,
  unknownKeywordRule,
} from "./payload-schema-dialect.ts";

export {
  payloadSchemaAnnotations,
  payloadSchemaKeywords,
  payloadSchemaTypes,
} from "./payload-schema-dialect.ts";

/**
 * A JSON Schema (draft 2020-12) for workflow trigger payloads, validated with Ajv. Supported keywords:
 * `type` (one or a list of `string`, `number`, `integer`, `boolean`, `object`, `array`, `null`), `properties`,
 * `required`, `additionalProperties` (a boolean or a schema), `items` (one schema for every item), `enum`,
 * `const`, `minimum`, `maximum`, `exclusiveMinimum`, `exclusiveMaximum`, `multipleOf`, `minLength`,
 * `maxLength` (in code points), `minItems`, `maxItems`, `uniqueItems`, `minProperties`, `maxProperties`,
 * `dependentRequired`; `true` and `false` schemas. Annotations (`$schema`, `$id`, `$comment`, `title`,
 * `description`, `default`, `examples`, `format`, `deprecated`, `readOnly`, `writeOnly`) are accepted and not
 * checked (`format` included, as 2020-12 does by default). Any other keyword (`$ref`, `pattern`, `oneOf`, …)
 * is refused when the schema is set rather than silently ignored: `$ref` would reach outside the schema and a
 * user's `pattern` is a regular expression run on every trigger (catastrophic backtracking).
 */
export type PayloadSchema = boolean | Record<string, unknown>;

/** One problem found in a schema or in a value, at a path of string segments. */
export interface SchemaIssue {
  path: string[];
  message: string;
}

/** Deepest nesting of subschemas a payload schema may have. */
export const maxPayloadSchemaDepth = 32;

/** Compiled payload schemas kept for reuse (a trigger re-reads its workflow's schema from the store). */
const maxCompiledSchemas = 256;

/**
 * Ajv (CommonJS, about 85 modules), loaded at the first schema compiled rather than with the process: a
 * cold start that never validates a payload does not load it.
 */
function loadAjv(): typeof Ajv2020 {
  return (createRequire(import.meta.url)("ajv/dist/2020.js") as { Ajv2020: typeof Ajv2020 }).Ajv2020;
}

/**
 * Checks user schemas against the dialect; strict, so a mistake in the dialect itself fails on first use
 * (the unit suite uses it). Built on first use, not at import: compiling Ajv's meta-schemas costs a
 * process start about 200 ms that most processes (a worker, a gateway answering reads) never need.
 */
let dialectValidator: ValidateFunction | undefined;
function dialectCheck(): ValidateFunction {
  dialectValidator ??= new (loadAjv())({ allErrors: true, strict: true, allowUnionTypes: true }).compile(
    payloadSchemaDialect,
  );
  return dialectValidator;
}

/**
 * Compiles user schemas. `verbose` puts each failed keyword's value on its error (messages quote it);
 * `ownProperties` makes `required` and `properties` see only a value's own keys (a payload `{}` has no
 * `"constructor"`); `addUsedSchema: false` keeps a user's `$id` out of the instance's registry; formats are
 * annotations. Strict mode stays off: the dialect already refused unknown keywords, and strict mode's
 * warnings about a `minimum` without `type` (legal JSON Schema) would only reach the log.
 */
let payloadAjvInstance: Ajv2020 | undefined;
function payloadAjv(): Ajv2020 {
  payloadAjvInstance ??= new (loadAjv())({
    allErrors: true,
    verbose: true,
    strict: false,
    ownProperties: true,
    addUsedSchema: false,
    validateFormats: false,
  });
  return payloadAjvInstance;
}
const compiled = new Map<string, { schema: unknown; validate: ValidateFunction }>();

/**
 * Every problem of a schema as written: unsupported keywords and keyword values of the wrong form, each at
 * its path in the schema, in the schema's order.
 *
 * @param schema - The schema (parsed JSON).
 * @returns Issues with paths into the schema (empty when it is usable).
 */
export function payloadSchemaIssues(schema: unknown): SchemaIssue[] {
  const tooDeep = depthIssues(schema, [], 0);
  if (tooDeep.length > 0) return tooDeep;
  const checkDialect = dialectCheck();
  if (!checkDialect(schema)) {
    const issues = new Map<string, SchemaIssue>();
    for (const error of checkDialect.errors ?? []) {
      // A bad property name is reported by its own error (with `propertyName`), this one only wraps it.
      if (error.keyword === "propertyNames") continue;
      const issue = dialectIssue(error);
      const key = JSON.stringify(issue.path);
      // One issue per place; a repeated entry is more telling than "not one of the types" from `anyOf`.
      if (!issues.has(key) || error.keyword === "uniqueItems") issues.set(key, issue);
    }
    return inDocumentOrder(schema, [...issues.values()], (issue) => ({ anchor: issue.path, rank: 0 }));
  }
  try {
    compile(schema as PayloadSchema);
  } catch (error) {
    // The dialect is a subset of draft 2020-12, so the official meta-schema should accept whatever it does.
    return [{ path: [], message: `is not a valid JSON Schema: ${(error as Error).message}` }];
  }
  return [];
}

/**
 * Validates a value against a schema that {@link payloadSchemaIssues} accepted.
 *
 * @param schema - The schema.
 * @param value - The value (parsed JSON).
 * @param path - Path of `value` in the input, prefixed to every issue's path.
 * @returns Every problem found, each at the path of the offending field, in the value's order.
 */
export function validatePayload(schema: PayloadSchema, value: unknown, path: string[] = []): SchemaIssue[] {
  let validate: ValidateFunction;
  try {
    validate = compile(schema);
  } catch (error) {
    return [
      { path, message: `cannot be checked: the payload schema is invalid (${(error as Error).message})` },
    ];
  }
  if (validate(value)) return [];
  const errors = withoutTypeFollowUps(validate.errors ?? []);
  const located = errors.map((error) => valueIssue(error));
  const ordered = inDocumentOrder(value, located, (issue) => issue.order);
  return ordered.map(({ path: at, message }) => ({ path: [...path, ...at], message }));
}

/** A compiled validator for `schema`, from the cache when the same schema was compiled before. */
function compile(schema: PayloadSchema): ValidateFunction {
  if (typeof schema === "boolean") return compileCached(String(schema), schema);
  const key = JSON.stringify(schema);
  return compileCached(key, schema);
}

function compileCached(key: string, schema: PayloadSchema): ValidateFunction {
  const hit = compiled.get(key);
  if (hit) {
    compiled.delete(key);
    compiled.set(key, hit);
    return hit.validate;
  }
  const prepared = withoutIdentifiers(schema) as PayloadSchema;
  const validate = payloadAjv().compile(prepared);
  compiled.set(key, { schema: prepared, validate });
  if (compiled.size > maxCompiledSchemas) {
    const [oldestKey, oldest] = compiled.entries().next().value as [string, { schema: unknown }];
    compiled.delete(oldestKey);
    if (typeof oldest.schema === "object" && oldest.schema !== null) payloadAjv().removeSchema(oldest.schema);
  }
  return validate;
}

/**
 * The schema without `$schema` and `$id`: both are annotations here (no `$ref` can use an `$id`), and Ajv
 * would otherwise refuse a `$schema` of another draft and register every `$id`.
 */
function withoutIdentifiers(schema: unknown): unknown {
  if (!isPlainObject(schema)) return schema;
  const copy: Record<string, unknown> = {};
  for (const [keyword, value] of Object.entries(schema)) {
    if (keyword === "$schema" || keyword === "$id") continue;
    if ((subschemaKeywords as readonly string[]).includes(keyword)) copy[keyword] = withoutIdentifiers(value);
    else if ((subschemaMapKeywords as readonly string[]).includes(keyword) && isPlainObject(value)) {
      copy[keyword] = Object.fromEntries(
        Object.entries(value).map(([name, sub]) => [name, withoutIdentifiers(sub)]),
      );
    } else copy[keyword] = value;
  }
  return copy;
}

/** Subschemas nested deeper than {@link maxPayloadSchemaDepth}, checked before Ajv walks the schema. */
function depthIssues(schema: unknown, path: string[], depth: number): SchemaIssue[] {
  if (!isPlainObject(schema)) return [];
  if (depth > maxPayloadSchemaDepth) {
    return [{ path, message: `nests more than ${maxPayloadSchemaDepth} levels of subschemas` }];
  }
  const issues: SchemaIssue[] = [];
  for (const [keyword, value] of Object.entries(schema)) {
    if ((subschemaKeywords as readonly string[]).includes(keyword)) {
      issues.push(...depthIssues(value, [...path, keyword], depth + 1));
    } else if ((subschemaMapKeywords as readonly string[]).includes(keyword) && isPlainObject(value)) {
      for (const [name, sub] of Object.entries(value)) {
        issues.push(...depthIssues(sub, [...path, keyword, name], depth + 1));
      }
    }
  }
  return issues;
}

/** The issue a dialect error stands for: at the keyword whose value is wrong, or at the offending subschema. */
function dialectIssue(error: ErrorObject): SchemaIssue {
  const segments = pointerSegments(error.instancePath);
  if (error.keyword === "additionalProperties" && error.schemaPath === unknownKeywordRule) {
    const keyword = String(error.params.additionalProperty);
    return {
      path: [...segments, keyword],
      message: `unsupported keyword "${keyword}" (supported: ${payloadSchemaKeywords.join(", ")})`,
    };
  }
  if (error.propertyName !== undefined) {
    return {
      path: [...segments, error.propertyName],
      message: "cannot be checked: unsupported property name",
    };
  }
  // Walk the pointer: a subschema position is followed by a keyword; `properties` by a name, then a subschema.
  let index = 0;
  while (index < segments.length) {
    const keyword = segments[index] as string;
    if ((subschemaKeywords as readonly string[]).includes(keyword)) {
      index += 1;
    } else if ((subschemaMapKeywords as readonly string[]).includes(keyword) && index + 1 < segments.length) {
      index += 2;
    } else if (keyword === "dependentRequired" && index + 1 < segments.length) {
      const message = keywordRule("required", error.keyword);
      return { path: segments.slice(0, index + 2), message };
    } else {
      return { path: segments.slice(0, index + 1), message: keywordRule(keyword, error.keyword) };
    }
  }
  if (error.schemaPath !== schemaShapeRule) {
    return { path: segments, message: error.message ?? "is not valid" };
  }
  return { path: segments, message: "must be a JSON Schema object or a boolean" };
}

/** An issue of a value, with where it sorts: at its own path, or (missing properties) after its object's own. */
interface LocatedIssue extends SchemaIssue {
  order: { anchor: string[]; rank: number };
}

/** Order of the keywords' issues at one place in a value. */
const keywordOrder = [
  "false schema",
  "type",
  "enum",
  "const",
  "multipleOf",
  "minimum",
  "maximum",
  "exclusiveMinimum",
  "exclusiveMaximum",
  "minLength",
  "maxLength",
  "minItems",
  "maxItems",
  "uniqueItems",
  "minProperties",
  "maxProperties",
  "required",
  "dependentRequired",
];

function valueIssue(error: ErrorObject): LocatedIssue {
  const at = pointerSegments(error.instancePath);
  const rank = (keywordOrder.indexOf(error.keyword) + 1) / (keywordOrder.length + 1);
  const own = (message: string): LocatedIssue => ({ path: at, message, order: { anchor: at, rank } });
  const limit = error.schema as number;
  switch (error.keyword) {
    case "false schema":
      return own("is not allowed");
    case "type": {
      const types = (Array.isArray(error.schema) ? error.schema : [error.schema]) as string[];
      return own(`must be ${types.map(typeName).join(" or ")}`);
    }
    case "enum":
      return own(`must be one of ${(error.schema as unknown[]).map(show).join(", ")}`);
    case "const":
      return own(`must be ${show(error.schema)}`);
    case "multipleOf":
      return own(`must be a multiple of ${limit}`);
    case "minimum":
      return own(`must be at least ${limit}`);
    case "maximum":
      return own(`must be at most ${limit}`);
    case "exclusiveMinimum":
      return own(`must be greater than ${limit}`);
    case "exclusiveMaximum":
      return own(`must be less than ${limit}`);
    case "minLength":
      return own(`must have at least ${plural(limit, "character")}`);
    case "maxLength":
      return own(`must have at most ${plural(limit, "character")}`);
    case "minItems":
      return own(`must have at least ${plural(limit, "item")}`);
    case "maxItems":
      return own(`must have at most ${plural(limit, "item")}`);
    case "uniqueItems":
      return own(`must not repeat an item (items ${error.params.j} and ${error.params.i} are equal)`);
    case "minProperties":
      return own(`must have at least ${plural(limit, "property", "properties")}`);
    case "maxProperties":
      return own(`must have at most ${plural(limit, "property", "properties")}`);
    case "required":
      return {
        path: [...at, String(error.params.missingProperty)],
        message: "is required",
        order: { anchor: at, rank },
      };
    case "dependentRequired":
      return {
        path: [...at, String(error.params.missingProperty)],
        message: `is required when "${error.params.property}" is present`,
        order: { anchor: at, rank },
      };
    case "additionalProperties": {
      const property = [...at, String(error.params.additionalProperty)];
      return { path: property, message: "is not an allowed property", order: { anchor: property, rank: 0 } };
    }
    default:
      return own(error.message ?? "is not valid");
  }
}

/**
 * The errors without those that only repeat a failed `type`: where a value has the wrong type, the other
 * keywords of the same subschema (`enum`, `const`) add nothing.
 */
function withoutTypeFollowUps(errors: ErrorObject[]): ErrorObject[] {
  const mistyped = new Set(
    errors
      .filter((error) => error.keyword === "type")
      .map((error) => `${error.instancePath} ${parentPath(error.schemaPath)}`),
  );
  return errors.filter(
    (error) =>
      error.keyword === "type" || !mistyped.has(`${error.instancePath} ${parentPath(error.schemaPath)}`),
  );
}

function parentPath(schemaPath: string): string {
  return schemaPath.slice(0, schemaPath.lastIndexOf("/"));
}

/**
 * `items` sorted as the places they name come in `document` (depth first, keys in their written order),
 * then by rank at the same place; the sort is stable.
 */
function inDocumentOrder<T>(
  document: unknown,
  items: T[],
  orderOf: (item: T) => { anchor: string[]; rank: number },
): T[] {
  const positions = new Map<string, number>();
  const visit = (node: unknown, path: string[]) => {
    positions.set(JSON.stringify(path), positions.size);
    if (Array.isArray(node)) {
      node.forEach((item, index) => {
        visit(item, [...path, String(index)]);
      });
    } else if (isPlainObject(node)) {
      for (const [key, item] of Object.entries(node)) visit(item, [...path, key]);
    }
  };
  if (items.length > 1) visit(document, []);
  const position = (item: T) => {
    const { anchor, rank } = orderOf(item);
    return (positions.get(JSON.stringify(anchor)) ?? Number.MAX_SAFE_INTEGER) + rank;
  };
  return items
    .map((item, index) => ({ item, index, at: position(item) }))
    .sort((a, b) => a.at - b.at || a.index - b.index)
    .map(({ item }) => item);
}

/** Segments of a JSON Pointer (RFC 6901), unescaped. */
function pointerSegments(pointer: string): string[] {
  if (pointer === "") return [];
  return pointer
    .slice(1)
    .split("/")
    .map((segment) => segment.replaceAll("~1", "/").replaceAll("~0", "~"));
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

function plural(count: number, noun: string, nouns = `${noun}s`): string {
  return `${count} ${count === 1 ? noun : nouns}`;
}
