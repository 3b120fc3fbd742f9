import { describe, expect, it } from "vitest";
import {
  type Condition,
  type ConditionalNode,
  type ConditionOperator,
  evaluateCondition,
  externalDecisions,
  getNode,
  isExternalDecision,
  type PolicyNode,
  parseWorkflowGraph,
  type RoutingContext,
  resolveField,
  routeConditional,
  routePolicy,
  routeStart,
  routeWaitDecision,
  routeWaitTimeout,
  type StartNode,
  type TerminalNode,
  type Transition,
  terminalTransition,
  type WaitNode,
  type WorkflowGraph,
} from "../src/index.ts";
import { exampleGraph } from "./example-graph.ts";

const ctx: RoutingContext = {
  outputs: {
    aml: {
      score: 85,
      matches: 2,
      lists: ["ofac", "un"],
      details: { country: "GB", hits: [{ list: "ofac" }] },
    },
    document: { expired: false, document_type: "passport", issuing_country: "GB", missing: null },
  },
  session: { country: "FR", tags: ["vip"], applicant: { age: 34, name: "Ada" } },
  payload: {
    amount: 1200,
    tier: "gold",
    nested: { deep: { value: 7 } },
    items: ["a", "b"],
    zero: 0,
    flag: false,
  },
};

function condition(field: string, operator: ConditionOperator, value?: unknown): Condition {
  return value === undefined ? { field, operator, next: "x" } : { field, operator, value, next: "x" };
}

describe("getNode", () => {
  const graph = parseWorkflowGraph(exampleGraph());

  it("finds nodes by id", () => {
    expect(getNode(graph, "aml")).toMatchObject({ id: "aml", type: "policy", policy: "aml_screening" });
    expect(getNode(graph, "approved")).toEqual({ id: "approved", type: "terminal", outcome: "approved" });
  });

  it("throws for a missing node", () => {
    expect(() => getNode(graph, "nope")).toThrow('Workflow graph has no node "nope"');
  });

  it("indexes each graph separately", () => {
    const other: WorkflowGraph = {
      entry: "start",
      nodes: [
        { id: "start", type: "start", next: "aml" },
        { id: "aml", type: "terminal", outcome: "rejected" },
      ],
    };
    expect(getNode(graph, "aml").type).toBe("policy");
    expect(getNode(other, "aml").type).toBe("terminal");
  });
});

describe("routeStart and terminalTransition", () => {
  it("goes to next", () => {
    const node: StartNode = { id: "start", type: "start", next: "document" };
    expect(routeStart(node)).toEqual({ kind: "goto", nodeId: "document" });
  });

  it.each(["approved", "rejected", "needs_review", "manual_escalation"])("finishes with %s", (outcome) => {
    const node: TerminalNode = { id: "end", type: "terminal", outcome };
    expect(terminalTransition(node)).toEqual({ kind: "finish", outcome });
  });
});

describe("routePolicy", () => {
  const withError: PolicyNode = {
    id: "document",
    type: "policy",
    policy: "document",
    retries: 2,
    routes: { pass: "aml", fail: "rejected", error: "review" },
  };
  const withoutError: PolicyNode = { ...withError, routes: { pass: "aml", fail: "rejected" } };

  it("routes pass, fail and error", () => {
    expect(routePolicy(withError, "pass")).toEqual({ kind: "goto", nodeId: "aml" });
    expect(routePolicy(withError, "fail")).toEqual({ kind: "goto", nodeId: "rejected" });
    expect(routePolicy(withError, "error")).toEqual({ kind: "goto", nodeId: "review" });
  });

  it("routes error to fail's target when there is no error route", () => {
    expect(routePolicy(withoutError, "error")).toEqual({ kind: "goto", nodeId: "rejected" });
  });
});

describe("resolveField", () => {
  it.each([
    ["aml.output.score", 85],
    ["aml.output.lists", ["ofac", "un"]],
    ["aml.output.details.country", "GB"],
    ["aml.output.details.hits.0.list", "ofac"],
    ["document.output.expired", false],
    ["document.output.missing", null],
    ["session.country", "FR"],
    ["session.applicant.age", 34],
    ["payload.amount", 1200],
    ["payload.nested.deep.value", 7],
    ["payload.items.1", "b"],
    ["payload.zero", 0],
  ])("reads %s", (path, expected) => {
    expect(resolveField(path, ctx)).toEqual(expected);
  });

  it.each([
    "aml.output.nope",
    "selfie.output.face_match",
    "aml.output.score.value",
    "session.nope.deeper",
    "payload.items.7",
    "aml.score",
    "aml.output",
    "session",
    "payload",
    "",
    "payload.constructor",
    "session.toString",
    "aml.output.__proto__",
    "constructor.output.name",
  ])("gives undefined for %j", (path) => {
    expect(resolveField(path, ctx)).toBeUndefined();
  });
});

