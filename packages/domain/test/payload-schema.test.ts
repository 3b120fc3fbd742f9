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
