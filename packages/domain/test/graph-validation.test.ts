import { describe, expect, it } from "vitest";
import {
  type GraphIssue,
  graphEdges,
  isValidationError,
  maxGraphNodes,
  nodeTypes,
  parseWorkflowGraph,
  ValidationError,
  validateGraph,
} from "../src/index.ts";
import { exampleGraph, exampleIndex, nodeOf } from "./example-graph.ts";

/** Issues of a graph that must be invalid. */
function issuesOf(input: unknown): GraphIssue[] {
  const result = validateGraph(input);
  if (result.ok) throw new Error("expected the graph to be invalid");
  return result.issues;
}

/** The single issue at `path`, failing when there is none or several. */
function issueAt(input: unknown, path: (string | number)[]): GraphIssue {
  const issues = issuesOf(input);
  const matching = issues.filter((issue) => JSON.stringify(issue.path) === JSON.stringify(path));
  if (matching.length !== 1) {
    throw new Error(`expected one issue at ${JSON.stringify(path)}, got: ${JSON.stringify(issues, null, 2)}`);
  }
  return matching[0]!;
}

describe("validateGraph: the DESIGN §3 example", () => {
  it("validates and applies defaults", () => {
    const result = validateGraph(exampleGraph());
    expect(result.ok).toBe(true);
    if (!result.ok) return;
    expect(result.graph.entry).toBe("start");
    expect(result.graph.nodes).toHaveLength(8);
    const aml = result.graph.nodes[exampleIndex.aml];
    expect(aml?.type === "policy" && aml.retries).toBe(0);
    const document = result.graph.nodes[exampleIndex.document];
    expect(document?.type === "policy" && document.retries).toBe(2);
  });

  it("defaults a wait node's on_fail to review", () => {
    const graph = exampleGraph();
    delete nodeOf(graph, "gate").on_fail;
    const parsed = parseWorkflowGraph(graph);
    const gate = parsed.nodes[exampleIndex.gate];
    expect(gate?.type === "wait" && gate.on_fail).toEqual({ action: "review" });
  });

  it("accepts custom terminal outcomes, optional name/description and all node fields", () => {
    const graph = exampleGraph();
    nodeOf(graph, "review").outcome = "manual_escalation";
    Object.assign(nodeOf(graph, "document"), {
      name: "Document check",
      description: "Passport or ID card",
      timeout_ms: 30000,
      config: { accepted: ["passport"] },
      simulate: { outcome: "fail", output: { expired: true } },
    });
    expect(validateGraph(graph).ok).toBe(true);
  });

  it("lists its edges in node order", () => {
    const edges = graphEdges(parseWorkflowGraph(exampleGraph()));
    expect(edges).toEqual([
      { from: "start", to: "document", label: "next" },
      { from: "document", to: "aml", label: "pass" },
      { from: "document", to: "rejected", label: "fail" },
      { from: "document", to: "review", label: "error" },
      { from: "aml", to: "risk", label: "pass" },
      { from: "aml", to: "review", label: "fail" },
      { from: "risk", to: "gate", label: "aml.output.score >= 80" },
      { from: "risk", to: "approved", label: "default" },
      { from: "gate", to: "approved", label: "continue" },
      { from: "gate", to: "review", label: "timeout" },
    ]);
  });

  it("includes jump edges", () => {
    const graph = exampleGraph();
    nodeOf(graph, "gate").on_fail = { action: "jump", to: "rejected" };
    const edges = graphEdges(parseWorkflowGraph(graph));
    expect(edges).toContainEqual({ from: "gate", to: "rejected", label: "fail" });
  });
});

