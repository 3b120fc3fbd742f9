import { testBackends } from "@flowgate/db/testing";
import { sql } from "kysely";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { CREATE_WORKFLOW, DECIDE, designExampleGraph } from "./fixtures.ts";
import { eventually, type Harness, startHarness } from "./harness.ts";

/**
 * A graph that reads session metadata, policy outputs by node, retries a check, and has a gate whose
 * `fail` jumps: enough routing to tell a dry run from a real one if they ever disagreed.
 */
const comparisonGraph = {
  entry: "start",
  nodes: [
    { id: "start", type: "start", next: "document" },
    {
      id: "document",
      type: "policy",
      policy: "document",
      retries: 1,
      config: { accepted: ["passport", "id_card"] },
      routes: { pass: "adult", fail: "rejected", error: "review" },
    },
    {
      id: "adult",
      type: "conditional",
      conditions: [{ field: "session.age", operator: "<", value: 18, next: "rejected" }],
      default: "aml",
    },
    { id: "aml", type: "policy", policy: "aml_screening", routes: { pass: "risk", fail: "review" } },
    {
      id: "risk",
      type: "conditional",
      conditions: [
        { field: "aml.output.score", operator: ">=", value: 80, next: "gate" },
        { field: "aml.output.pep", operator: "==", value: true, next: "gate" },
      ],
      default: "approved",
    },
    { id: "gate", type: "wait", on_continue: "approved", on_fail: { action: "jump", to: "rejected" } },
    { id: "approved", type: "terminal", outcome: "approved" },
    { id: "review", type: "terminal", outcome: "needs_review" },
    { id: "rejected", type: "terminal", outcome: "rejected" },
  ],
};

const DRY_RUN_FIELDS = /* GraphQL */ `
  status finalStatus sessionResult path pausedAtNode errorMessage totalCostCents
  nodeResults { step nodeId nodeType policy status result routedTo input output error attempts costCents }
`;

const ERROR_FIELDS = /* GraphQL */ `
  ... on NotFoundError { message resource }
  ... on ConflictError { message currentStatus }
  ... on ValidationError { message issues { path message nodeId } }
`;

const DRY_RUN = /* GraphQL */ `
  mutation ($workflowId: ID!, $version: Int, $input: DryRunInput) {
    dryRunWorkflow(workflowId: $workflowId, version: $version, input: $input) {
      __typename ... on DryRunResult { ${DRY_RUN_FIELDS} } ${ERROR_FIELDS}
    }
  }
`;

const DRY_RUN_DRAFT = /* GraphQL */ `
  mutation ($draftId: ID!, $input: DryRunInput) {
    dryRunWorkflowDraft(draftId: $draftId, input: $input) {
      __typename ... on DryRunResult { ${DRY_RUN_FIELDS} } ${ERROR_FIELDS}
    }
  }
`;

const CREATE_SESSION = /* GraphQL */ `
  mutation ($workflowId: ID, $sandbox: JSONObject, $metadata: JSONObject) {
    createSession(workflowId: $workflowId, sandbox: $sandbox, metadata: $metadata) {
      __typename ... on Session { id } ${ERROR_FIELDS}
    }
  }
`;

const SUBMIT = /* GraphQL */ `
  mutation ($sessionId: ID!) {
    submitSession(sessionId: $sessionId) { __typename ... on SubmitSessionPayload { run { id } } ${ERROR_FIELDS} }
  }
`;

const SESSION_RUN = /* GraphQL */ `
  query ($id: ID!) {
    session(id: $id) {
      status result
      workflowRun {
        status finalStatus pausedAtNode totalCostCents
        nodeRuns { workflowNodeId nodeType status result routedTo outputData attempts }
      }
    }
  }
`;

interface Scenario {
  name: string;
  metadata: Record<string, unknown>;
  outcomes: Record<string, unknown>;
  decision?: { decision: "continue" | "fail" | "reject"; metadata?: Record<string, unknown> };
  expect: { status: string; finalStatus: string | null; path: string[] };
}

