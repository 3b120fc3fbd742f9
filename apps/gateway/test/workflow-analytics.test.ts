import { testBackends } from "@flowgate/db/testing";
import { policyNames } from "@flowgate/domain";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { CREATE_SESSION, CREATE_WORKFLOW, designExampleGraph, SESSION } from "./fixtures.ts";
import { eventually, type Harness, startHarness } from "./harness.ts";

const ANALYTICS = /* GraphQL */ `
  query ($id: ID!, $from: DateTime!, $to: DateTime!, $version: Int) {
    workflow(id: $id) {
      analytics(from: $from, to: $to, version: $version) {
        __typename
        ... on WorkflowAnalytics {
          from to version runs
          byStatus { value count }
          byFinalStatus { value count }
          versions {
            version runs p50DurationMs p95DurationMs
            byStatus { value count }
            byFinalStatus { value count }
            nodes { nodeId nodeType executions completed passRate p50DurationMs p95DurationMs results { value count } }
          }
        }
        ... on ValidationError { message issues { path message } }
      }
    }
  }
`;

const SUBMIT = /* GraphQL */ `
  mutation ($sessionId: ID!) { submitSession(sessionId: $sessionId) { __typename } }
`;

const POLICIES = /* GraphQL */ `
  {
    verificationPolicies { name description outputs { key type description } configSchema defaultOutput }
    aml: verificationPolicy(name: "aml_screening") { name outputs { key type } }
    none: verificationPolicy(name: "aml") { name }
  }
`;

