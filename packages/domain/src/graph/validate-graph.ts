import type { $ZodIssue, $ZodRawIssue } from "zod/v4/core";
import { assertNever, ValidationError, type ValidationIssue } from "../errors.ts";
import { taskNodeProblems } from "../tasks/task-graph-checks.ts";
import { type Condition, type GraphNode, type WorkflowGraph, workflowGraphSchema } from "./graph-schema.ts";
import { findPolicy, policyNames } from "./policy-catalog.ts";

/** One problem found in a workflow graph. */
export interface GraphIssue {
  /** Id of the node the issue belongs to, or `null` for graph-level issues (entry, node list). */
  nodeId: string | null;
  /** Path of the offending value relative to the graph object, e.g. `["nodes", 3, "routes", "pass"]`. */
  path: (string | number)[];
  /** Human-readable description that names the node. */
  message: string;
}

/** Result of {@link validateGraph}. */
export type GraphValidationResult = { ok: true; graph: WorkflowGraph } | { ok: false; issues: GraphIssue[] };

/** A directed edge of a workflow graph. */
export interface GraphEdge {
  /** Id of the node the edge leaves. */
  from: string;
  /** Id of the node the edge enters. */
  to: string;
  /**
   * What takes the edge: `next`; `pass` / `fail` / `error`; the condition (`aml.output.score >= 80`) or
   * `default`; `continue` / `fail` (a jump) / `timeout`.
   */
  label: string;
}

/** An edge with where it is written and how messages describe it. */
interface NodeReference extends GraphEdge {
  /** Path of the reference relative to its node. */
  field: (string | number)[];
  /** How messages name the reference, e.g. `route "pass"`. */
  describe: string;
  /** Whether the edge is a wait node's `on_fail` jump. */
  jump: boolean;
}

/** Ids that condition fields use as roots and that nodes therefore cannot have. */
const reservedNodeIds: readonly string[] = ["session", "payload"];

const comparisonOperators: readonly string[] = [">=", "<=", ">", "<"];

/**
 * Validates a workflow graph: first its shape (zod), then its semantics, collecting every issue.
 *
 * Semantic rules: unique ids (`session` and `payload` are reserved); the entry exists and is the one
 * `start` node; every reference exists and does not point to the start node; every node is reachable from
 * the entry; no cycles (jump edges included; a cycle closed by a jump is reported at its `on_fail.to`);
 * a terminal is reachable from every node; policy names are in the catalog and a policy node's `config`
 * fits that policy's config schema; condition fields are
 * `<nodeId>.output.<key>` (of a node that can run earlier), `session.<key>` or `payload.<key>`; condition
 * values fit their operator. Semantic rules run only when the shape is valid.
 *
 * @param input - Graph as written by a user (parsed JSON).
 * @returns The parsed graph (defaults applied), or every issue found.
 */
export function validateGraph(input: unknown): GraphValidationResult {
  const parsed = workflowGraphSchema.safeParse(input, { error: describeZodIssue });
  if (!parsed.success) {
    return { ok: false, issues: parsed.error.issues.map((issue) => fromZodIssue(issue, input)) };
  }
  const issues = semanticIssues(parsed.data);
  return issues.length === 0 ? { ok: true, graph: parsed.data } : { ok: false, issues };
}

/**
 * Parses and validates a workflow graph.
 *
 * @param input - Graph as written by a user (parsed JSON).
 * @returns The parsed graph with defaults applied.
 * @throws ValidationError `"Invalid workflow graph"` whose issue paths start with `"graph"`.
 */
export function parseWorkflowGraph(input: unknown): WorkflowGraph {
  const result = validateGraph(input);
  if (result.ok) return result.graph;
  throw new ValidationError(
    "Invalid workflow graph",
    result.issues.map((issue) => toValidationIssue(issue)),
  );
}

/**
 * Converts a graph issue into a validation issue of an input whose graph sits at `prefix`.
 *
 * @param issue - Issue from {@link validateGraph}.
 * @param prefix - Path of the graph in the input; `["graph"]` by default.
 */