const scenarios: Scenario[] = [
  {
    name: "clean applicant, defaults everywhere",
    metadata: { age: 30 },
    outcomes: {},
    expect: {
      status: "completed",
      finalStatus: "approved",
      path: ["start", "document", "adult", "aml", "risk", "approved"],
    },
  },
  {
    name: "minor, rejected by a condition on session metadata",
    metadata: { age: 16 },
    outcomes: {},
    expect: {
      status: "completed",
      finalStatus: "rejected",
      path: ["start", "document", "adult", "rejected"],
    },
  },
  {
    name: "failed document",
    metadata: { age: 40 },
    outcomes: { document: { outcome: "fail", output: { expired: true } } },
    expect: { status: "completed", finalStatus: "rejected", path: ["start", "document", "rejected"] },
  },
  {
    name: "document errors on every attempt, retried once, then takes its error route",
    metadata: { age: 40 },
    outcomes: { document: { outcome: "error" } },
    expect: { status: "completed", finalStatus: "needs_review", path: ["start", "document", "review"] },
  },
  {
    name: "high AML score paused at the gate without a decision",
    metadata: { age: 25 },
    outcomes: { aml: { outcome: "pass", output: { score: 91 } } },
    expect: {
      status: "paused",
      finalStatus: null,
      path: ["start", "document", "adult", "aml", "risk", "gate"],
    },
  },
  {
    name: "PEP by policy name, gate continues with metadata",
    metadata: { age: 25 },
    outcomes: { aml_screening: { outcome: "pass", output: { pep: true } } },
    decision: { decision: "continue", metadata: { reviewer: "ops-7" } },
    expect: {
      status: "completed",
      finalStatus: "approved",
      path: ["start", "document", "adult", "aml", "risk", "gate", "approved"],
    },
  },
  {
    name: "gate fails and jumps to rejected",
    metadata: { age: 25 },
    outcomes: { aml: { output: { score: 99 } } },
    decision: { decision: "fail" },
    expect: {
      status: "completed",
      finalStatus: "rejected",
      path: ["start", "document", "adult", "aml", "risk", "gate", "rejected"],
    },
  },
];

