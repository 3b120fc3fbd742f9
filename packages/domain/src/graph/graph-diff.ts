import { graphNodeSchema } from "./graph-schema.ts";
import { deepEqual } from "./routing.ts";

/** A node that only one side of a diff has. */
export interface DiffNode {
  /** The node's id. */
  nodeId: string;
  /** The node's type as written (`"policy"`, …); `null` when it has none. */
  type: string | null;
  /** The node (defaults applied when it is valid). */
  node: Record<string, unknown>;
}

/** A node both sides have, with the fields that differ. */
export interface NodeChange {
  /** The node's id. */
  nodeId: string;
  /** Its type before the change. */
  typeBefore: string | null;
  /** Its type after the change. */
  typeAfter: string | null;
  /**
   * Dotted paths of the fields that differ, sorted: `routes.pass`, `conditions.0.value`, `retries`. A
   * field present on one side only is listed by its own path; arrays are compared element by element.
   */
  fields: string[];
  /** The node before. */
  before: Record<string, unknown>;
  /** The node after. */
  after: Record<string, unknown>;
}

/** What changed between two workflow graphs. */
export interface GraphDiff {
  /** The entry before and after, or `null` when it did not change. */
  entry: { before: string | null; after: string | null } | null;
  /** Nodes only the new graph has, in its order. */
  added: DiffNode[];
  /** Nodes only the old graph has, in its order. */
  removed: DiffNode[];
  /** Nodes both have that differ, in the new graph's order. */
  changed: NodeChange[];
  /** Ids of nodes both have, unchanged, in the new graph's order. */
  unchanged: string[];
  /** Whether anything differs. */
  hasChanges: boolean;
}

interface NormalizedGraph {
  entry: string | null;
  nodes: Map<string, Record<string, unknown>>;
}

/**
 * Compares two workflow graphs node by node, matching nodes by id. Either side may be invalid (a draft
 * can be saved invalid): each node that parses is compared with its defaults applied, so writing a
 * default explicitly (`"retries": 0`) is not a change; a node that does not parse is compared as written.
 * Nodes without a string id are ignored (validation reports them), and the first node of a duplicated
 * id counts, as in routing.
 *
 * @param before - The old graph, e.g. the workflow's current version.
 * @param after - The new graph, e.g. a draft.
 */
export function diffGraphs(before: unknown, after: unknown): GraphDiff {
  const old = normalizeGraph(before);
  const next = normalizeGraph(after);
  const added: DiffNode[] = [];
  const changed: NodeChange[] = [];
  const unchanged: string[] = [];
  for (const [nodeId, node] of next.nodes) {
    const previous = old.nodes.get(nodeId);
    if (previous === undefined) {
      added.push({ nodeId, type: typeOf(node), node });
      continue;
    }
    const fields = differingPaths(previous, node, []);
    if (fields.length === 0) {
      unchanged.push(nodeId);
    } else {
      changed.push({
        nodeId,
        typeBefore: typeOf(previous),
        typeAfter: typeOf(node),
        fields: fields.sort(),
        before: previous,
        after: node,
      });
    }
  }
  const removed: DiffNode[] = [];
  for (const [nodeId, node] of old.nodes) {
    if (!next.nodes.has(nodeId)) removed.push({ nodeId, type: typeOf(node), node });
  }
  const entry = old.entry === next.entry ? null : { before: old.entry, after: next.entry };
  return {
    entry,
    added,
    removed,
    changed,
    unchanged,
    hasChanges: entry !== null || added.length > 0 || removed.length > 0 || changed.length > 0,
  };
}

function normalizeGraph(input: unknown): NormalizedGraph {
  const graph = isObject(input) ? input : {};
  const entry = typeof graph.entry === "string" ? graph.entry : null;
  const nodes = new Map<string, Record<string, unknown>>();
  for (const raw of Array.isArray(graph.nodes) ? graph.nodes : []) {
    if (!isObject(raw) || typeof raw.id !== "string" || nodes.has(raw.id)) continue;
    const parsed = graphNodeSchema.safeParse(raw);
    nodes.set(raw.id, parsed.success ? (parsed.data as Record<string, unknown>) : raw);
  }
  return { entry, nodes };
}

/** Paths under `path` where `a` and `b` differ; objects and arrays are descended into. */
function differingPaths(a: unknown, b: unknown, path: string[]): string[] {
  if (deepEqual(a, b)) return [];
  if (Array.isArray(a) && Array.isArray(b)) {
    const out: string[] = [];
    for (let i = 0; i < Math.max(a.length, b.length); i++) {
      out.push(...differingPaths(a[i], b[i], [...path, String(i)]));
    }
    return out;
  }
  if (isObject(a) && isObject(b)) {
    const keys = new Set([...Object.keys(a), ...Object.keys(b)]);
    const out: string[] = [];
    for (const key of keys) out.push(...differingPaths(a[key], b[key], [...path, key]));
    return out;
  }
  return [path.join(".")];
}

function typeOf(node: Record<string, unknown>): string | null {
  return typeof node.type === "string" ? node.type : null;
}

function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}