export function toValidationIssue(issue: GraphIssue, prefix: readonly string[] = ["graph"]): ValidationIssue {
  const result: ValidationIssue = { path: [...prefix, ...issue.path.map(String)], message: issue.message };
  if (issue.nodeId !== null) result.nodeId = issue.nodeId;
  return result;
}

/**
 * Every edge of a graph in node order (for diffing and visualisation). A policy's implicit error route
 * (to its `fail` target) and wait outcomes without a target node are not edges.
 *
 * @param graph - A parsed graph.
 */
export function graphEdges(graph: WorkflowGraph): GraphEdge[] {
  return graph.nodes.flatMap((node) =>
    nodeReferences(node).map(({ from, to, label }) => ({ from, to, label })),
  );
}

/** Every outgoing reference of a node. */
function nodeReferences(node: GraphNode): NodeReference[] {
  const from = node.id;
  const ref = (to: string, label: string, field: (string | number)[], describe: string, jump = false) => ({
    from,
    to,
    label,
    field,
    describe,
    jump,
  });
  switch (node.type) {
    case "start":
      return [ref(node.next, "next", ["next"], '"next"')];
    case "policy": {
      const refs = [
        ref(node.routes.pass, "pass", ["routes", "pass"], 'route "pass"'),
        ref(node.routes.fail, "fail", ["routes", "fail"], 'route "fail"'),
      ];
      if (node.routes.error !== undefined) {
        refs.push(ref(node.routes.error, "error", ["routes", "error"], 'route "error"'));
      }
      return refs;
    }
    case "conditional":
      return [
        ...node.conditions.map((condition, index) =>
          ref(
            condition.next,
            conditionLabel(condition),
            ["conditions", index, "next"],
            `condition ${index} "next"`,
          ),
        ),
        ref(node.default, "default", ["default"], '"default"'),
      ];
    case "wait": {
      const refs = [ref(node.on_continue, "continue", ["on_continue"], '"on_continue"')];
      if (node.on_fail.action === "jump") {
        refs.push(ref(node.on_fail.to, "fail", ["on_fail", "to"], '"on_fail.to"', true));
      }
      if (node.on_timeout !== undefined) {
        refs.push(ref(node.on_timeout, "timeout", ["on_timeout"], '"on_timeout"'));
      }
      return refs;
    }
    case "task": {
      const refs = [ref(node.routes.success, "success", ["routes", "success"], 'route "success"')];
      if (node.routes.error !== undefined) {
        refs.push(ref(node.routes.error, "error", ["routes", "error"], 'route "error"'));
      }
      return refs;
    }
    case "questionnaire":
      return [
        ref(node.routes.submitted, "submitted", ["routes", "submitted"], 'route "submitted"'),
        ref(node.routes.expired, "expired", ["routes", "expired"], 'route "expired"'),
      ];
    case "terminal":
      return [];
    default:
      return assertNever(node);
  }
}

function conditionLabel(condition: Condition): string {
  if (condition.operator === "exists") {
    return condition.value === false ? `${condition.field} does not exist` : `${condition.field} exists`;
  }
  return `${condition.field} ${condition.operator} ${JSON.stringify(condition.value)}`;
}

/** What the semantic rules share: the graph, its id index and its valid edges. */
interface GraphFacts {
  graph: WorkflowGraph;
  /** Index of the first node with each id; references resolve to it. */
  indexById: Map<string, number>;
  /** Ids of every start node. */
  startIds: Set<string>;
  /** Valid outgoing references of a node (known target, not a start node). */
  successors: (id: string) => NodeReference[];
}

/** Collects issues; node issues get the `Node "<id>": ` prefix and a path under `nodes[index]`. */
class IssueCollector {
  readonly issues: GraphIssue[] = [];

  graph(field: (string | number)[], message: string): void {
    this.issues.push({ nodeId: null, path: field, message });
  }