describe("evaluateCondition", () => {
  const cases: [ConditionOperator, string, unknown, boolean][] = [
    // numeric comparisons
    [">=", "aml.output.score", 85, true],
    [">=", "aml.output.score", 80, true],
    [">=", "aml.output.score", 90, false],
    [">", "aml.output.score", 85, false],
    [">", "aml.output.score", 84, true],
    ["<=", "aml.output.score", 85, true],
    ["<=", "aml.output.score", 84, false],
    ["<", "aml.output.score", 86, true],
    ["<", "aml.output.score", 85, false],
    ["<", "payload.zero", 1, true],
    // numeric comparisons need numbers on both sides
    [">=", "aml.output.nope", 0, false],
    ["<", "aml.output.nope", 100, false],
    [">=", "payload.tier", 0, false],
    [">=", "aml.output.score", "80", false],
    ["<", "document.output.missing", 1, false],
    [">", "document.output.expired", -1, false],
    // equality
    ["==", "payload.tier", "gold", true],
    ["==", "payload.tier", "silver", false],
    ["==", "aml.output.score", 85, true],
    ["==", "aml.output.score", "85", false],
    ["==", "payload.flag", false, true],
    ["==", "payload.zero", false, false],
    ["==", "document.output.missing", null, true],
    ["==", "aml.output.nope", null, false],
    ["==", "aml.output.lists", ["ofac", "un"], true],
    ["==", "aml.output.lists", ["un", "ofac"], false],
    ["==", "session.applicant", { name: "Ada", age: 34 }, true],
    ["==", "session.applicant", { name: "Ada" }, false],
    ["!=", "payload.tier", "silver", true],
    ["!=", "payload.tier", "gold", false],
    ["!=", "aml.output.lists", ["ofac"], true],
    ["!=", "aml.output.nope", "gold", true],
    // membership
    ["in", "payload.tier", ["gold", "platinum"], true],
    ["in", "payload.tier", ["silver"], false],
    ["in", "aml.output.score", [85, 90], true],
    ["in", "aml.output.score", ["85"], false],
    ["in", "aml.output.nope", ["gold"], false],
    ["in", "payload.tier", "gold", false],
    ["not_in", "session.country", ["GB", "US"], true],
    ["not_in", "session.country", ["FR"], false],
    ["not_in", "aml.output.nope", ["FR"], true],
    ["not_in", "session.country", "FR", false],
    // contains
    ["contains", "aml.output.lists", "ofac", true],
    ["contains", "aml.output.lists", "eu", false],
    ["contains", "session.tags", "vip", true],
    ["contains", "document.output.document_type", "pass", true],
    ["contains", "document.output.document_type", "card", false],
    ["contains", "aml.output.score", 8, false],
    ["contains", "document.output.document_type", 1, false],
    ["contains", "aml.output.nope", "x", false],
    ["contains", "aml.output.details.hits", { list: "ofac" }, true],
    // exists
    ["exists", "aml.output.score", undefined, true],
    ["exists", "payload.zero", undefined, true],
    ["exists", "payload.flag", true, true],
    ["exists", "aml.output.nope", undefined, false],
    ["exists", "document.output.missing", undefined, false],
    ["exists", "aml.output.nope", false, true],
    ["exists", "document.output.missing", false, true],
    ["exists", "aml.output.score", false, false],
  ];

  it.each(cases)("%s on %s with %j is %s", (operator, field, value, expected) => {
    expect(evaluateCondition(condition(field, operator, value), ctx)).toBe(expected);
  });

  it("covers every operator", () => {
    const covered = new Set(cases.map(([operator]) => operator));
    expect([...covered].sort()).toEqual(
      ["!=", "<", "<=", "==", ">", ">=", "contains", "exists", "in", "not_in"].sort(),
    );
  });
});

describe("routeConditional", () => {
  const node: ConditionalNode = {
    id: "risk",
    type: "conditional",
    conditions: [
      { field: "aml.output.score", operator: ">=", value: 80, next: "gate" },
      { field: "aml.output.score", operator: ">=", value: 50, next: "review" },
      { field: "payload.tier", operator: "==", value: "gold", next: "fast" },
    ],
    default: "approved",
  };
  const withScore = (score: unknown, tier = "basic"): RoutingContext => ({
    outputs: { aml: { score } },
    session: {},
    payload: { tier },
  });

  it("takes the first matching condition", () => {
    expect(routeConditional(node, withScore(85, "gold"))).toEqual({
      transition: { kind: "goto", nodeId: "gate" },
      matchedIndex: 0,
    });
    expect(routeConditional(node, withScore(60, "gold"))).toEqual({
      transition: { kind: "goto", nodeId: "review" },
      matchedIndex: 1,
    });
    expect(routeConditional(node, withScore(10, "gold"))).toEqual({
      transition: { kind: "goto", nodeId: "fast" },
      matchedIndex: 2,
    });
  });

  it("takes default when nothing matches, including missing fields and type mismatches", () => {
    const byDefault = { transition: { kind: "goto", nodeId: "approved" }, matchedIndex: null };
    expect(routeConditional(node, withScore(10))).toEqual(byDefault);
    expect(routeConditional(node, withScore("95"))).toEqual(byDefault);
    expect(routeConditional(node, { outputs: {}, session: {}, payload: {} })).toEqual(byDefault);
  });

  it("takes default when there are no conditions", () => {
    expect(routeConditional({ ...node, conditions: [] }, withScore(99))).toEqual({
      transition: { kind: "goto", nodeId: "approved" },
      matchedIndex: null,
    });
  });
});

