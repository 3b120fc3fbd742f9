import { describe, expect, it } from "vitest";
import { findPolicy, policyCatalog, policyNames } from "../src/index.ts";

const required = [
  "document",
  "selfie",
  "liveness",
  "enhanced_identity",
  "proof_of_address",
  "aml_screening",
  "age",
  "phone",
  "email",
  "ip_risk",
];

describe("policy catalog", () => {
  it("has every required policy, once", () => {
    for (const name of required) expect(policyNames).toContain(name);
    expect(new Set(policyNames).size).toBe(policyNames.length);
  });

  it.each(policyCatalog.map((policy) => [policy.name, policy] as const))(
    "%s describes itself and its default output matches its outputs",
    (_name, policy) => {
      expect(policy.description.length).toBeGreaterThan(10);
      expect(Object.keys(policy.defaultOutput).sort()).toEqual(
        policy.outputs.map((output) => output.key).sort(),
      );
      for (const output of policy.outputs) {
        expect(output.description.length).toBeGreaterThan(0);
        const value = policy.defaultOutput[output.key];
        if (output.type === "string[]") {
          expect(Array.isArray(value) && value.every((item) => typeof item === "string")).toBe(true);
        } else {
          expect(typeof value).toBe(output.type);
        }
      }
    },
  );

  it("defines the AML risk score and matches", () => {
    const aml = findPolicy("aml_screening");
    expect(aml?.outputs.find((output) => output.key === "score")?.type).toBe("number");
    expect(aml?.outputs.find((output) => output.key === "matches")?.type).toBe("number");
    expect(aml?.defaultOutput.score).toBe(10);
  });

  it("defines age and over_18", () => {
    const age = findPolicy("age");
    expect(age?.outputs.find((output) => output.key === "age")?.type).toBe("number");
    expect(age?.outputs.find((output) => output.key === "over_18")?.type).toBe("boolean");
    expect(age?.defaultOutput.over_18).toBe(true);
  });

  it("finds nothing for unknown names", () => {
    expect(findPolicy("aml")).toBeUndefined();
  });
});
