import { describe, expect, it } from "vitest";
import { assertSafeText, findUnsafeText, unsafeTextProblem, ValidationError } from "../src/index.ts";

describe("text that cannot be stored", () => {
  it("is NUL or a lone surrogate; paired surrogates (emoji) are fine", () => {
    expect(unsafeTextProblem("Acme\u0000")).toMatch(/NUL/);
    expect(unsafeTextProblem("\ud800x")).toMatch(/surrogate/);
    expect(unsafeTextProblem("x\udc00")).toMatch(/surrogate/);
    expect(unsafeTextProblem("Acme 🚀 KYC — Zürich")).toBeNull();
  });

  it("is found anywhere in an input, keys included, by path", () => {
    const input = { name: "ok", graph: { nodes: [{ id: "a" }, { id: "b\u0000" }] }, meta: { "k\ud800": 1 } };
    expect(findUnsafeText(input).map((issue) => issue.path.join("."))).toEqual([
      "graph.nodes.1.id",
      "meta.k\ud800",
    ]);
    expect(findUnsafeText(42)).toEqual([]);
    expect(() => assertSafeText({ id: "ses_\u0000" }, "session")).toThrow(ValidationError);
  });
});
