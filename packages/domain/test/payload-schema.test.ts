import { describe, expect, it } from "vitest";
import { payloadSchemaIssues, validatePayload } from "../src/index.ts";

const orderSchema = {
  $schema: "https://json-schema.org/draft/2020-12/schema",
  title: "Order",
  type: "object",
  required: ["customer", "amount"],
  additionalProperties: false,
  properties: {
    customer: {
      type: "object",
      required: ["email"],
      properties: {
        email: { type: "string", minLength: 3, maxLength: 100, format: "email" },
        name: { type: ["string", "null"] },
      },
    },
    amount: { type: "integer", minimum: 1, maximum: 10_000 },
    rate: { type: "number", exclusiveMinimum: 0, exclusiveMaximum: 1 },
    currency: { enum: ["EUR", "GBP"] },
    version: { const: 2 },
    tags: { type: "array", items: { type: "string" }, minItems: 1, maxItems: 3 },
    extra: { type: "object", additionalProperties: { type: "number" } },
  },
};

describe("payload schema definitions", () => {
  it("accepts the supported subset, annotations and boolean schemas", () => {
    expect(payloadSchemaIssues(orderSchema)).toEqual([]);
    expect(payloadSchemaIssues(true)).toEqual([]);
    expect(payloadSchemaIssues({ properties: { anything: true, nothing: false } })).toEqual([]);
  });

  it("refuses unsupported keywords and malformed keyword values, at their paths", () => {
    expect(
      payloadSchemaIssues({
        type: "object",
        properties: {
          a: { $ref: "#/defs/x" },
          b: { type: "text" },
          c: { minLength: -1 },
          d: { items: "string" },
          e: { pattern: "^x" },
        },
        required: "a",
        enum: [],
        minimum: "1",
      }),
    ).toEqual([
      { path: ["properties", "a", "$ref"], message: expect.stringContaining('unsupported keyword "$ref"') },
      {
        path: ["properties", "b", "type"],
        message: "must be one or a list of string, number, integer, boolean, object, array, null",
      },
      { path: ["properties", "c", "minLength"], message: "must be a whole number of at least 0" },
      { path: ["properties", "d", "items"], message: "must be a JSON Schema object or a boolean" },
      { path: ["properties", "e", "pattern"], message: expect.stringContaining("unsupported keyword") },
      { path: ["required"], message: "must be a list of property names" },
      { path: ["enum"], message: "must be a non-empty list of values" },
      { path: ["minimum"], message: "must be a number" },
    ]);
    expect(payloadSchemaIssues("object")).toEqual([
      { path: [], message: "must be a JSON Schema object or a boolean" },
    ]);
  });

  it("limits nesting", () => {
    let schema: Record<string, unknown> = { type: "string" };
    for (let i = 0; i < 40; i++) schema = { properties: { x: schema } };
    expect(payloadSchemaIssues(schema)[0]?.message).toContain("nests more than 32 levels");
  });
});

describe("validatePayload", () => {
  const valid = {
    customer: { email: "ada@example.com", name: null },
    amount: 250,
    rate: 0.5,
    currency: "EUR",
    version: 2,
    tags: ["a"],
    extra: { x: 1 },
  };

  it("accepts a valid payload", () => {
    expect(validatePayload(orderSchema, valid)).toEqual([]);
  });

  it("names every offending field with the given prefix", () => {
    expect(
      validatePayload(
        orderSchema,
        {
          customer: { name: 5 },
          amount: 2.5,
          rate: 1,
          currency: "USD",
          version: 3,
          tags: ["a", 2, "c", "d"],
          extra: { y: "no" },
          unknown: true,
        },
        ["triggerPayload"],
      ),
    ).toEqual([
      { path: ["triggerPayload", "customer", "email"], message: "is required" },
      { path: ["triggerPayload", "customer", "name"], message: "must be a string or null" },
      { path: ["triggerPayload", "amount"], message: "must be an integer" },
      { path: ["triggerPayload", "rate"], message: "must be less than 1" },
      { path: ["triggerPayload", "currency"], message: "must be one of EUR, GBP" },
      { path: ["triggerPayload", "version"], message: "must be 2" },
      { path: ["triggerPayload", "tags"], message: "must have at most 3 items" },
      { path: ["triggerPayload", "tags", "1"], message: "must be a string" },
      { path: ["triggerPayload", "extra", "y"], message: "must be a number" },
      { path: ["triggerPayload", "unknown"], message: "is not an allowed property" },
    ]);
  });

  it("checks bounds, lengths in code points, required keys and the root type", () => {
    expect(validatePayload(orderSchema, { customer: { email: "é🙂" }, amount: 0 })).toEqual([
      { path: ["customer", "email"], message: "must have at least 3 characters" },
      { path: ["amount"], message: "must be at least 1" },
    ]);
    expect(validatePayload(orderSchema, {})).toEqual([
      { path: ["customer"], message: "is required" },
      { path: ["amount"], message: "is required" },
    ]);
    expect(validatePayload(orderSchema, [])).toEqual([{ path: [], message: "must be an object" }]);
    expect(validatePayload(false, {})).toEqual([{ path: [], message: "is not allowed" }]);
    expect(validatePayload({ properties: { x: false } }, { x: 1 })).toEqual([
      { path: ["x"], message: "is not allowed" },
    ]);
  });
});

