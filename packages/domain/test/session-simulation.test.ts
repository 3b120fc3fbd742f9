import { describe, expect, it } from "vitest";
import { parseSessionSimulation, ValidationError } from "../src/index.ts";

describe("sandbox session simulations", () => {
  it.each([
    ["complete_capture", undefined, { type: "complete_capture" }],
    ["expire", undefined, { type: "expire" }],
    ["pass_check(doc)", undefined, { type: "pass_check", node: "doc" }],
    ["fail_check", "aml", { type: "fail_check", node: "aml" }],
    [" error_check( doc ) ", undefined, { type: "error_check", node: "doc" }],
  ])("parses %j (node %j)", (action, node, expected) => {
    expect(parseSessionSimulation(action, node)).toEqual(expected);
  });

  it.each([
    ["approve", "action"],
    ["expire(doc)", "action"],
    ["pass_check", "node"],
    ["pass_check()", "node"],
  ])("refuses %j naming %s", (action, field) => {
    try {
      parseSessionSimulation(action);
      expect.unreachable();
    } catch (error) {
      expect(error).toBeInstanceOf(ValidationError);
      expect((error as ValidationError).issues[0]?.path).toEqual([field]);
    }
  });
});