describe.each(testBackends())("dry runs (%s)", (backend) => {
  let h: Harness;
  let key: string;
  let workflowId: string;

  beforeAll(async () => {
    h = await startHarness(backend);
    key = h.acme.keys.sandbox;
    const created = await h.gql(key, CREATE_WORKFLOW, { name: "Compare", graph: comparisonGraph });
    expect(created.data.createWorkflow.__typename).toBe("Workflow");
    workflowId = created.data.createWorkflow.id;
  });
  afterAll(() => h.close());

  /** Rows in every table a run, a session or a workflow change writes. */
  async function rowCounts() {
    const counts: Record<string, number> = {};
    for (const table of [
      "runs",
      "node_runs",
      "run_events",
      "sessions",
      "jobs",
      "workflows",
      "workflow_versions",
      "workflow_drafts",
    ]) {
      const { rows } = await sql<{ n: number }>`select count(*)::int as n from ${sql.table(table)}`.execute(
        h.database.db,
      );
      counts[table] = rows[0]!.n;
    }
    return counts;
  }

  it.each(scenarios)("a dry run and a real run agree: $name", async (scenario) => {
    const decisions = scenario.decision
      ? [{ nodeId: "gate", decision: scenario.decision.decision, metadata: scenario.decision.metadata }]
      : [];
    const before = await rowCounts();
    const dry = await h.gql(key, DRY_RUN, {
      workflowId,
      input: { outcomes: scenario.outcomes, metadata: scenario.metadata, decisions },
    });
    const result = dry.data.dryRunWorkflow;
    expect(result).toMatchObject({ __typename: "DryRunResult", ...scenario.expect });
    // Nothing was written.
    expect(await rowCounts()).toEqual(before);

    // The same inputs through a real sandbox session and the worker.
    const session = await h.gql(key, CREATE_SESSION, {
      workflowId,
      sandbox: scenario.outcomes,
      metadata: scenario.metadata,
    });
    const sessionId = session.data.createSession.id;
    expect((await h.gql(key, SUBMIT, { sessionId })).data.submitSession.__typename).toBe(
      "SubmitSessionPayload",
    );
    const settled = (status: string) => status === "completed" || status === "awaiting_external";
    let real = await eventually(async () => {
      const read = (await h.gql(key, SESSION_RUN, { id: sessionId })).data.session;
      return settled(read.status) ? read : null;
    });
    if (scenario.decision) {
      expect(real.status).toBe("awaiting_external");
      const decided = await h.gql(key, DECIDE, {
        sessionId,
        decision: scenario.decision.decision,
        metadata: scenario.decision.metadata,
      });
      expect(decided.data.submitExternalDecision.__typename).toBe("ExternalDecisionPayload");
      real = await eventually(async () => {
        const read = (await h.gql(key, SESSION_RUN, { id: sessionId })).data.session;
        return read.status === "completed" ? read : null;
      });
    }

    const run = real.workflowRun;
    expect(run.status).toBe(result.status);
    expect(run.finalStatus).toBe(result.finalStatus);
    expect(run.pausedAtNode).toBe(result.pausedAtNode);
    expect(run.totalCostCents).toBe(result.totalCostCents);
    if (result.status === "completed") expect(real.result).toBe(result.sessionResult);
    const shape = (n: any) => ({
      nodeId: n.workflowNodeId ?? n.nodeId,
      nodeType: n.nodeType,
      status: n.status,
      result: n.result,
      routedTo: n.routedTo,
      output: n.outputData === undefined ? n.output : n.outputData,
      attempts: n.attempts,
    });
    expect(run.nodeRuns.map((n: any) => n.workflowNodeId)).toEqual(result.path);
    expect(run.nodeRuns.map(shape)).toEqual(result.nodeResults.map(shape));
  });

  it("reports node results, steps and attempts, and reads the trigger payload", async () => {
    const payloadGraph = {
      entry: "start",
      nodes: [
        { id: "start", type: "start", next: "channel" },
        {
          id: "channel",
          type: "conditional",
          conditions: [
            { field: "payload.channel", operator: "in", value: ["partner", "branch"], next: "age" },
          ],
          default: "approved",
        },
        { id: "age", type: "policy", policy: "age", routes: { pass: "approved", fail: "rejected" } },
        { id: "approved", type: "terminal", outcome: "approved" },
        { id: "rejected", type: "terminal", outcome: "rejected" },
      ],
    };
    const id = (await h.gql(key, CREATE_WORKFLOW, { name: "Payload", graph: payloadGraph })).data
      .createWorkflow.id;
    const partner = (
      await h.gql(key, DRY_RUN, { workflowId: id, input: { payload: { channel: "partner" } } })
    ).data.dryRunWorkflow;
    expect(partner.path).toEqual(["start", "channel", "age", "approved"]);
    expect(partner.nodeResults).toEqual([
      expect.objectContaining({
        step: 1,
        nodeId: "start",
        result: "started",
        routedTo: "channel",
        attempts: 1,
      }),
      expect.objectContaining({
        step: 2,
        nodeId: "channel",
        result: "condition_0",
        output: { matchedCondition: 0 },
      }),
      expect.objectContaining({
        step: 3,
        nodeId: "age",
        nodeType: "policy",
        policy: "age",
        result: "pass",
        output: { age: 30, over_18: true, over_21: true },
        error: null,
        costCents: 0,
      }),
      expect.objectContaining({ step: 4, nodeId: "approved", result: "approved", routedTo: null }),
    ]);
    const web = (await h.gql(key, DRY_RUN, { workflowId: id, input: { payload: { channel: "web" } } })).data
      .dryRunWorkflow;
    expect(web.path).toEqual(["start", "channel", "approved"]);
    const failedAge = (
      await h.gql(key, DRY_RUN, {
        workflowId: id,
        input: {
          payload: { channel: "branch" },
          outcomes: { age: { outcome: "fail", output: { over_18: false } } },
        },
      })
    ).data.dryRunWorkflow;
    expect(failedAge).toMatchObject({ finalStatus: "rejected", sessionResult: "rejected" });
    expect(failedAge.nodeResults[2]).toMatchObject({
      result: "fail",
      error: "sandbox simulated fail",
      output: { over_18: false, age: 30 },
    });
    // Errors on the first attempt only: the retry passes, as the worker's retry would.
    const retried = (
      await h.gql(key, DRY_RUN, {
        workflowId,
        input: { metadata: { age: 30 }, outcomes: { document: { outcome: "pass", error_attempts: 1 } } },
      })
    ).data.dryRunWorkflow;
    expect(retried.nodeResults[1]).toMatchObject({ nodeId: "document", result: "pass", attempts: 2 });
  });

  it("adds up the would-be cost of task nodes and never calls an http task's URL", async () => {
    const taskGraph = {
      entry: "start",
      nodes: [
        { id: "start", type: "start", next: "enrich" },
        {
          id: "enrich",
          type: "task",
          handler: { type: "echo" },
          input: { email: "payload.email" },
          cost_cents: 25,
          routes: { success: "score" },
        },
        {
          id: "score",
          type: "task",
          // Nothing listens here: a real call would fail; a dry run returns `simulate` instead.
          handler: { type: "http", url: "http://127.0.0.1:9/score", timeout_ms: 1000 },
          cost_cents: 10,
          simulate: { outcome: "success", output: { score: 42 } },
          routes: { success: "decide", error: "review" },
        },
        {
          id: "decide",
          type: "conditional",
          conditions: [{ field: "score.output.score", operator: ">", value: 40, next: "review" }],
          default: "approved",
        },
        { id: "approved", type: "terminal", outcome: "approved" },
        { id: "review", type: "terminal", outcome: "needs_review" },
      ],
    };
    const created = await h.gql(key, CREATE_WORKFLOW, { name: "Tasks", graph: taskGraph });
    expect(created.data.createWorkflow.__typename).toBe("Workflow");
    const before = await rowCounts();
    const result = (
      await h.gql(key, DRY_RUN, {
        workflowId: created.data.createWorkflow.id,
        input: { payload: { email: "a@example.com" } },
      })
    ).data.dryRunWorkflow;
    expect(result).toMatchObject({
      status: "completed",
      finalStatus: "needs_review",
      path: ["start", "enrich", "score", "decide", "review"],
      totalCostCents: 35,
    });
    expect(result.nodeResults[1]).toMatchObject({
      nodeId: "enrich",
      result: "success",
      input: { email: "a@example.com" },
      output: { email: "a@example.com" },
      costCents: 25,
    });
    expect(result.nodeResults[2]).toMatchObject({ nodeId: "score", output: { score: 42 }, costCents: 10 });
    expect(await rowCounts()).toEqual(before);
  });

  it("the gate's timeout follows on_timeout; live keys also dry-run with simulated checks", async () => {
    const created = await h.gql(key, CREATE_WORKFLOW, { name: "Design", graph: designExampleGraph });
    const id = created.data.createWorkflow.id;
    const highRisk = { aml: { outcome: "pass", output: { score: 85 } } };
    const timedOut = (
      await h.gql(key, DRY_RUN, {
        workflowId: id,
        input: { outcomes: highRisk, decisions: [{ nodeId: "gate", decision: "timeout" }] },
      })
    ).data.dryRunWorkflow;
    expect(timedOut).toMatchObject({ status: "completed", finalStatus: "needs_review" });
    expect(timedOut.path.slice(-2)).toEqual(["gate", "review"]);
    expect(timedOut.nodeResults.at(-2)).toMatchObject({
      nodeId: "gate",
      result: "timeout",
      routedTo: "review",
    });
    const rejected = (
      await h.gql(key, DRY_RUN, {
        workflowId: id,
        input: { outcomes: highRisk, decisions: [{ nodeId: "gate", decision: "reject" }] },
      })
    ).data.dryRunWorkflow;
    expect(rejected).toMatchObject({
      status: "completed",
      finalStatus: "rejected",
      sessionResult: "rejected",
    });
    expect(rejected.path.at(-1)).toBe("gate");

    // A live key: the live provider is never called (it would error); the sandbox simulation answers.
    const liveKey = h.acme.keys.live;
    const liveId = (await h.gql(liveKey, CREATE_WORKFLOW, { name: "Live", graph: designExampleGraph })).data
      .createWorkflow.id;
    const live = (await h.gql(liveKey, DRY_RUN, { workflowId: liveId })).data.dryRunWorkflow;
    expect(live).toMatchObject({ status: "completed", finalStatus: "approved" });
    expect(live.nodeResults.find((n: any) => n.nodeId === "aml").output.score).toBe(10);
  });

  it("dry-runs a chosen version and a draft; refuses an invalid draft and bad input", async () => {
    const id = (await h.gql(key, CREATE_WORKFLOW, { name: "Versions", graph: designExampleGraph })).data
      .createWorkflow.id;
    const draft = (
      await h.gql(
        key,
        "mutation ($id: ID!) { createWorkflowDraft(workflowId: $id) { ... on WorkflowDraft { id } } }",
        {
          id,
        },
      )
    ).data.createWorkflowDraft.id;
    const edited = structuredClone(designExampleGraph) as any;
    edited.nodes[3].conditions[0].value = 5; // almost everyone goes to the gate
    await h.gql(
      key,
      "mutation ($id: ID!, $g: JSON!) { updateWorkflowDraft(draftId: $id, graph: $g) { __typename } }",
      {
        id: draft,
        g: edited,
      },
    );
    const before = await rowCounts();
    const onDraft = (await h.gql(key, DRY_RUN_DRAFT, { draftId: draft })).data.dryRunWorkflowDraft;
    expect(onDraft).toMatchObject({ __typename: "DryRunResult", status: "paused", pausedAtNode: "gate" });
    const onCurrent = (await h.gql(key, DRY_RUN, { workflowId: id })).data.dryRunWorkflow;
    expect(onCurrent).toMatchObject({ status: "completed", finalStatus: "approved" });
    await h.gql(key, "mutation ($id: ID!) { publishWorkflowDraft(draftId: $id) { __typename } }", {
      id: draft,
    });
    const v1 = (await h.gql(key, DRY_RUN, { workflowId: id, version: 1 })).data.dryRunWorkflow;
    const v2 = (await h.gql(key, DRY_RUN, { workflowId: id, version: 2 })).data.dryRunWorkflow;
    expect([v1.status, v2.status]).toEqual(["completed", "paused"]);
    const counts = await rowCounts();
    // Publishing wrote a version and closed the draft; the dry runs wrote nothing.
    expect(counts).toEqual({ ...before, workflow_versions: before.workflow_versions! + 1 });

    const noVersion = await h.gql(key, DRY_RUN, { workflowId: id, version: 5 });
    expect(noVersion.data.dryRunWorkflow).toMatchObject({
      __typename: "ValidationError",
      issues: [{ path: ["version"] }],
    });
    const badGate = await h.gql(key, DRY_RUN, {
      workflowId: id,
      input: {
        decisions: [
          { nodeId: "aml", decision: "continue" },
          { nodeId: "nope", decision: "fail" },
        ],
      },
    });
    expect(badGate.data.dryRunWorkflow).toMatchObject({
      __typename: "ValidationError",
      issues: [
        {
          path: ["input", "decisions", "0", "nodeId"],
          nodeId: "aml",
          message: 'node "aml" is a policy node, not a gate (wait node)',
        },
        { path: ["input", "decisions", "1", "nodeId"], message: 'the graph has no node "nope"' },
      ],
    });
    const badOutcome = await h.gql(key, DRY_RUN, {
      workflowId: id,
      input: { outcomes: { aml: { outcome: "maybe" }, document: "pass" } },
    });
    expect(badOutcome.data.dryRunWorkflow).toMatchObject({
      __typename: "ValidationError",
      issues: [
        {
          path: ["input", "outcomes", "aml", "outcome"],
          message: "outcome must be one of pass, fail, error",
        },
        { path: ["input", "outcomes", "document"] },
      ],
    });

    const invalidDraft = (
      await h.gql(
        key,
        "mutation ($id: ID!) { createWorkflowDraft(workflowId: $id) { ... on WorkflowDraft { id } } }",
        {
          id,
        },
      )
    ).data.createWorkflowDraft.id;
    const broken = structuredClone(designExampleGraph) as any;
    broken.nodes[1].policy = "dokument";
    await h.gql(
      key,
      "mutation ($id: ID!, $g: JSON!) { updateWorkflowDraft(draftId: $id, graph: $g) { __typename } }",
      {
        id: invalidDraft,
        g: broken,
      },
    );
    const refused = await h.gql(key, DRY_RUN_DRAFT, { draftId: invalidDraft });
    expect(refused.data.dryRunWorkflowDraft).toMatchObject({
      __typename: "ValidationError",
      issues: [{ path: ["graph", "nodes", "1", "policy"], nodeId: "document" }],
    });

    for (const foreign of [h.other.keys.sandbox, h.acme.keys.live]) {
      expect((await h.gql(foreign, DRY_RUN, { workflowId: id })).data.dryRunWorkflow.__typename).toBe(
        "NotFoundError",
      );
      expect(
        (await h.gql(foreign, DRY_RUN_DRAFT, { draftId: draft })).data.dryRunWorkflowDraft.__typename,
      ).toBe("NotFoundError");
    }
  });
});