describe("keywords beyond the first subset (validated by Ajv, messages and paths of our own)", () => {
  const schema = {
    $schema: "http://json-schema.org/draft-07/schema#",
    $id: "https://example.com/order",
    type: "object",
    minProperties: 1,
    maxProperties: 4,
    dependentRequired: { card: ["billing"] },
    properties: {
      qty: { type: "integer", multipleOf: 5 },
      codes: { type: "array", uniqueItems: true, items: { type: "string", enum: ["a", "b"] } },
      size: { type: "string", enum: ["s", "m"] },
      meta: { $id: "https://example.com/meta", additionalProperties: { type: "object", required: ["v"] } },
    },
  };

  it("accepts the schema; $schema and $id are annotations, whatever their draft", () => {
    expect(payloadSchemaIssues(schema)).toEqual([]);
    expect(validatePayload(schema, { qty: 10, codes: ["a", "b"], meta: { x: { v: 1 } } })).toEqual([]);
  });

  it("names every offending field, in the payload's order, and drops follow-ups of a wrong type", () => {
    expect(
      validatePayload(schema, { qty: 7, codes: ["a", "a", 3], size: 4, meta: { x: {}, y: 1 }, card: "x" }, [
        "p",
      ]),
    ).toEqual([
      { path: ["p"], message: "must have at most 4 properties" },
      { path: ["p", "billing"], message: 'is required when "card" is present' },
      { path: ["p", "qty"], message: "must be a multiple of 5" },
      { path: ["p", "codes"], message: "must not repeat an item (items 1 and 0 are equal)" },
      { path: ["p", "codes", "2"], message: "must be a string" },
      { path: ["p", "size"], message: "must be a string" },
      { path: ["p", "meta", "x", "v"], message: "is required" },
      { path: ["p", "meta", "y"], message: "must be an object" },
    ]);
    expect(validatePayload(schema, {})).toEqual([{ path: [], message: "must have at least 1 property" }]);
  });

  it("checks only a payload's own properties", () => {
    const names = { required: ["constructor"], properties: { toString: { type: "string" } } };
    expect(payloadSchemaIssues(names)).toEqual([]);
    expect(validatePayload(names, {})).toEqual([{ path: ["constructor"], message: "is required" }]);
    expect(validatePayload(names, JSON.parse('{"constructor": 1, "toString": 2}'))).toEqual([
      { path: ["toString"], message: "must be a string" },
    ]);
  });

  it("validates a submitted schema against the dialect's meta-schema, naming each field", () => {
    expect(
      payloadSchemaIssues({
        type: ["string", "string"],
        required: ["a", "a"],
        properties: { n: { minimum: "x", multipleOf: 0, title: 5, items: [], uniqueItems: "yes" } },
        dependentRequired: { a: "b", c: ["d"] },
        examples: {},
      }),
    ).toEqual([
      { path: ["type"], message: "must not list the same type twice" },
      { path: ["required"], message: "must not list the same property twice" },
      { path: ["properties", "n", "minimum"], message: "must be a number" },
      { path: ["properties", "n", "multipleOf"], message: "must be a number greater than 0" },
      { path: ["properties", "n", "title"], message: "must be a string" },
      { path: ["properties", "n", "items"], message: "must be a JSON Schema object or a boolean" },
      { path: ["properties", "n", "uniqueItems"], message: "must be true or false" },
      { path: ["dependentRequired", "a"], message: "must be a list of property names" },
      { path: ["examples"], message: "must be a list of values" },
    ]);
    expect(payloadSchemaIssues(JSON.parse('{"properties": {"__proto__": {"type": "number"}}}'))).toEqual([
      { path: ["properties", "__proto__"], message: "cannot be checked: unsupported property name" },
    ]);
    expect(payloadSchemaIssues({ additionalProperties: { oneOf: [] } })).toEqual([
      {
        path: ["additionalProperties", "oneOf"],
        message: expect.stringContaining('unsupported keyword "oneOf"'),
      },
    ]);
  });

  it("compiles each schema once and keeps validating after many distinct schemas", () => {
    for (let i = 0; i < 300; i++) {
      expect(validatePayload({ type: "integer", minimum: i }, i - 1)).toEqual([
        { path: [], message: `must be at least ${i}` },
      ]);
    }
    expect(validatePayload({ type: "integer", minimum: 0 }, 0)).toEqual([]);
    expect(validatePayload(true, { anything: [1] })).toEqual([]);
  });
});
