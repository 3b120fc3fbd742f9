/** The example graph of DESIGN §3, as a user writes it. Returns a fresh copy each call. */
export function exampleGraph() {
  return {
    entry: "start",
    nodes: [
      { id: "start", type: "start", next: "document" },
      {
        id: "document",
        type: "policy",
        policy: "document",
        retries: 2,
        routes: { pass: "aml", fail: "rejected", error: "review" },
      },
      { id: "aml", type: "policy", policy: "aml_screening", routes: { pass: "risk", fail: "review" } },
      {
        id: "risk",
        type: "conditional",
        conditions: [{ field: "aml.output.score", operator: ">=", value: 80, next: "gate" }],
        default: "approved",
      },
      {
        id: "gate",
        type: "wait",
        on_continue: "approved",
        on_fail: { action: "review" },
        timeout_seconds: 259200,
        on_timeout: "review",
      },
      { id: "approved", type: "terminal", outcome: "approved" },
      { id: "review", type: "terminal", outcome: "needs_review" },
      { id: "rejected", type: "terminal", outcome: "rejected" },
    ] as Record<string, unknown>[],
  };
}

/** Index of each node in {@link exampleGraph}. */
export const exampleIndex = {
  start: 0,
  document: 1,
  aml: 2,
  risk: 3,
  gate: 4,
  approved: 5,
  review: 6,
  rejected: 7,
} as const;

/** The node `id` of a graph under construction, loosely typed so tests can break it on purpose. */
export function nodeOf(graph: { nodes: Record<string, unknown>[] }, id: string): any {
  const node = graph.nodes.find((candidate) => candidate.id === id);
  if (node === undefined) throw new Error(`no node ${id}`);
  return node;
}