  node(index: number, id: string, field: (string | number)[], message: string): void {
    this.issues.push({ nodeId: id, path: ["nodes", index, ...field], message: `Node "${id}": ${message}` });
  }

  /** Graph-level issues first, then by node index; the order within a node is kept. */
  sorted(): GraphIssue[] {
    const rank = (issue: GraphIssue) => (typeof issue.path[1] === "number" ? issue.path[1] : -1);
    return this.issues
      .map((issue, order) => ({ issue, order }))
      .sort((a, b) => rank(a.issue) - rank(b.issue) || a.order - b.order)
      .map(({ issue }) => issue);
  }
}

function semanticIssues(graph: WorkflowGraph): GraphIssue[] {
  const out = new IssueCollector();
  const indexById = checkIds(graph, out);
  const startIds = checkEntryAndStart(graph, indexById, out);
  const edges = checkReferences(graph, indexById, startIds, out);
  const facts: GraphFacts = { graph, indexById, startIds, successors: (id) => edges.get(id) ?? [] };
  checkPolicies(facts, out);
  checkTasks(facts, out);
  checkConditions(facts, out);
  checkReachable(facts, out);
  checkCycles(facts, out);
  checkTerminalReachable(facts, out);
  return out.sorted();
}

/** Unique ids, none reserved. Returns the index of the first node with each id. */
function checkIds(graph: WorkflowGraph, out: IssueCollector): Map<string, number> {
  const indexById = new Map<string, number>();
  graph.nodes.forEach((node, index) => {
    const first = indexById.get(node.id);
    if (first !== undefined) {
      out.node(index, node.id, ["id"], `duplicate id (also used by nodes[${first}])`);
      return;
    }
    indexById.set(node.id, index);
    if (reservedNodeIds.includes(node.id)) {
      out.node(index, node.id, ["id"], `id "${node.id}" is reserved for condition fields`);
    }
  });
  return indexById;
}

/** The entry exists and is the one start node. Returns the ids of all start nodes. */
function checkEntryAndStart(
  graph: WorkflowGraph,
  indexById: Map<string, number>,
  out: IssueCollector,
): Set<string> {
  const starts = graph.nodes.flatMap((node, index) => (node.type === "start" ? [{ node, index }] : []));
  const entryIndex = indexById.get(graph.entry);
  const entryNode = entryIndex === undefined ? undefined : graph.nodes[entryIndex];
  if (entryNode === undefined) {
    out.graph(["entry"], `Entry points to unknown node "${graph.entry}"`);
  } else if (entryNode.type !== "start") {
    out.graph(["entry"], `Entry "${graph.entry}" must be a start node, not a ${entryNode.type} node`);
  }
  const [first, ...others] = starts;
  if (first === undefined) out.graph(["nodes"], "Graph has no start node");
  for (const { node, index } of others) {
    out.node(index, node.id, ["type"], `a graph has exactly one start node (already "${first?.node.id}")`);
  }
  return new Set(starts.map(({ node }) => node.id));
}

/** Every reference exists and avoids the start node. Returns the valid edges of each id's first node. */
function checkReferences(
  graph: WorkflowGraph,
  indexById: Map<string, number>,
  startIds: Set<string>,
  out: IssueCollector,
): Map<string, NodeReference[]> {
  const edges = new Map<string, NodeReference[]>();
  graph.nodes.forEach((node, index) => {
    const valid: NodeReference[] = [];
    for (const reference of nodeReferences(node)) {
      if (!indexById.has(reference.to)) {
        out.node(
          index,
          node.id,
          reference.field,
          `${reference.describe} points to unknown node "${reference.to}"`,
        );
      } else if (startIds.has(reference.to)) {
        out.node(
          index,
          node.id,
          reference.field,
          `${reference.describe} points to the start node "${reference.to}"`,
        );
      } else {
        valid.push(reference);
      }
    }
    if (indexById.get(node.id) === index) edges.set(node.id, valid);
  });
  return edges;
}

