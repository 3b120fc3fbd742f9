import { assertNever } from "../errors.ts";
import type {
  Condition,
  ConditionalNode,
  GraphNode,
  PolicyNode,
  PolicyOutcome,
  StartNode,
  TerminalNode,
  WaitNode,
  WorkflowGraph,
} from "./graph-schema.ts";

/** Where a run goes after a node: another node, or the end of the run with an outcome. */
export type Transition = { kind: "goto"; nodeId: string } | { kind: "finish"; outcome: string };

/** Data conditions can read. */
export interface RoutingContext {
  /** Outputs of the nodes that have run, by node id. */
  outputs: Record<string, Record<string, unknown>>;
  /** The session's data (`session.<key>`). */
  session: Record<string, unknown>;
  /** The trigger payload (`payload.<key>`). */
  payload: Record<string, unknown>;
}

/** Decisions an external gate (wait node) accepts. */
export const externalDecisions = ["continue", "fail", "reject"] as const;

/** Decision submitted for a paused run: continue, apply the node's `on_fail`, or reject at once. */
export type ExternalDecision = (typeof externalDecisions)[number];

const nodeIndexes = new WeakMap<WorkflowGraph, Map<string, GraphNode>>();

/**
 * The node with id `id`. Graphs are indexed once (weakly cached), so lookups are O(1).
 *
 * @param graph - A validated graph (do not mutate it afterwards).
 * @param id - Node id.
 * @throws Error when there is no such node, which a validated graph never causes.
 */
export function getNode(graph: WorkflowGraph, id: string): GraphNode {
  let index = nodeIndexes.get(graph);
  if (index === undefined) {
    index = new Map();
    for (const node of graph.nodes) if (!index.has(node.id)) index.set(node.id, node);
    nodeIndexes.set(graph, index);
  }
  const node = index.get(id);
  if (node === undefined) throw new Error(`Workflow graph has no node "${id}"`);
  return node;
}

/**
 * Transition out of the start node.
 *
 * @param node - The start node.
 */
export function routeStart(node: StartNode): Transition {
  return goto(node.next);
}

/**
 * Transition out of a policy node for its outcome; `error` uses `routes.error` and falls back to
 * `routes.fail`.
 *
 * @param node - The policy node.
 * @param outcome - Outcome of the check (after retries).
 */
export function routePolicy(node: PolicyNode, outcome: PolicyOutcome): Transition {
  switch (outcome) {
    case "pass":
      return goto(node.routes.pass);
    case "fail":
      return goto(node.routes.fail);
    case "error":
      return goto(node.routes.error ?? node.routes.fail);
    default:
      return assertNever(outcome);
  }
}

/**
 * Transition out of a conditional node: the first condition that holds wins, `default` otherwise.
 *
 * @param node - The conditional node.
 * @param ctx - Data the conditions read.
 * @returns The transition and the index of the matching condition (`null` when `default` was taken).
 */
export function routeConditional(
  node: ConditionalNode,
  ctx: RoutingContext,
): { transition: Transition; matchedIndex: number | null } {
  const matchedIndex = node.conditions.findIndex((condition) => evaluateCondition(condition, ctx));
  if (matchedIndex === -1) return { transition: goto(node.default), matchedIndex: null };
  return { transition: goto(node.conditions[matchedIndex]!.next), matchedIndex };
}

/**
 * Reads a condition field: `<nodeId>.output.<key…>` from `ctx.outputs[nodeId]`, `session.<key…>` from
 * `ctx.session`, `payload.<key…>` from `ctx.payload`. Further dots descend into nested objects (and arrays
 * by index). Only own properties are read.
 *
 * @param path - Field path as written in the condition.
 * @param ctx - Data to read from.
 * @returns The value, or `undefined` when the path is malformed or absent.
 */
export function resolveField(path: string, ctx: RoutingContext): unknown {
  const parts = path.split(".");
  const [head, ...rest] = parts;
  if (head === "session" || head === "payload") {
    return rest.length === 0 ? undefined : descend(ctx[head], rest);
  }
  if (head === undefined || rest[0] !== "output" || rest.length < 2) return undefined;
  return descend(ownValue(ctx.outputs, head), rest.slice(1));
}

function descend(root: unknown, keys: string[]): unknown {
  let value = root;
  for (const key of keys) {
    value = ownValue(value, key);
    if (value === undefined) return undefined;
  }
  return value;
}

function ownValue(container: unknown, key: string): unknown {
  if (typeof container !== "object" || container === null) return undefined;
  return Object.hasOwn(container, key) ? (container as Record<string, unknown>)[key] : undefined;
}