describe.each(testBackends())("workflow analytics and the policy catalog (%s)", (backend) => {
  let h: Harness;
  let key: string;
  let workflowId: string;
  const window = () => ({
    from: new Date(Date.now() - 3600_000).toISOString(),
    to: new Date(Date.now() + 3600_000).toISOString(),
  });

  async function run(sandbox: unknown, until: string) {
    const sessionId = (await h.gql(key, CREATE_SESSION, { workflowId, sandbox })).data.createSession.id;
    expect((await h.gql(key, SUBMIT, { sessionId })).data.submitSession.__typename).toBe(
      "SubmitSessionPayload",
    );
    await eventually(
      async () => (await h.gql(key, SESSION, { id: sessionId })).data.session.status === until,
    );
  }

  beforeAll(async () => {
    h = await startHarness(backend);
    key = h.acme.keys.sandbox;
    workflowId = (await h.gql(key, CREATE_WORKFLOW, { name: "Measured", graph: designExampleGraph })).data
      .createWorkflow.id;
    // Version 1: three approved, two rejected by the document check, one sent to review by AML, one at the gate.
    for (let i = 0; i < 3; i++) await run(null, "completed");
    for (let i = 0; i < 2; i++) await run({ document: { outcome: "fail" } }, "completed");
    await run({ aml: { outcome: "fail" } }, "completed");
    await run({ aml: { outcome: "pass", output: { score: 90 } } }, "awaiting_external");
    // Version 2: start → approved.
    const draftId = (
      await h.gql(
        key,
        "mutation ($id: ID!) { createWorkflowDraft(workflowId: $id) { ... on WorkflowDraft { id } } }",
        {
          id: workflowId,
        },
      )
    ).data.createWorkflowDraft.id;
    await h.gql(
      key,
      "mutation ($id: ID!, $g: JSON!) { updateWorkflowDraft(draftId: $id, graph: $g) { __typename } }",
      {
        id: draftId,
        g: {
          entry: "start",
          nodes: [
            { id: "start", type: "start", next: "done" },
            { id: "done", type: "terminal", outcome: "approved" },
          ],
        },
      },
    );
    await h.gql(key, "mutation ($id: ID!) { publishWorkflowDraft(draftId: $id) { __typename } }", {
      id: draftId,
    });
    for (let i = 0; i < 2; i++) await run(null, "completed");
  });
  afterAll(() => h.close());

  it("counts runs by status and final status, per version, with node pass rates and durations", async () => {
    const result = await h.gql(key, ANALYTICS, { id: workflowId, ...window() });
    expect(result.errors).toBeUndefined();
    const analytics = result.data.workflow.analytics;
    expect(analytics).toMatchObject({
      __typename: "WorkflowAnalytics",
      version: null,
      runs: 9,
      byStatus: [
        { value: "completed", count: 8 },
        { value: "paused", count: 1 },
      ],
      byFinalStatus: [
        { value: "approved", count: 5 },
        { value: "rejected", count: 2 },
        { value: "needs_review", count: 1 },
      ],
    });
    expect(analytics.versions.map((v: any) => [v.version, v.runs])).toEqual([
      [2, 2],
      [1, 7],
    ]);
    const [v2, v1] = analytics.versions;
    expect(v2.byFinalStatus).toEqual([{ value: "approved", count: 2 }]);
    expect(v2.nodes.map((n: any) => n.nodeId)).toEqual(["done", "start"]);
    expect(v1.byStatus).toEqual([
      { value: "completed", count: 6 },
      { value: "paused", count: 1 },
    ]);
    const node = (id: string) => v1.nodes.find((n: any) => n.nodeId === id);
    expect(node("document")).toMatchObject({
      nodeType: "policy",
      executions: 7,
      completed: 7,
      results: [
        { value: "pass", count: 5 },
        { value: "fail", count: 2 },
      ],
    });
    expect(node("document").passRate).toBeCloseTo(5 / 7, 6);
    expect(node("aml")).toMatchObject({ executions: 5, passRate: 0.8 });
    expect(node("risk")).toMatchObject({
      nodeType: "conditional",
      passRate: null,
      results: [
        { value: "default", count: 3 },
        { value: "condition_0", count: 1 },
      ],
    });
    // The gate waits: executed once, not completed, so it has no duration yet.
    expect(node("gate")).toMatchObject({
      executions: 1,
      completed: 0,
      p50DurationMs: null,
      p95DurationMs: null,
    });
    for (const n of v1.nodes.filter((n: any) => n.completed > 0)) {
      expect(n.p50DurationMs).toBeGreaterThanOrEqual(0);
      expect(n.p95DurationMs).toBeGreaterThanOrEqual(n.p50DurationMs);
    }
    expect(v1.p50DurationMs).toBeGreaterThanOrEqual(0);
    expect(v1.p95DurationMs).toBeGreaterThanOrEqual(v1.p50DurationMs);
  });

  it("filters by version and window, and validates its arguments", async () => {
    const only2 = (await h.gql(key, ANALYTICS, { id: workflowId, ...window(), version: 2 })).data.workflow
      .analytics;
    expect(only2).toMatchObject({ version: 2, runs: 2, byStatus: [{ value: "completed", count: 2 }] });
    expect(only2.versions.map((v: any) => v.version)).toEqual([2]);

    const past = {
      from: new Date(Date.now() - 10 * 86400_000).toISOString(),
      to: new Date(Date.now() - 9 * 86400_000).toISOString(),
    };
    const empty = (await h.gql(key, ANALYTICS, { id: workflowId, ...past })).data.workflow.analytics;
    expect(empty).toMatchObject({ runs: 0, byStatus: [], byFinalStatus: [], versions: [] });

    const now = new Date().toISOString();
    for (const [vars, path, message] of [
      [{ from: now, to: now }, ["to"], "must be after from"],
      [
        { from: new Date(Date.now() - 400 * 86400_000).toISOString(), to: now },
        ["to"],
        "the window from → to can span at most 366 days",
      ],
      [{ ...window(), version: 9 }, ["version"], `workflow ${workflowId} has no version 9`],
    ] as const) {
      const refused = (await h.gql(key, ANALYTICS, { id: workflowId, ...vars })).data.workflow.analytics;
      expect(refused).toMatchObject({ __typename: "ValidationError", issues: [{ path, message }] });
    }
    const foreign = await h.gql(h.other.keys.sandbox, ANALYTICS, { id: workflowId, ...window() });
    expect(foreign.data.workflow).toBeNull();
  });

  it("lists every verification policy with outputs and a JSON Schema of its config", async () => {
    const { data, errors } = await h.gql(key, POLICIES);
    expect(errors).toBeUndefined();
    expect(data.verificationPolicies.map((p: any) => p.name)).toEqual(policyNames);
    for (const policy of data.verificationPolicies) {
      expect(policy.description.length).toBeGreaterThan(10);
      expect(policy.outputs.length).toBeGreaterThan(0);
      expect(Object.keys(policy.defaultOutput).sort()).toEqual(policy.outputs.map((o: any) => o.key).sort());
      expect(policy.configSchema).toMatchObject({
        $schema: "https://json-schema.org/draft/2020-12/schema",
        type: "object",
        additionalProperties: false,
      });
    }
    const document = data.verificationPolicies.find((p: any) => p.name === "document");
    expect(document.configSchema.properties.accepted).toMatchObject({
      type: "array",
      items: { enum: ["passport", "id_card", "driving_license"] },
    });
    expect(document.configSchema.properties.min_confidence).toMatchObject({
      type: "number",
      minimum: 0,
      maximum: 100,
    });
    expect(data.aml.outputs).toContainEqual({ key: "score", type: "number" });
    expect(data.none).toBeNull();
  });

  it("graph validation checks policy names and configs against the same catalog", async () => {
    const graph = structuredClone(designExampleGraph) as any;
    graph.nodes[1].config = { accepted: ["passport", "visa"], min_confidence: 120, strict: true };
    graph.nodes[2].policy = "aml";
    const refused = (await h.gql(key, CREATE_WORKFLOW, { name: "Bad config", graph })).data.createWorkflow;
    expect(refused.__typename).toBe("ValidationError");
    expect(refused.issues).toEqual([
      {
        path: ["graph", "nodes", "1", "config", "accepted", "1"],
        nodeId: "document",
        message:
          'Node "document": config.accepted[1] must be one of passport, id_card, driving_license (got "visa")',
      },
      {
        path: ["graph", "nodes", "1", "config", "min_confidence"],
        nodeId: "document",
        message: 'Node "document": config.min_confidence must be at most 100',
      },
      {
        path: ["graph", "nodes", "1", "config"],
        nodeId: "document",
        message: 'Node "document": config has unknown key "strict" for policy "document"',
      },
      {
        path: ["graph", "nodes", "2", "policy"],
        nodeId: "aml",
        message: expect.stringContaining('unknown policy "aml"'),
      },
    ]);
    graph.nodes[1].config = { accepted: ["passport"], min_confidence: 90 };
    graph.nodes[2].policy = "aml_screening";
    expect(
      (await h.gql(key, CREATE_WORKFLOW, { name: "Good config", graph })).data.createWorkflow.__typename,
    ).toBe("Workflow");
  });
});