/** Policy names are in the catalog; a node's `config` fits its policy's config schema from the catalog. */
function checkPolicies({ graph }: GraphFacts, out: IssueCollector): void {
  graph.nodes.forEach((node, index) => {
    if (node.type !== "policy") return;
    const policy = findPolicy(node.policy);
    if (policy === undefined) {
      const known = listSome(policyNames);
      out.node(
        index,
        node.id,
        ["policy"],
        `unknown policy "${node.policy}" (known policies include ${known})`,
      );
      return;
    }
    if (node.config === undefined) return;
    const parsed = policy.config.safeParse(node.config, { error: describeZodIssue });
    if (parsed.success) return;
    for (const issue of parsed.error.issues) {
      const path = issue.path.map((segment) => (typeof segment === "symbol" ? String(segment) : segment));
      const field = formatField(["config", ...path]);
      const message =
        issue.code === "unrecognized_keys"
          ? `config has unknown key${issue.keys.length === 1 ? "" : "s"} ${issue.keys.map((k) => `"${k}"`).join(", ")} for policy "${policy.name}"`
          : `${field} ${issue.message}`;
      out.node(index, node.id, ["config", ...path], message);
    }
  });
}

/**
 * Task nodes: an http handler's URL is an absolute http(s) URL without credentials; `input` paths and a
 * template's placeholders parse, and read outputs only of nodes that can run before the task.
 */
function checkTasks({ graph, indexById, successors }: GraphFacts, out: IssueCollector): void {
  graph.nodes.forEach((node, index) => {
    if (node.type !== "task") return;
    const facts = {
      hasNode: (id: string) => indexById.has(id),
      runsBefore: (id: string) => reaches(id, node.id, successors),
    };
    for (const { field, message } of taskNodeProblems(node, facts)) out.node(index, node.id, field, message);
  });
}

/** Condition values fit their operators; fields read something that can exist. */
function checkConditions(facts: GraphFacts, out: IssueCollector): void {
  facts.graph.nodes.forEach((node, index) => {
    if (node.type !== "conditional") return;
    node.conditions.forEach((condition, position) => {
      for (const { field, message } of conditionProblems(condition, node.id, facts)) {
        out.node(index, node.id, ["conditions", position, field], `condition ${position} ${message}`);
      }
    });
  });
}

/** Every node is reachable from the entry (skipped when the entry is unknown: already reported). */
function checkReachable({ graph, indexById, successors }: GraphFacts, out: IssueCollector): void {
  if (!indexById.has(graph.entry)) return;
  const reachable = reachableFrom(graph.entry, successors);
  for (const [id, index] of indexById) {
    if (!reachable.has(id)) out.node(index, id, [], `not reachable from the entry "${graph.entry}"`);
  }
}

/**
 * No cycles, jump edges included. Each cycle is reported at a jump when it has one, else at the edge that
 * closed it, and lists its nodes from there. Every node is a search root in turn, so unreachable cycles are
 * found too.
 */
function checkCycles({ graph, indexById, successors }: GraphFacts, out: IssueCollector): void {
  const roots = [graph.entry, ...indexById.keys()].filter((id) => indexById.has(id));
  const reported = new Set<string>();
  for (const cycle of findCycles(roots, successors)) {
    const jumpIndex = cycle.findIndex((edge) => edge.jump);
    const closingIndex = jumpIndex >= 0 ? jumpIndex : cycle.length - 1;
    const closing = cycle[closingIndex]!;
    const key = `${closing.from}\u0000${closing.field.join(".")}`;
    if (reported.has(key)) continue;
    reported.add(key);
    const ordered = [...cycle.slice(closingIndex + 1), ...cycle.slice(0, closingIndex + 1)];
    const names = [ordered[0]!.from, ...ordered.map((edge) => edge.to)].join(" -> ");
    const what = closing.jump ? `jump ${closing.describe}` : closing.describe;
    out.node(indexById.get(closing.from)!, closing.from, closing.field, `${what} closes a cycle: ${names}`);
  }
}

/**
 * A terminal is reachable from every node. A reference already reported as broken counts as an exit, so
 * one mistake is reported once.
 */
