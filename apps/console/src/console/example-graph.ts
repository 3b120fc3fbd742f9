/** The example graph of DESIGN §3, offered when creating a workflow. */
export const exampleGraph = {
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
  ],
};

/** Sandbox data that sends the example to the gate (AML score 85). */
export const exampleSandbox = { aml: { outcome: "pass", output: { score: 85 } } };
