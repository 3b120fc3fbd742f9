import { describe, expect, it } from "vitest";
import {
  type GraphIssue,
  graphEdges,
  mapTaskInput,
  nodeTypes,
  parseWorkflowGraph,
  type RoutingContext,
  routeTask,
  type TaskNode,
  validateGraph,
} from "../src/index.ts";

/** start → fetch (http) → shape (template) → echo → done; errors go to review. */
function taskGraph() {
  return {
    entry: "start",
    nodes: [
      { id: "start", type: "start", next: "fetch" },
      {
        id: "fetch",
        type: "task",
        handler: { type: "http", url: "https://api.example.com/score" },
        input: { email: "payload.customer.email", all: "payload" },
        cost_cents: 25,
        retries: 2,
        routes: { success: "shape", error: "review" },
      },
      {
        id: "shape",
        type: "task",
        handler: {
          type: "template",
          output: {
            summary: "{{ payload.customer.name }}: {{ fetch.output.score }}",
            score: "{{ fetch.output.score }}",
          },
        },
        input: { score: "fetch.output.score" },
        routes: { success: "echo" },
      },
      { id: "echo", type: "task", handler: { type: "echo" }, routes: { success: "done" } },
      { id: "done", type: "terminal", outcome: "approved" },
      { id: "review", type: "terminal", outcome: "needs_review" },
    ] as Record<string, any>[],
  };
}

function issuesOf(input: unknown): GraphIssue[] {
  const result = validateGraph(input);
  if (result.ok) throw new Error("expected the graph to be invalid");
  return result.issues;
}

describe("task nodes in graphs", () => {
  it("is a known node type, validates and gets its defaults", () => {
    expect(nodeTypes).toContain("task");
    const graph = parseWorkflowGraph(taskGraph());
    const fetch = graph.nodes[1] as TaskNode;
    expect(fetch.handler).toEqual({ type: "http", url: "https://api.example.com/score", timeout_ms: 10_000 });
    const echo = graph.nodes[3] as TaskNode;
    expect(echo).toMatchObject({ cost_cents: 0, retries: 0, routes: { success: "done" } });
    expect(graphEdges(graph).filter((edge) => edge.from === "fetch")).toEqual([
      { from: "fetch", to: "shape", label: "success" },
      { from: "fetch", to: "review", label: "error" },
    ]);
  });

  it("names the node and field of shape errors", () => {
    const graph = taskGraph();
    graph.nodes[1]!.retries = 5;
    graph.nodes[1]!.cost_cents = -1;
    graph.nodes[1]!.handler.timeout_ms = 500_000;
    graph.nodes[3]!.handler = { type: "shell", command: "rm -rf /" };
    delete graph.nodes[2]!.routes.success;
    const issues = issuesOf(graph);
    expect(issues).toEqual(
      expect.arrayContaining([
        expect.objectContaining({
          path: ["nodes", 1, "retries"],
          message: 'Node "fetch": retries must be a whole number from 0 to 4',
        }),
        expect.objectContaining({ path: ["nodes", 1, "cost_cents"], nodeId: "fetch" }),
        expect.objectContaining({ path: ["nodes", 1, "handler", "timeout_ms"], nodeId: "fetch" }),
        expect.objectContaining({
          path: ["nodes", 3, "handler", "type"],
          message: 'Node "echo": handler.type must be one of http, template, echo (got "shell")',
        }),
        expect.objectContaining({
          path: ["nodes", 2, "routes", "success"],
          message: 'Node "shape": routes.success is required',
        }),
      ]),
    );
  });

  it("checks the URL form, input paths and template placeholders, naming the node", () => {
    const graph = taskGraph();
    graph.nodes[1]!.handler.url = "ftp://example.com/x";
    graph.nodes[1]!.input = { a: "shape.output.x", b: "nowhere.output.y", c: "payload..x", d: "input.x" };
    graph.nodes[2]!.handler.output = { s: "{{ echo.output.z }}", t: ["{{ payload.a + 1 }}"] };
    const issues = issuesOf(graph).map(({ path, message }) => ({ path, message }));
    expect(issues).toEqual([
      {
        path: ["nodes", 1, "handler", "url"],
        message: 'Node "fetch": handler.url must use http or https, not ftp',
      },
      {
        path: ["nodes", 1, "input", "a"],
        message:
          'Node "fetch": input "a": "shape.output.x" refers to node "shape", which never runs before "fetch"',
      },
      {
        path: ["nodes", 1, "input", "b"],
        message: 'Node "fetch": input "b": "nowhere.output.y" refers to unknown node "nowhere"',
      },
      {
        path: ["nodes", 1, "input", "c"],
        message: expect.stringContaining('Node "fetch": input "c": "payload..x" is not a valid path'),
      },
      {
        path: ["nodes", 1, "input", "d"],
        message: expect.stringContaining(
          '"input.x" must start with "payload", "session" or "<nodeId>.output"',
        ),
      },
      {
        path: ["nodes", 2, "handler", "output", "s"],
        message:
          'Node "shape": handler.output.s: "echo.output.z" refers to node "echo", which never runs before "shape"',
      },
      {
        path: ["nodes", 2, "handler", "output", "t", 0],
        message: expect.stringContaining(
          'Node "shape": handler.output.t[0]: placeholder at position 0: unexpected "+"',
        ),
      },
    ]);
  });

  it("accepts private URLs in the graph (where they may go is decided when the task runs)", () => {
    const graph = taskGraph();
    graph.nodes[1]!.handler.url = "http://127.0.0.1:8080/hook";
    expect(validateGraph(graph).ok).toBe(true);
  });

  it("lets conditions branch on task outputs", () => {
    const graph = taskGraph();
    graph.nodes[2]!.routes.success = "check";
    graph.nodes.push({
      id: "check",
      type: "conditional",
      conditions: [{ field: "fetch.output.score", operator: ">=", value: 50, next: "echo" }],
      default: "review",
    });
    expect(validateGraph(graph).ok).toBe(true);
  });
});

describe("task input mapping and routing", () => {
  const ctx: RoutingContext = {
    payload: { customer: { email: "ada@example.com" }, amount: 3 },
    session: {},
    outputs: { fetch: { score: 91 } },
  };

  it("maps payload and output paths, leaving out missing values", () => {
    expect(
      mapTaskInput(
        {
          input: {
            email: "payload.customer.email",
            score: "fetch.output.score",
            whole: "fetch.output",
            missing: "payload.nope",
          },
        },
        ctx,
      ),
    ).toEqual({ email: "ada@example.com", score: 91, whole: { score: 91 } });
  });

  it("gives a node without a mapping a copy of the payload", () => {
    const input = mapTaskInput({}, ctx);
    expect(input).toEqual(ctx.payload);
    expect(input).not.toBe(ctx.payload);
  });

  it("routes success and error, and has no transition for an error without a route", () => {
    const routes = { success: "next", error: "review" };
    expect(routeTask({ routes }, "success")).toEqual({ kind: "goto", nodeId: "next" });
    expect(routeTask({ routes }, "error")).toEqual({ kind: "goto", nodeId: "review" });
    expect(routeTask({ routes: { success: "next" } }, "error")).toBeNull();
  });
});