function checkTerminalReachable(
  { graph, indexById, startIds, successors }: GraphFacts,
  out: IssueCollector,
): void {
  const exits = new Set<string>();
  for (const node of graph.nodes) {
    const broken = nodeReferences(node).some((ref) => !indexById.has(ref.to) || startIds.has(ref.to));
    if (node.type === "terminal" || broken) exits.add(node.id);
  }
  for (let grew = true; grew; ) {
    grew = false;
    for (const id of indexById.keys()) {
      if (!exits.has(id) && successors(id).some((edge) => exits.has(edge.to))) {
        exits.add(id);
        grew = true;
      }
    }
  }
  for (const [id, index] of indexById) {
    if (!exits.has(id)) out.node(index, id, [], "no path from this node reaches a terminal node");
  }
}

/** Problems of one condition, with the condition field they belong to. */
function conditionProblems(
  condition: Condition,
  nodeId: string,
  { indexById, successors }: GraphFacts,
): { field: "value" | "field"; message: string }[] {
  const problems: { field: "value" | "field"; message: string }[] = [];
  const { operator, value } = condition;
  if (comparisonOperators.includes(operator)) {
    if (typeof value !== "number" || !Number.isFinite(value)) {
      problems.push({ field: "value", message: `operator "${operator}" needs a number value` });
    }
  } else if (operator === "in" || operator === "not_in") {
    if (!Array.isArray(value)) {
      problems.push({ field: "value", message: `operator "${operator}" needs an array value` });
    }
  } else if (operator === "exists") {
    if (value !== undefined && typeof value !== "boolean") {
      problems.push({ field: "value", message: 'operator "exists" takes no value or a boolean' });
    }
  } else if (value === undefined) {
    problems.push({ field: "value", message: `operator "${operator}" needs a value` });
  }

  const field = condition.field;
  const [head = "", second, third] = field.split(".");
  const hasEmptyPart = field.split(".").some((part) => part === "");
  if (head === "session" || head === "payload") {
    if (second === undefined || hasEmptyPart) {
      problems.push({ field: "field", message: `field "${field}" needs a key after "${head}."` });
    }
  } else if (second !== "output" || third === undefined || hasEmptyPart) {
    problems.push({
      field: "field",
      message: `field "${field}" must be "<nodeId>.output.<key>", "session.<key>" or "payload.<key>"`,
    });
  } else if (!indexById.has(head)) {
    problems.push({ field: "field", message: `field "${field}" refers to unknown node "${head}"` });
  } else if (!reaches(head, nodeId, successors)) {
    problems.push({
      field: "field",
      message: `field "${field}" refers to node "${head}", which never runs before "${nodeId}"`,
    });
  }
  return problems;
}

function reachableFrom(start: string, successors: (id: string) => NodeReference[]): Set<string> {
  const seen = new Set<string>([start]);
  const stack = [start];
  for (let id = stack.pop(); id !== undefined; id = stack.pop()) {
    for (const edge of successors(id)) {
      if (!seen.has(edge.to)) {
        seen.add(edge.to);
        stack.push(edge.to);
      }
    }
  }
  return seen;
}

/** Whether a path of one or more edges leads from `from` to `to`. */
function reaches(from: string, to: string, successors: (id: string) => NodeReference[]): boolean {
  const seen = new Set<string>();
  const stack = successors(from).map((edge) => edge.to);
  for (let id = stack.pop(); id !== undefined; id = stack.pop()) {
    if (id === to) return true;
    if (seen.has(id)) continue;
    seen.add(id);
    for (const edge of successors(id)) stack.push(edge.to);
  }
  return false;
}