describe("validateGraph: shape", () => {
  it("rejects a non-object", () => {
    expect(issuesOf(null)).toEqual([{ nodeId: null, path: [], message: "Workflow graph must be an object" }]);
    expect(issuesOf([1, 2])[0]?.path).toEqual([]);
  });

  it("requires entry and at least one node", () => {
    const issues = issuesOf({ nodes: [] });
    expect(issues).toEqual([
      { nodeId: null, path: ["entry"], message: "Entry is required" },
      { nodeId: null, path: ["nodes"], message: "Nodes must have at least 1 item" },
    ]);
  });

  it(`allows at most ${maxGraphNodes} nodes`, () => {
    const graph = exampleGraph();
    for (let i = 0; graph.nodes.length <= maxGraphNodes; i++) {
      graph.nodes.push({ id: `extra${i}`, type: "terminal", outcome: "approved" });
    }
    const issue = issueAt(graph, ["nodes"]);
    expect(issue.nodeId).toBeNull();
    expect(issue.message).toContain(`at most ${maxGraphNodes}`);
  });

  it("names the node and lists the known types for an unknown type", () => {
    const graph = exampleGraph();
    graph.nodes.push({ id: "survey", type: "survey" });
    const issue = issueAt(graph, ["nodes", 8, "type"]);
    expect(issue.nodeId).toBe("survey");
    expect(issue.message).toContain('Node "survey"');
    expect(issue.message).toContain('"survey" is not a known node type');
    for (const type of nodeTypes) expect(issue.message).toContain(type);
  });

  it("reports a missing type with the known types", () => {
    const graph = exampleGraph();
    graph.nodes.push({ id: "untyped" });
    const issue = issueAt(graph, ["nodes", 8, "type"]);
    expect(issue.nodeId).toBe("untyped");
    expect(issue.message).toBe(`Node "untyped": type is required (one of ${nodeTypes.join(", ")})`);
  });

  it("reports a node without id by index", () => {
    const graph = exampleGraph();
    graph.nodes.push({ type: "terminal", outcome: "approved" });
    const issue = issueAt(graph, ["nodes", 8, "id"]);
    expect(issue).toEqual({
      nodeId: null,
      path: ["nodes", 8, "id"],
      message: "Node at nodes[8]: id is required",
    });
  });

  it.each(["1abc", "has space", "a.b", "x".repeat(65), ""])("rejects the node id %j", (id) => {
    const graph = exampleGraph();
    graph.nodes.push({ id, type: "terminal", outcome: "approved" });
    const issue = issueAt(graph, ["nodes", 8, "id"]);
    expect(issue.message).toContain("must start with a letter");
  });

  it("accepts ids with letters, digits, _ and - up to 64 characters", () => {
    const graph = exampleGraph();
    const id = `A${"b_-9".repeat(15)}xyz`;
    expect(id).toHaveLength(64);
    graph.nodes.push({ id, type: "terminal", outcome: "approved" });
    nodeOf(graph, "risk").default = id;
    expect(validateGraph(graph).ok).toBe(true);
  });

  it.each([5, -1, 1.5, "2"])("rejects retries %j", (retries) => {
    const graph = exampleGraph();
    nodeOf(graph, "aml").retries = retries;
    const issue = issueAt(graph, ["nodes", exampleIndex.aml, "retries"]);
    expect(issue).toEqual({
      nodeId: "aml",
      path: ["nodes", exampleIndex.aml, "retries"],
      message: 'Node "aml": retries must be a whole number from 0 to 4',
    });
  });

  it.each([0, 4])("accepts retries %j", (retries) => {
    const graph = exampleGraph();
    nodeOf(graph, "aml").retries = retries;
    expect(validateGraph(graph).ok).toBe(true);
  });

  it("requires policy routes pass and fail", () => {
    const graph = exampleGraph();
    nodeOf(graph, "aml").routes = { pass: "risk" };
    const issue = issueAt(graph, ["nodes", exampleIndex.aml, "routes", "fail"]);
    expect(issue.nodeId).toBe("aml");
    expect(issue.message).toBe('Node "aml": routes.fail is required');
  });

  it("rejects an unknown simulate outcome", () => {
    const graph = exampleGraph();
    nodeOf(graph, "aml").simulate = { outcome: "maybe" };
    const issue = issueAt(graph, ["nodes", exampleIndex.aml, "simulate", "outcome"]);
    expect(issue.nodeId).toBe("aml");
    expect(issue.message).toContain("pass, fail, error");
  });

  it("rejects an unknown operator and lists the known ones", () => {
    const graph = exampleGraph();
    nodeOf(graph, "risk").conditions[0].operator = "=>";
    const issue = issueAt(graph, ["nodes", exampleIndex.risk, "conditions", 0, "operator"]);
    expect(issue.nodeId).toBe("risk");
    expect(issue.message).toBe(
      'Node "risk": conditions[0].operator must be one of >=, <=, >, <, ==, !=, in, not_in, contains, exists (got "=>")',
    );
  });

  it("requires on_timeout when timeout_seconds is set", () => {
    const graph = exampleGraph();
    delete nodeOf(graph, "gate").on_timeout;
    const issue = issueAt(graph, ["nodes", exampleIndex.gate, "on_timeout"]);
    expect(issue).toEqual({
      nodeId: "gate",
      path: ["nodes", exampleIndex.gate, "on_timeout"],
      message: 'Node "gate": on_timeout is required when timeout_seconds is set',
    });
  });

  it("requires timeout_seconds when on_timeout is set", () => {
    const graph = exampleGraph();
    delete nodeOf(graph, "gate").timeout_seconds;
    const issue = issueAt(graph, ["nodes", exampleIndex.gate, "timeout_seconds"]);
    expect(issue.nodeId).toBe("gate");
    expect(issue.message).toBe('Node "gate": timeout_seconds is required when on_timeout is set');
  });

  it("accepts a wait node without any timeout", () => {
    const graph = exampleGraph();
    delete nodeOf(graph, "gate").on_timeout;
    delete nodeOf(graph, "gate").timeout_seconds;
    expect(validateGraph(graph).ok).toBe(true);
  });

  it("rejects a non-positive timeout_seconds", () => {
    const graph = exampleGraph();
    nodeOf(graph, "gate").timeout_seconds = 0;
    const issue = issueAt(graph, ["nodes", exampleIndex.gate, "timeout_seconds"]);
    expect(issue.message).toBe('Node "gate": timeout_seconds must be greater than 0');
  });

  it("rejects an unknown on_fail action", () => {
    const graph = exampleGraph();
    nodeOf(graph, "gate").on_fail = { action: "escalate" };
    const issue = issueAt(graph, ["nodes", exampleIndex.gate, "on_fail", "action"]);
    expect(issue.nodeId).toBe("gate");
    expect(issue.message).toBe('Node "gate": on_fail.action must be one of review, reject, jump');
  });

  it("requires the jump target", () => {
    const graph = exampleGraph();
    nodeOf(graph, "gate").on_fail = { action: "jump" };
    const issue = issueAt(graph, ["nodes", exampleIndex.gate, "on_fail", "to"]);
    expect(issue.message).toBe('Node "gate": on_fail.to is required');
  });

  it.each(["Approved", "needs review", "", "9lives"])("rejects the terminal outcome %j", (outcome) => {
    const graph = exampleGraph();
    nodeOf(graph, "approved").outcome = outcome;
    const issue = issueAt(graph, ["nodes", exampleIndex.approved, "outcome"]);
    expect(issue.nodeId).toBe("approved");
    expect(issue.message).toMatch(
      /^Node "approved": outcome must be approved, rejected, needs_review or a label/,
    );
  });

  it("collects shape issues of several nodes at once", () => {
    const graph = exampleGraph();
    nodeOf(graph, "document").retries = 9;
    nodeOf(graph, "gate").on_continue = 42;
    const issues = issuesOf(graph);
    expect(issues.map((issue) => issue.nodeId)).toEqual(["document", "gate"]);
    expect(issues[1]?.message).toBe('Node "gate": on_continue must be a string');
  });
});

