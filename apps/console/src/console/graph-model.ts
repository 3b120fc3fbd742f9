/** A node of a workflow graph as users write it (DESIGN §3); only what drawing needs is typed. */
export interface GraphNodeSpec {
  id: string;
  type: string;
  [field: string]: unknown;
}

/** A workflow graph: entry node id and nodes. */
export interface GraphSpec {
  entry: string;
  nodes: GraphNodeSpec[];
}

/** An arrow between two nodes, labelled with the route that takes it. */
export interface GraphEdgeSpec {
  id: string;
  from: string;
  to: string;
  label: string;
}

/** The graph in `value` when it has the shape of one (even an invalid draft), else null. */
export function asGraph(value: unknown): GraphSpec | null {
  if (typeof value !== "object" || value === null) return null;
  const { entry, nodes } = value as { entry?: unknown; nodes?: unknown };
  if (!Array.isArray(nodes)) return null;
  const valid = nodes.filter(
    (node): node is GraphNodeSpec =>
      typeof node === "object" && node !== null && typeof (node as GraphNodeSpec).id === "string",
  );
  return { entry: typeof entry === "string" ? entry : "", nodes: valid };
}

/**
 * Every reference from one node to another: `next`, `routes.*`, `conditions[].next`, `default`,
 * `on_continue`, `on_timeout`, `on_fail.to` (a jump). References to missing nodes are kept out (the
 * draft editor reports them as issues on the node).
 */
export function graphEdges(graph: GraphSpec): GraphEdgeSpec[] {
  const ids = new Set(graph.nodes.map((node) => node.id));
  const edges: GraphEdgeSpec[] = [];
  const add = (from: string, to: unknown, label: string) => {
    if (typeof to !== "string" || !ids.has(to)) return;
    const id = `${from}->${to}`;
    const existing = edges.find((edge) => edge.id === id);
    if (existing) existing.label = `${existing.label}, ${label}`;
    else edges.push({ id, from, to, label });
  };
  for (const node of graph.nodes) {
    add(node.id, node.next, "next");
    if (typeof node.routes === "object" && node.routes !== null) {
      for (const [route, to] of Object.entries(node.routes as Record<string, unknown>))
        add(node.id, to, route);
    }
    if (Array.isArray(node.conditions)) {
      for (const [index, condition] of node.conditions.entries()) {
        const c = condition as { field?: unknown; operator?: unknown; value?: unknown; next?: unknown };
        add(
          node.id,
          c?.next,
          `${String(c?.field ?? `#${index + 1}`)} ${String(c?.operator ?? "")} ${JSON.stringify(c?.value ?? "")}`,
        );
      }
    }
    add(node.id, node.default, "default");
    add(node.id, node.on_continue, "continue");
    add(node.id, node.on_timeout, "timeout");
    const onFail = node.on_fail as { action?: unknown; to?: unknown } | undefined;
    if (onFail?.action === "jump") add(node.id, onFail.to, "fail → jump");
  }
  return edges;
}

/** A short description of what a node does, for its box. */
export function nodeSummary(node: GraphNodeSpec): string {
  switch (node.type) {
    case "policy":
      return `policy: ${String(node.policy ?? "?")}`;
    case "terminal":
      return `outcome: ${String(node.outcome ?? "?")}`;
    case "wait":
      return "external gate";
    case "task": {
      const handler = node.handler as { type?: unknown } | undefined;
      return `task: ${String(handler?.type ?? "?")}`;
    }
    case "questionnaire":
      return "questionnaire";
    case "conditional":
      return `${Array.isArray(node.conditions) ? node.conditions.length : 0} condition(s)`;
    default:
      return node.type;
  }
}