/** Cycles found by depth-first search from each root in turn, each as its edges in order. */
function findCycles(roots: string[], successors: (id: string) => NodeReference[]): NodeReference[][] {
  const cycles: NodeReference[][] = [];
  const state = new Map<string, "active" | "done">();
  const pathEdges: NodeReference[] = [];
  const pathNodes: string[] = [];

  const visit = (id: string): void => {
    state.set(id, "active");
    pathNodes.push(id);
    for (const edge of successors(id)) {
      const target = state.get(edge.to);
      if (target === "active") {
        const start = pathNodes.indexOf(edge.to);
        cycles.push([...pathEdges.slice(start), edge]);
      } else if (target === undefined) {
        pathEdges.push(edge);
        visit(edge.to);
        pathEdges.pop();
      }
    }
    pathNodes.pop();
    state.set(id, "done");
  };

  for (const root of roots) {
    if (state.get(root) === undefined) visit(root);
  }
  return cycles;
}

function listSome(names: readonly string[], count = 6): string {
  return names.length <= count ? names.join(", ") : `${names.slice(0, count).join(", ")}, …`;
}

const typeNames: Record<string, string> = {
  string: "a string",
  number: "a number",
  int: "an integer",
  boolean: "a boolean",
  object: "an object",
  record: "an object",
  array: "an array",
};

/** Per-parse error map: short messages that read well after a field name ("routes.pass is required"). */
function describeZodIssue(issue: $ZodRawIssue): string | undefined {
  switch (issue.code) {
    case "invalid_type":
      if (issue.input === undefined) return "is required";
      return `must be ${typeNames[issue.expected] ?? issue.expected}`;
    case "too_small": {
      const minimum = Number(issue.minimum);
      if (issue.origin === "string") {
        return minimum <= 1 ? "must not be empty" : `must have at least ${minimum} characters`;
      }
      if (issue.origin === "array") return `must have at least ${minimum} item${minimum === 1 ? "" : "s"}`;
      return `must be ${issue.inclusive ? "at least" : "greater than"} ${minimum}`;
    }
    case "too_big": {
      const maximum = Number(issue.maximum);
      if (issue.origin === "string") return `must have at most ${maximum} characters`;
      if (issue.origin === "array") return `must have at most ${maximum} items`;
      return `must be ${issue.inclusive ? "at most" : "less than"} ${maximum}`;
    }
    case "invalid_value": {
      const values = issue.values.map((value) => (typeof value === "string" ? value : JSON.stringify(value)));
      return `must be one of ${values.join(", ")}${gotSuffix(issue.input)}`;
    }
    case "invalid_format":
      return "has an invalid format";
    default:
      return undefined;
  }
}

function gotSuffix(input: unknown): string {
  return typeof input === "string" || typeof input === "number" || typeof input === "boolean"
    ? ` (got ${JSON.stringify(input)})`
    : "";
}

/** Maps a zod issue to a graph issue, naming the node at `nodes[i]` when the path is inside one. */
function fromZodIssue(issue: $ZodIssue, input: unknown): GraphIssue {
  const path = issue.path.map((segment) => (typeof segment === "symbol" ? String(segment) : segment));
  if (path[0] === "nodes" && typeof path[1] === "number") {
    const index = path[1];
    const node = Array.isArray((input as { nodes?: unknown }).nodes)
      ? ((input as { nodes: unknown[] }).nodes[index] as { id?: unknown } | undefined)
      : undefined;
    const nodeId = typeof node?.id === "string" && node.id !== "" ? node.id : null;
    const subject = nodeId === null ? `Node at nodes[${index}]` : `Node "${nodeId}"`;
    const field = formatField(path.slice(2));
    return { nodeId, path, message: `${subject}: ${field === "" ? "" : `${field} `}${issue.message}` };
  }
  if (path.length === 0) {
    return { nodeId: null, path, message: `Workflow graph ${issue.message}` };
  }
  const field = formatField(path);
  return {
    nodeId: null,
    path,
    message: `${field.charAt(0).toUpperCase()}${field.slice(1)} ${issue.message}`,
  };
}

function formatField(path: (string | number)[]): string {
  return path.reduce<string>(
    (out, segment) =>
      typeof segment === "number" ? `${out}[${segment}]` : out === "" ? segment : `${out}.${segment}`,
    "",
  );
}
