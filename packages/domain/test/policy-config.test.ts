import { Ajv2020 } from "ajv/dist/2020.js";
import { describe, expect, it } from "vitest";
import { findPolicy, policyCatalog, policyConfigJsonSchema, validateGraph } from "../src/index.ts";
import { exampleGraph, exampleIndex, nodeOf } from "./example-graph.ts";

describe("policy config schemas", () => {
  it.each(policyCatalog.map((policy) => [policy.name, policy] as const))(
    "%s publishes a strict JSON Schema whose properties are all described",
    (_name, policy) => {
      const schema = policyConfigJsonSchema(policy);
      expect(schema).toMatchObject({ type: "object", additionalProperties: false });
      const properties = schema.properties as Record<string, { description?: string }>;
      expect(Object.keys(properties).length).toBeGreaterThan(0);
      for (const property of Object.values(properties))
        expect(property.description?.length).toBeGreaterThan(5);
      // An empty config is always valid: every key is optional.
      expect(policy.config.safeParse({}).success).toBe(true);
    },
  );

  it("validates a policy node's config against its policy, naming node and field", () => {
    const graph = exampleGraph();
    nodeOf(graph, "aml").config = { lists: ["sanctions", "crime"], fuzziness: -1 };
    const result = validateGraph(graph);
    expect(result.ok).toBe(false);
    if (result.ok) return;
    expect(result.issues).toEqual([
      {
        nodeId: "aml",
        path: ["nodes", exampleIndex.aml, "config", "lists", 1],
        message: 'Node "aml": config.lists[1] must be one of sanctions, pep, adverse_media (got "crime")',
      },
      {
        nodeId: "aml",
        path: ["nodes", exampleIndex.aml, "config", "fuzziness"],
        message: 'Node "aml": config.fuzziness must be at least 0',
      },
    ]);
  });

  it("accepts valid configs and refuses unknown keys", () => {
    const graph = exampleGraph();
    nodeOf(graph, "document").config = {
      accepted: ["passport"],
      allowed_countries: ["GB", "FR"],
      allow_expired: false,
    };
    nodeOf(graph, "aml").config = { lists: ["pep"], ongoing_monitoring: true };
    expect(validateGraph(graph).ok).toBe(true);
    nodeOf(graph, "aml").config = { list: ["pep"] };
    const result = validateGraph(graph);
    expect(!result.ok && result.issues.map((issue) => issue.message)).toEqual([
      'Node "aml": config has unknown key "list" for policy "aml_screening"',
    ]);
    nodeOf(graph, "aml").config = {};
    nodeOf(graph, "document").config = { allowed_countries: ["gb"] };
    const lower = validateGraph(graph);
    expect(!lower.ok && lower.issues[0]?.message).toBe(
      'Node "document": config.allowed_countries[0] must be an ISO 3166-1 alpha-2 code such as GB',
    );
    expect(findPolicy("age")?.config.safeParse({ minimum_age: 21 }).success).toBe(true);
  });
});

describe("published policy config schemas", () => {
  const ajv = new Ajv2020({ allErrors: true, strict: true });

  it.each(policyCatalog.map((policy) => [policy.name, policy] as const))(
    "%s: the published JSON Schema is valid draft 2020-12 and accepts exactly what graph validation accepts",
    (_name, policy) => {
      const schema = policyConfigJsonSchema(policy);
      expect(ajv.validateSchema(schema), ajv.errorsText(ajv.errors)).toBe(true);
      const validate = ajv.compile(schema);
      // Every property against values of every shape, and every enum value: zod (what graph validation runs)
      // and Ajv (what a client checking against the published schema runs) must give the same verdict.
      const properties = schema.properties as Record<string, { items?: { enum?: unknown[] } }>;
      const values: unknown[] = [
        null,
        true,
        "x",
        "GB",
        "gb",
        0,
        -1,
        1,
        2,
        2.5,
        5,
        18,
        100,
        101,
        131,
        365,
        366,
      ];
      values.push([], ["GB"], ["gb"], ["GB", "FR"], ["x"], [1]);
      const configs: unknown[] = [{}, { unknown: 1 }, [], "x"];
      for (const [key, property] of Object.entries(properties)) {
        for (const value of values) configs.push({ [key]: value });
        for (const item of property.items?.enum ?? [])
          configs.push({ [key]: [item] }, { [key]: [item, "x"] });
      }
      let accepted = 0;
      for (const config of configs) {
        const byZod = policy.config.safeParse(config).success;
        expect(validate(config), JSON.stringify(config)).toBe(byZod);
        if (byZod) accepted++;
      }
      expect(accepted).toBeGreaterThan(Object.keys(properties).length);
      expect(accepted).toBeLessThan(configs.length / 2);
    },
  );
});