/**
 * Whether a condition holds.
 *
 * - `>= <= > <`: only when both sides are numbers; otherwise false.
 * - `==` / `!=`: strict equality for primitives, deep equality for arrays and objects (`!=` is the negation,
 *   so a missing field is `!=` any value).
 * - `in` / `not_in`: (non-)membership in the array value (deep equality); false when the value is not an
 *   array.
 * - `contains`: a string field includes a string value, or an array field includes the value.
 * - `exists`: the field is neither `undefined` nor `null`; with value `false`, the negation.
 *
 * @param cond - The condition.
 * @param ctx - Data the field is read from.
 */
export function evaluateCondition(cond: Condition, ctx: RoutingContext): boolean {
  const actual = resolveField(cond.field, ctx);
  const expected = cond.value;
  switch (cond.operator) {
    case ">=":
      return typeof actual === "number" && typeof expected === "number" && actual >= expected;
    case "<=":
      return typeof actual === "number" && typeof expected === "number" && actual <= expected;
    case ">":
      return typeof actual === "number" && typeof expected === "number" && actual > expected;
    case "<":
      return typeof actual === "number" && typeof expected === "number" && actual < expected;
    case "==":
      return deepEqual(actual, expected);
    case "!=":
      return !deepEqual(actual, expected);
    case "in":
      return Array.isArray(expected) && expected.some((item) => deepEqual(actual, item));
    case "not_in":
      return Array.isArray(expected) && !expected.some((item) => deepEqual(actual, item));
    case "contains":
      if (typeof actual === "string") return typeof expected === "string" && actual.includes(expected);
      return Array.isArray(actual) && actual.some((item) => deepEqual(item, expected));
    case "exists": {
      const present = actual !== undefined && actual !== null;
      return expected === false ? !present : present;
    }
    default:
      return assertNever(cond.operator);
  }
}

/**
 * Structural equality of JSON-like values: primitives with `===`, arrays element-wise, plain objects by
 * own enumerable keys (order-insensitive).
 *
 * @param a - First value.
 * @param b - Second value.
 */
export function deepEqual(a: unknown, b: unknown): boolean {
  if (a === b) return true;
  if (typeof a !== "object" || typeof b !== "object" || a === null || b === null) return false;
  if (Array.isArray(a) || Array.isArray(b)) {
    if (!Array.isArray(a) || !Array.isArray(b) || a.length !== b.length) return false;
    return a.every((item, index) => deepEqual(item, b[index]));
  }
  const aKeys = Object.keys(a);
  const bKeys = Object.keys(b);
  if (aKeys.length !== bKeys.length) return false;
  const bRecord = b as Record<string, unknown>;
  const aRecord = a as Record<string, unknown>;
  return aKeys.every((key) => Object.hasOwn(bRecord, key) && deepEqual(aRecord[key], bRecord[key]));
}

/**
 * Transition out of a wait node for an external decision: `continue` goes to `on_continue`; `fail`
 * applies `on_fail` (`review` finishes `needs_review`, `reject` finishes `rejected`, `jump` goes to its
 * target); `reject` finishes `rejected` at once.
 *
 * @param node - The wait node the run is paused at.
 * @param decision - The submitted decision.
 */
export function routeWaitDecision(node: WaitNode, decision: ExternalDecision): Transition {
  switch (decision) {
    case "continue":
      return goto(node.on_continue);
    case "fail": {
      const action = node.on_fail;
      switch (action.action) {
        case "review":
          return finish("needs_review");
        case "reject":
          return finish("rejected");
        case "jump":
          return goto(action.to);
        default:
          return assertNever(action);
      }
    }
    case "reject":
      return finish("rejected");
    default:
      return assertNever(decision);
  }
}

/**
 * Transition out of a wait node whose timeout passed: `on_timeout`, or finish `needs_review` when the node
 * has none.
 *
 * @param node - The wait node the run is paused at.
 */
export function routeWaitTimeout(node: WaitNode): Transition {
  return node.on_timeout === undefined ? finish("needs_review") : goto(node.on_timeout);
}

/**
 * Transition of a terminal node: finish with its outcome.
 *
 * @param node - The terminal node.
 */
export function terminalTransition(node: TerminalNode): Transition {
  return finish(node.outcome);
}

/**
 * Whether `value` is a known {@link ExternalDecision}.
 *
 * @param value - Value to check.
 */
export function isExternalDecision(value: unknown): value is ExternalDecision {
  return typeof value === "string" && (externalDecisions as readonly string[]).includes(value);
}

function goto(nodeId: string): Transition {
  return { kind: "goto", nodeId };
}

function finish(outcome: string): Transition {
  return { kind: "finish", outcome };
}
