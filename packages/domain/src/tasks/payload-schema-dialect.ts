/**
 * The dialect of JSON Schema that workflow payload schemas are written in, as a JSON Schema (draft 2020-12)
 * of its own: the subset of keywords Flowgate validates, and the annotations it accepts. A schema a user
 * submits is validated against this meta-schema (so an unsupported keyword is refused, not silently ignored),
 * then against the official draft 2020-12 meta-schema when it is compiled.
 */

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

/** Keywords that are validated (with their draft 2020-12 meaning). */
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
  "multipleOf",
  "minLength",
  "maxLength",
  "minItems",
  "maxItems",
  "uniqueItems",
  "minProperties",
  "maxProperties",
  "dependentRequired",
] as const;

/** Keywords that are accepted as annotations and not checked (`format` included, as 2020-12 does by default). */
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

/** Keywords whose value is one subschema. */
export const subschemaKeywords = ["additionalProperties", "items"] as const;

/** Keywords whose value is an object of subschemas by property name. */
export const subschemaMapKeywords = ["properties"] as const;

type Keyword = (typeof payloadSchemaKeywords)[number] | (typeof payloadSchemaAnnotations)[number];

const schemaRef = { $ref: "#/$defs/schema" };
const number = { type: "number" };
const count = { type: "integer", minimum: 0 };
const string = { type: "string" };
const boolean = { type: "boolean" };
const propertyNames = { type: "array", items: { type: "string" }, uniqueItems: true };
/** Ajv skips a property named `__proto__` in `properties` and `dependentRequired` (prototype pollution). */
const checkableNames = { not: { const: "__proto__" } };

/** The meta-schema of one keyword's value. */
const keywordSchemas: Record<Keyword, unknown> = {
  type: {
    anyOf: [
      { enum: payloadSchemaTypes },
      { type: "array", items: { enum: payloadSchemaTypes }, minItems: 1, uniqueItems: true },
    ],
  },
  properties: { type: "object", propertyNames: checkableNames, additionalProperties: schemaRef },
  required: propertyNames,
  additionalProperties: schemaRef,
  items: schemaRef,
  enum: { type: "array", minItems: 1 },
  const: true,
  minimum: number,
  maximum: number,
  exclusiveMinimum: number,
  exclusiveMaximum: number,
  multipleOf: { type: "number", exclusiveMinimum: 0 },
  minLength: count,
  maxLength: count,
  minItems: count,
  maxItems: count,
  uniqueItems: boolean,
  minProperties: count,
  maxProperties: count,
  dependentRequired: { type: "object", propertyNames: checkableNames, additionalProperties: propertyNames },
  $schema: string,
  $id: string,
  $comment: string,
  title: string,
  description: string,
  default: true,
  examples: { type: "array" },
  format: string,
  deprecated: boolean,
  readOnly: boolean,
  writeOnly: boolean,
};

/** What a keyword's value must be, in the words of a validation issue. */
const keywordRules: Record<Keyword, string> = {
  type: `must be one or a list of ${payloadSchemaTypes.join(", ")}`,
  properties: "must be an object of schemas",
  required: "must be a list of property names",
  additionalProperties: "must be a JSON Schema object or a boolean",
  items: "must be a JSON Schema object or a boolean",
  enum: "must be a non-empty list of values",
  const: "can be any value",
  minimum: "must be a number",
  maximum: "must be a number",
  exclusiveMinimum: "must be a number",
  exclusiveMaximum: "must be a number",
  multipleOf: "must be a number greater than 0",
  minLength: "must be a whole number of at least 0",
  maxLength: "must be a whole number of at least 0",
  minItems: "must be a whole number of at least 0",
  maxItems: "must be a whole number of at least 0",
  uniqueItems: "must be true or false",
  minProperties: "must be a whole number of at least 0",
  maxProperties: "must be a whole number of at least 0",
  dependentRequired: "must be an object of property-name lists",
  $schema: "must be a string",
  $id: "must be a string",
  $comment: "must be a string",
  title: "must be a string",
  description: "must be a string",
  default: "can be any value",
  examples: "must be a list of values",
  format: "must be a string",
  deprecated: "must be true or false",
  readOnly: "must be true or false",
  writeOnly: "must be true or false",
};

/**
 * The rule a keyword's value breaks, for an issue at that keyword.
 *
 * @param keyword - A keyword of the dialect.
 * @param failedCheck - The meta-schema keyword that failed (`uniqueItems` gets a message of its own).
 */
export function keywordRule(keyword: string, failedCheck: string): string {
  if (failedCheck === "uniqueItems" && (keyword === "required" || keyword === "dependentRequired")) {
    return "must not list the same property twice";
  }
  if (failedCheck === "uniqueItems" && keyword === "type") return "must not list the same type twice";
  return keywordRules[keyword as Keyword] ?? "is not valid";
}

/** Draft 2020-12 meta-schema of the payload schema dialect. */
export const payloadSchemaDialect = {
  $schema: "https://json-schema.org/draft/2020-12/schema",
  $id: "urn:flowgate:payload-schema-dialect",
  $ref: "#/$defs/schema",
  $defs: {
    schema: {
      type: ["object", "boolean"],
      properties: keywordSchemas,
      additionalProperties: false,
    },
  },
} as const;

/**
 * Schema path of the rule that refuses unknown keywords, as Ajv reports it: relative to `$defs/schema`, which
 * every subschema is checked against through `$ref`.
 */
export const unknownKeywordRule = "#/additionalProperties";

/** Schema path of the rule that a schema is an object or a boolean, as Ajv reports it (see above). */
export const schemaShapeRule = "#/type";