describe("validateGraph: semantic rules", () => {
  it("rejects duplicate ids at the later node", () => {
    const graph = exampleGraph();
    graph.nodes.push({ id: "review", type: "terminal", outcome: "rejected" });
    const issue = issueAt(graph, ["nodes", 8, "id"]);
    expect(issue).toEqual({
      nodeId: "review",
      path: ["nodes", 8, "id"],
      message: 'Node "review": duplicate id (also used by nodes[6])',
    });
  });

  it.each(["session", "payload"])("reserves the id %j for condition fields", (id) => {
    const graph = exampleGraph();
    graph.nodes.push({ id, type: "terminal", outcome: "approved" });
    nodeOf(graph, "risk").default = id;
    const issue = issueAt(graph, ["nodes", 8, "id"]);
    expect(issue.nodeId).toBe(id);
    expect(issue.message).toBe(`Node "${id}": id "${id}" is reserved for condition fields`);
  });

  it("requires the entry to exist", () => {
    const graph = exampleGraph();
    graph.entry = "begin";
    const issue = issueAt(graph, ["entry"]);
    expect(issue).toEqual({ nodeId: null, path: ["entry"], message: 'Entry points to unknown node "begin"' });
  });

  it("requires the entry to be a start node", () => {
    const graph = exampleGraph();
    graph.entry = "document";
    const issue = issueAt(graph, ["entry"]);
    expect(issue.message).toBe('Entry "document" must be a start node, not a policy node');
  });

  it("requires a start node", () => {
    const graph = exampleGraph();
    graph.nodes[0] = { id: "start", type: "conditional", conditions: [], default: "document" };
    const issues = issuesOf(graph);
    expect(issues).toContainEqual({ nodeId: null, path: ["nodes"], message: "Graph has no start node" });
    expect(issues).toContainEqual({
      nodeId: null,
      path: ["entry"],
      message: 'Entry "start" must be a start node, not a conditional node',
    });
  });

  it("allows exactly one start node", () => {
    const graph = exampleGraph();
    graph.nodes.push({ id: "start2", type: "start", next: "aml" });
    const issue = issueAt(graph, ["nodes", 8, "type"]);
    expect(issue.nodeId).toBe("start2");
    expect(issue.message).toBe('Node "start2": a graph has exactly one start node (already "start")');
  });

  it("names the node, the route and the missing target", () => {
    const graph = exampleGraph();
    nodeOf(graph, "aml").routes.fail = "revew";
    const issue = issueAt(graph, ["nodes", exampleIndex.aml, "routes", "fail"]);
    expect(issue).toEqual({
      nodeId: "aml",
      path: ["nodes", exampleIndex.aml, "routes", "fail"],
      message: 'Node "aml": route "fail" points to unknown node "revew"',
    });
  });

  const references: [
    string,
    (graph: ReturnType<typeof exampleGraph>) => void,
    (string | number)[],
    string,
  ][] = [
    ["start next", (g) => (nodeOf(g, "start").next = "nope"), ["nodes", 0, "next"], 'Node "start": "next"'],
    [
      "route pass",
      (g) => (nodeOf(g, "aml").routes.pass = "nope"),
      ["nodes", 2, "routes", "pass"],
      'Node "aml": route "pass"',
    ],
    [
      "route error",
      (g) => (nodeOf(g, "document").routes.error = "nope"),
      ["nodes", 1, "routes", "error"],
      'Node "document": route "error"',
    ],
    [
      "condition next",
      (g) => (nodeOf(g, "risk").conditions[0].next = "nope"),
      ["nodes", 3, "conditions", 0, "next"],
      'Node "risk": condition 0 "next"',
    ],
    [
      "default",
      (g) => (nodeOf(g, "risk").default = "nope"),
      ["nodes", 3, "default"],
      'Node "risk": "default"',
    ],
    [
      "on_continue",
      (g) => (nodeOf(g, "gate").on_continue = "nope"),
      ["nodes", 4, "on_continue"],
      'Node "gate": "on_continue"',
    ],
    [
      "on_fail.to",
      (g) => (nodeOf(g, "gate").on_fail = { action: "jump", to: "nope" }),
      ["nodes", 4, "on_fail", "to"],
      'Node "gate": "on_fail.to"',
    ],
    [
      "on_timeout",
      (g) => (nodeOf(g, "gate").on_timeout = "nope"),
      ["nodes", 4, "on_timeout"],
      'Node "gate": "on_timeout"',
    ],
  ];

  it.each(references)("reports an unknown %s", (_name, breakIt, path, prefix) => {
    const graph = exampleGraph();
    breakIt(graph);
    const issue = issueAt(graph, path);
    expect(issue.message).toBe(`${prefix} points to unknown node "nope"`);
    expect(issue.nodeId).toBe(path[0] === "nodes" ? graph.nodes[path[1] as number]?.id : null);
  });

  it("reports a broken reference once (no follow-up reachability issues)", () => {
    const graph = exampleGraph();
    nodeOf(graph, "start").next = "nope";
    const issues = issuesOf(graph);
    expect(issues.filter((issue) => issue.message.includes("terminal"))).toEqual([]);
  });

  it("rejects references to the start node", () => {
    const graph = exampleGraph();
    nodeOf(graph, "aml").routes.fail = "start";
    const issue = issueAt(graph, ["nodes", exampleIndex.aml, "routes", "fail"]);
    expect(issue.nodeId).toBe("aml");
    expect(issue.message).toBe('Node "aml": route "fail" points to the start node "start"');
  });

  it("reports nodes not reachable from the entry", () => {
    const graph = exampleGraph();
    graph.nodes.push({ id: "orphan", type: "terminal", outcome: "approved" });
    const issue = issueAt(graph, ["nodes", 8]);
    expect(issue).toEqual({
      nodeId: "orphan",
      path: ["nodes", 8],
      message: 'Node "orphan": not reachable from the entry "start"',
    });
  });

  it("reports a cycle of ordinary edges and names its nodes", () => {
    const graph = exampleGraph();
    nodeOf(graph, "risk").default = "document";
    const issue = issueAt(graph, ["nodes", exampleIndex.risk, "default"]);
    expect(issue.nodeId).toBe("risk");
    expect(issue.message).toBe('Node "risk": "default" closes a cycle: document -> aml -> risk -> document');
  });

  it("reports a jump that closes a cycle at its on_fail.to", () => {
    const graph = exampleGraph();
    nodeOf(graph, "gate").on_fail = { action: "jump", to: "aml" };
    const issues = issuesOf(graph);
    expect(issues).toEqual([
      {
        nodeId: "gate",
        path: ["nodes", exampleIndex.gate, "on_fail", "to"],
        message: 'Node "gate": jump "on_fail.to" closes a cycle: aml -> risk -> gate -> aml',
      },
    ]);
  });

  it("reports the jump even when the search closes the cycle at another edge", () => {
    // start -> split; split -> gate (condition) | target (default); target -> gate; gate jumps to target.
    // Depth-first search reaches gate first, so the edge target -> gate closes the cycle; the jump is blamed.
    const graph = {
      entry: "start",
      nodes: [
        { id: "start", type: "start", next: "split" },
        {
          id: "split",
          type: "conditional",
          conditions: [{ field: "payload.fast", operator: "==", value: true, next: "gate" }],
          default: "target",
        },
        { id: "target", type: "policy", policy: "selfie", routes: { pass: "gate", fail: "done" } },
        { id: "gate", type: "wait", on_continue: "done", on_fail: { action: "jump", to: "target" } },
        { id: "done", type: "terminal", outcome: "approved" },
      ],
    };
    const issues = issuesOf(graph);
    expect(issues).toHaveLength(1);
    expect(issues[0]?.path).toEqual(["nodes", 3, "on_fail", "to"]);
    expect(issues[0]?.message).toBe(
      'Node "gate": jump "on_fail.to" closes a cycle: target -> gate -> target',
    );
  });

  it("accepts a jump forward", () => {
    const graph = exampleGraph();
    nodeOf(graph, "gate").on_fail = { action: "jump", to: "rejected" };
    expect(validateGraph(graph).ok).toBe(true);
  });

  it("reports nodes from which no terminal is reachable", () => {
    const graph = exampleGraph();
    // aml -> loop -> aml has an exit through aml's routes, but loop2 <-> loop3 has none.
    nodeOf(graph, "risk").default = "loop2";
    graph.nodes.push(
      { id: "loop2", type: "conditional", conditions: [], default: "loop3" },
      { id: "loop3", type: "conditional", conditions: [], default: "loop2" },
    );
    const issues = issuesOf(graph);
    expect(issues).toContainEqual({
      nodeId: "loop2",
      path: ["nodes", 8],
      message: 'Node "loop2": no path from this node reaches a terminal node',
    });
    expect(issues).toContainEqual({
      nodeId: "loop3",
      path: ["nodes", 9],
      message: 'Node "loop3": no path from this node reaches a terminal node',
    });
    expect(issues.some((issue) => issue.nodeId === "loop3" && issue.message.includes("closes a cycle"))).toBe(
      true,
    );
  });

  it("rejects unknown policies and lists valid ones", () => {
    const graph = exampleGraph();
    nodeOf(graph, "aml").policy = "aml";
    const issue = issueAt(graph, ["nodes", exampleIndex.aml, "policy"]);
    expect(issue.nodeId).toBe("aml");
    expect(issue.message).toMatch(
      /^Node "aml": unknown policy "aml" \(known policies include document, selfie/,
    );
  });

  const values: [string, string, unknown, string][] = [
    ["in needs an array", "in", "gb", 'operator "in" needs an array value'],
    ["not_in needs an array", "not_in", undefined, 'operator "not_in" needs an array value'],
    [">= needs a number", ">=", "80", 'operator ">=" needs a number value'],
    ["< needs a number", "<", null, 'operator "<" needs a number value'],
    ["exists takes a boolean", "exists", "yes", 'operator "exists" takes no value or a boolean'],
    ["== needs a value", "==", undefined, 'operator "==" needs a value'],
    ["contains needs a value", "contains", undefined, 'operator "contains" needs a value'],
  ];

  it.each(values)("checks condition values: %s", (_name, operator, value, message) => {
    const graph = exampleGraph();
    const condition = nodeOf(graph, "risk").conditions[0];
    condition.operator = operator;
    if (value === undefined) delete condition.value;
    else condition.value = value;
    const issue = issueAt(graph, ["nodes", exampleIndex.risk, "conditions", 0, "value"]);
    expect(issue.nodeId).toBe("risk");
    expect(issue.message).toBe(`Node "risk": condition 0 ${message}`);
  });

  it.each([
    ["in", ["gb", "fr"]],
    ["not_in", []],
    ["<", 0.5],
    ["exists", undefined],
    ["exists", false],
    ["==", null],
    ["!=", "x"],
    ["contains", "sanctions"],
  ])("accepts operator %s with value %j", (operator, value) => {
    const graph = exampleGraph();
    const condition = nodeOf(graph, "risk").conditions[0];
    condition.operator = operator;
    if (value === undefined) delete condition.value;
    else condition.value = value;
    expect(validateGraph(graph).ok).toBe(true);
  });

  it.each(["score", "aml.score", "aml.output", "aml.output.", "session", "payload.", ".output.x"])(
    "rejects the malformed field %j",
    (field) => {
      const graph = exampleGraph();
      nodeOf(graph, "risk").conditions[0].field = field;
      const issue = issueAt(graph, ["nodes", exampleIndex.risk, "conditions", 0, "field"]);
      expect(issue.nodeId).toBe("risk");
      expect(issue.message).toContain(`Node "risk": condition 0 field "${field}"`);
    },
  );

  it.each(["session.country", "payload.customer.tier", "document.output.issuing_country"])(
    "accepts the field %j",
    (field) => {
      const graph = exampleGraph();
      nodeOf(graph, "risk").conditions[0].field = field;
      expect(validateGraph(graph).ok).toBe(true);
    },
  );

  it("rejects a field of an unknown node", () => {
    const graph = exampleGraph();
    nodeOf(graph, "risk").conditions[0].field = "amls.output.score";
    const issue = issueAt(graph, ["nodes", exampleIndex.risk, "conditions", 0, "field"]);
    expect(issue.message).toBe(
      'Node "risk": condition 0 field "amls.output.score" refers to unknown node "amls"',
    );
  });

  it("rejects a field of a node that never runs before the condition", () => {
    const graph = exampleGraph();
    nodeOf(graph, "risk").conditions[0].field = "gate.output.decision";
    const issue = issueAt(graph, ["nodes", exampleIndex.risk, "conditions", 0, "field"]);
    expect(issue.message).toBe(
      'Node "risk": condition 0 field "gate.output.decision" refers to node "gate", which never runs before "risk"',
    );
  });

  it("collects every semantic issue, graph-level first, then in node order", () => {
    const graph = exampleGraph();
    graph.entry = "nowhere";
    nodeOf(graph, "gate").on_continue = "aproved";
    nodeOf(graph, "document").policy = "passport";
    nodeOf(graph, "risk").conditions[0].value = "high";
    const issues = issuesOf(graph);
    expect(issues.map((issue) => [issue.nodeId, issue.path.join(".")])).toEqual([
      [null, "entry"],
      ["document", "nodes.1.policy"],
      ["risk", "nodes.3.conditions.0.value"],
      ["gate", "nodes.4.on_continue"],
    ]);
  });
});

describe("parseWorkflowGraph", () => {
  it("returns the parsed graph", () => {
    expect(parseWorkflowGraph(exampleGraph()).nodes[0]).toEqual({
      id: "start",
      type: "start",
      next: "document",
    });
  });

  it("throws a ValidationError with string paths under graph", () => {
    const graph = exampleGraph();
    nodeOf(graph, "aml").routes.fail = "revew";
    graph.entry = "nope";
    let error: unknown;
    try {
      parseWorkflowGraph(graph);
    } catch (caught) {
      error = caught;
    }
    expect(error).toBeInstanceOf(ValidationError);
    if (!isValidationError(error)) return;
    expect(error.message).toBe("Invalid workflow graph");
    expect(error.code).toBe("VALIDATION");
    expect(error.issues).toEqual([
      { path: ["graph", "entry"], message: 'Entry points to unknown node "nope"' },
      {
        path: ["graph", "nodes", "2", "routes", "fail"],
        message: 'Node "aml": route "fail" points to unknown node "revew"',
        nodeId: "aml",
      },
    ]);
  });
});
