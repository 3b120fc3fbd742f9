/** The example graph of DESIGN §3: document → aml → risk (score ≥ 80 → gate) → approved / review / rejected. */
export const designExampleGraph = {
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

/** Sandbox data that sends the example graph to the gate (high AML risk score). */
export const highRiskSandbox = { aml: { outcome: "pass", output: { score: 85 } } };

export const RUN_FIELDS = /* GraphQL */ `
  id sessionId workflowId workflowVersion status finalStatus currentNode pausedAtNode
  nodeResults graphSnapshot errorMessage decisionMetadata startedAt completedAt durationMs lastSeq
  nodeRuns { workflowNodeId status result routedTo attempts outputData }
`;

export const CREATE_WORKFLOW = /* GraphQL */ `
  mutation ($name: String!, $graph: JSON!, $isDefault: Boolean) {
    createWorkflow(name: $name, graph: $graph, isDefault: $isDefault) {
      __typename
      ... on Workflow { id name currentVersion isDefault status }
      ... on ValidationError { message issues { path message nodeId } }
    }
  }
`;

export const CREATE_SESSION = /* GraphQL */ `
  mutation ($workflowId: ID, $sandbox: JSONObject) {
    createSession(workflowId: $workflowId, sandbox: $sandbox) {
      __typename
      ... on Session { id status }
      ... on Error { message }
    }
  }
`;

export const SUBMIT_SESSION = /* GraphQL */ `
  mutation ($sessionId: ID!) {
    submitSession(sessionId: $sessionId) {
      __typename
      ... on SubmitSessionPayload { session { id status } run { id status workflowVersion } }
      ... on Error { message code }
    }
  }
`;

export const DECIDE = /* GraphQL */ `
  mutation ($sessionId: ID!, $decision: ExternalDecision!, $metadata: JSONObject) {
    submitExternalDecision(sessionId: $sessionId, decision: $decision, metadata: $metadata) {
      __typename
      ... on ExternalDecisionPayload { sessionId decision status message }
      ... on ConflictError { message currentStatus }
      ... on NotFoundError { message resource id }
    }
  }
`;

export const TRIGGER = /* GraphQL */ `
  mutation ($workflowId: ID!, $sessionId: ID!) {
    triggerWorkflow(workflowId: $workflowId, sessionId: $sessionId) {
      __typename
      ... on TriggerWorkflowPayload { sessionId workflowId status run { id status } }
      ... on ConflictError { message currentStatus }
      ... on NotFoundError { message resource id }
    }
  }
`;

export const SESSION = /* GraphQL */ `
  query ($id: ID!) { session(id: $id) { id status result workflowRun { ${RUN_FIELDS} } } }
`;

export const RUN = /* GraphQL */ `query ($id: ID!) { run(id: $id) { ${RUN_FIELDS} } }`;

export const RUN_PROGRESS = /* GraphQL */ `
  subscription ($runId: ID!, $afterSeq: Int) { runProgress(runId: $runId, afterSeq: $afterSeq) { runId seq type data } }
`;
