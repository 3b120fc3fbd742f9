import { describe, expect, it } from "vitest";
import { diffGraphs, parseWorkflowGraph } from "../src/index.ts";
import { exampleGraph, nodeOf } from "./example-graph.ts";

describe("diffGraphs", () => {
  it("finds no change between a graph and itself, written with or without defaults", () => {
    const written = exampleGraph();
    const parsed = parseWorkflowGraph(exampleGraph());
    const diff = diffGraphs(parsed, written);
    expect(diff).toMatchObject({ hasChanges: false, entry: null, added: [], removed: [], changed: [] });
    expect(diff.unchanged).toEqual(written.nodes.map((n) => n.id));
    // `retries: 0` and `on_fail: review` are defaults: writing them is no change.
    nodeOf(written, "aml").retries = 0;
    expect(diffGraphs(parsed, written).hasChanges).toBe(false);
  });

  it("reports added, removed and changed nodes with the changed fields, and the entry", () => {
    const before = exampleGraph();
    const after = exampleGraph();
    after.nodes = after.nodes.filter((n) => n.id !== "gate");
    nodeOf(after, "risk").conditions[0].next = "review";
    nodeOf(after, "risk").conditions[0].value = 70;
    nodeOf(after, "document").routes = { pass: "aml", fail: "review" };
    nodeOf(after, "document").retries = 3;
    after.nodes.push({ id: "start2", type: "start", next: "document" });
    after.nodes = after.nodes.filter((n) => n.id !== "start");
    after.entry = "start2";

    const diff = diffGraphs(before, after);
    expect(diff.hasChanges).toBe(true);
    expect(diff.entry).toEqual({ before: "start", after: "start2" });
    expect(diff.added.map((n) => [n.nodeId, n.type])).toEqual([["start2", "start"]]);
    expect(diff.removed.map((n) => [n.nodeId, n.type])).toEqual([
      ["start", "start"],
      ["gate", "wait"],
    ]);
    expect(diff.changed.map((c) => [c.nodeId, c.fields])).toEqual([
      ["document", ["retries", "routes.error", "routes.fail"]],
      ["risk", ["conditions.0.next", "conditions.0.value"]],
    ]);
    expect(diff.changed[0]).toMatchObject({
      typeBefore: "policy",
      typeAfter: "policy",
      before: { retries: 2, routes: { error: "review" } },
      after: { retries: 3 },
    });
    expect(diff.unchanged).toEqual(["aml", "approved", "review", "rejected"]);
  });

  it("reports a type change and added or removed array items", () => {
    const before = exampleGraph();
    const after = exampleGraph();
    nodeOf(after, "review").type = "wait";
    nodeOf(after, "risk").conditions.push({
      field: "aml.output.pep",
      operator: "==",
      value: true,
      next: "gate",
    });
    const diff = diffGraphs(before, after);
    const review = diff.changed.find((c) => c.nodeId === "review");
    expect(review).toMatchObject({ typeBefore: "terminal", typeAfter: "wait" });
    expect(review?.fields).toContain("type");
    expect(diff.changed.find((c) => c.nodeId === "risk")?.fields).toEqual(["conditions.1"]);
  });

  it("diffs invalid graphs as written and ignores nodes without an id", () => {
    const after = exampleGraph();
    nodeOf(after, "aml").routes.fail = "revew"; // invalid reference, still a well-formed node
    nodeOf(after, "approved").outcome = "Not A Label"; // does not parse: compared as written
    after.nodes.push({ type: "terminal", outcome: "x" });
    const diff = diffGraphs(exampleGraph(), after);
    expect(diff.changed.map((c) => [c.nodeId, c.fields])).toEqual([
      ["aml", ["routes.fail"]],
      ["approved", ["outcome"]],
    ]);
    expect(diff.added).toEqual([]);
    expect(diffGraphs(null, "not a graph")).toMatchObject({ hasChanges: false, entry: null });
    expect(diffGraphs(null, exampleGraph()).added).toHaveLength(8);
  });
});