describe("wait node routing", () => {
  const base: WaitNode = { id: "gate", type: "wait", on_continue: "approved", on_fail: { action: "review" } };
  const reviewNode = base;
  const rejectNode: WaitNode = { ...base, on_fail: { action: "reject" } };
  const jumpNode: WaitNode = { ...base, on_fail: { action: "jump", to: "manual" } };

  it("accepts exactly continue, fail and reject", () => {
    expect(externalDecisions).toEqual(["continue", "fail", "reject"]);
    expect(isExternalDecision("fail")).toBe(true);
    expect(isExternalDecision("approve")).toBe(false);
  });

  it("continue goes to on_continue whatever on_fail says", () => {
    for (const node of [reviewNode, rejectNode, jumpNode]) {
      expect(routeWaitDecision(node, "continue")).toEqual({ kind: "goto", nodeId: "approved" });
    }
  });

  it("fail applies on_fail", () => {
    expect(routeWaitDecision(reviewNode, "fail")).toEqual({ kind: "finish", outcome: "needs_review" });
    expect(routeWaitDecision(rejectNode, "fail")).toEqual({ kind: "finish", outcome: "rejected" });
    expect(routeWaitDecision(jumpNode, "fail")).toEqual({ kind: "goto", nodeId: "manual" });
  });

  it("reject finishes rejected at once whatever on_fail says", () => {
    for (const node of [reviewNode, rejectNode, jumpNode]) {
      expect(routeWaitDecision(node, "reject")).toEqual({ kind: "finish", outcome: "rejected" });
    }
  });

  it("timeout goes to on_timeout, or finishes needs_review without one", () => {
    expect(routeWaitTimeout({ ...base, timeout_seconds: 60, on_timeout: "review" })).toEqual({
      kind: "goto",
      nodeId: "review",
    });
    expect(routeWaitTimeout(base)).toEqual({ kind: "finish", outcome: "needs_review" });
  });
});

describe("walking the DESIGN §3 example", () => {
  const graph = parseWorkflowGraph(exampleGraph());

  /** Walks from the entry with fixed policy outcomes and gate decision; returns visited ids and outcome. */
  function walk(
    outcomes: Record<string, "pass" | "fail" | "error">,
    amlScore: number,
    decision: "continue" | "fail" | "reject",
  ): { path: string[]; outcome: string } {
    const routing: RoutingContext = { outputs: {}, session: {}, payload: {} };
    const path: string[] = [];
    let transition: Transition = { kind: "goto", nodeId: graph.entry };
    while (transition.kind === "goto") {
      const node = getNode(graph, transition.nodeId);
      path.push(node.id);
      switch (node.type) {
        case "start":
          transition = routeStart(node);
          break;
        case "policy":
          routing.outputs[node.id] = node.id === "aml" ? { score: amlScore } : {};
          transition = routePolicy(node, outcomes[node.id] ?? "pass");
          break;
        case "conditional":
          transition = routeConditional(node, routing).transition;
          break;
        case "wait":
          transition = routeWaitDecision(node, decision);
          break;
        case "terminal":
          transition = terminalTransition(node);
          break;
      }
    }
    return { path, outcome: transition.outcome };
  }

  it("approves a low-risk applicant without the gate", () => {
    expect(walk({}, 10, "continue")).toEqual({
      path: ["start", "document", "aml", "risk", "approved"],
      outcome: "approved",
    });
  });

  it("sends a high-risk applicant through the gate", () => {
    expect(walk({}, 85, "continue")).toEqual({
      path: ["start", "document", "aml", "risk", "gate", "approved"],
      outcome: "approved",
    });
    expect(walk({}, 85, "fail")).toEqual({
      path: ["start", "document", "aml", "risk", "gate"],
      outcome: "needs_review",
    });
    expect(walk({}, 85, "reject")).toEqual({
      path: ["start", "document", "aml", "risk", "gate"],
      outcome: "rejected",
    });
  });

  it("follows the policy fail and error routes", () => {
    expect(walk({ document: "fail" }, 10, "continue")).toEqual({
      path: ["start", "document", "rejected"],
      outcome: "rejected",
    });
    expect(walk({ document: "error" }, 10, "continue")).toEqual({
      path: ["start", "document", "review"],
      outcome: "needs_review",
    });
    expect(walk({ aml: "error" }, 10, "continue")).toEqual({
      path: ["start", "document", "aml", "review"],
      outcome: "needs_review",
    });
  });
});
