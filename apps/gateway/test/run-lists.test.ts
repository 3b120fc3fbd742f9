import { testBackends } from "@flowgate/db/testing";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { CREATE_WORKFLOW } from "./fixtures.ts";
import { eventually, type Harness, startHarness } from "./harness.ts";

const TRIGGER = /* GraphQL */ `
  mutation ($workspaceId: ID!, $workflowId: ID!, $triggerPayload: JSONObject) {
    triggerWorkspaceWorkflow(workspaceId: $workspaceId, workflowId: $workflowId, triggerPayload: $triggerPayload) {
      __typename
      ... on Run { id createdAt }
    }
  }
`;

const RUNS = /* GraphQL */ `
  query ($filter: RunFilter, $first: Int, $after: String, $last: Int, $before: String) {
    runs(filter: $filter, first: $first, after: $after, last: $last, before: $before) {
      edges { cursor node { id workflowId status triggeredBy triggerSource createdAt } }
      pageInfo { hasNextPage hasPreviousPage startCursor endCursor }
    }
  }
`;

const WORKFLOW_RUNS = /* GraphQL */ `
  query ($id: ID!, $filter: RunFilter, $first: Int, $after: String) {
    workflow(id: $id) {
      runs(filter: $filter, first: $first, after: $after) {
        edges { node { id workflowId status } }
        pageInfo { hasNextPage endCursor }
      }
    }
  }
`;

const NODE_RUNS = /* GraphQL */ `
  query ($id: ID!) { run(id: $id) { id createdAt nodeRuns { id workflowRunId workflowNodeId createdAt startedAt } } }
`;

const CREATE_KEY = /* GraphQL */ `
  mutation ($workspaceId: ID!, $name: String!, $scopes: [String!]!) {
    createApiKey(workspaceId: $workspaceId, environment: sandbox, name: $name, scopes: $scopes) {
      ... on CreatedApiKey { key apiKey { id } }
    }
  }
`;

const echoGraph = {
  entry: "start",
  nodes: [
    { id: "start", type: "start", next: "echo" },
    { id: "echo", type: "task", handler: { type: "echo" }, routes: { success: "done" } },
    { id: "done", type: "terminal", outcome: "approved" },
  ],
};

const gateGraph = {
  entry: "start",
  nodes: [
    { id: "start", type: "start", next: "gate" },
    {
      id: "gate",
      type: "wait",
      on_continue: "done",
      on_fail: { action: "review" },
      timeout_seconds: 86400,
      on_timeout: "review",
    },
    { id: "done", type: "terminal", outcome: "approved" },
    { id: "review", type: "terminal", outcome: "needs_review" },
  ],
};

interface Listed {
  id: string;
  workflowId: string;
  status: string;
  triggeredBy: string;
  triggerSource: string;
  createdAt: string;
}

describe.each(testBackends())("run lists through GraphQL (%s)", (backend) => {
  let h: Harness;
  let key: string;
  let second: { key: string; id: string };
  let echoWorkflow: string;
  let gateWorkflow: string;
  /** Every run triggered, newest first. */
  const triggered: { id: string; workflowId: string; keyId: string; createdAt: string }[] = [];
  let firstKeyId: string;

  async function page(variables: Record<string, unknown>, apiKey = key) {
    const response = await h.gql(apiKey, RUNS, variables);
    expect(response.errors, JSON.stringify(response.errors)).toBeUndefined();
    return response.data.runs as {
      edges: { cursor: string; node: Listed }[];
      pageInfo: { hasNextPage: boolean; hasPreviousPage: boolean; startCursor: string; endCursor: string };
    };
  }

  /** Every run the filter lists, following `after` cursors with pages of `size`. */
  async function all(filter: Record<string, unknown> | null, size: number): Promise<Listed[]> {
    const listed: Listed[] = [];
    let after: string | null = null;
    for (;;) {
      const result = await page({ filter, first: size, after });
      listed.push(...result.edges.map((edge) => edge.node));
      if (!result.pageInfo.hasNextPage) return listed;
      after = result.pageInfo.endCursor;
    }
  }

  beforeAll(async () => {
    h = await startHarness(backend);
    key = h.acme.keys.sandbox;
    const created = await h.gql(key, CREATE_KEY, {
      workspaceId: h.acme.workspaceId,
      name: "second",
      scopes: ["workflows:trigger", "workflows:read"],
    });
    second = { key: created.data.createApiKey.key, id: created.data.createApiKey.apiKey.id };
    const viewer = await h.gql(key, `{ viewer { apiKey { id } } }`);
    firstKeyId = viewer.data.viewer.apiKey.id;
    const createWorkflow = async (name: string, graph: unknown) => {
      const response = await h.gql(key, CREATE_WORKFLOW, { name, graph });
      expect(response.data.createWorkflow.__typename, JSON.stringify(response.data)).toBe("Workflow");
      return response.data.createWorkflow.id as string;
    };
    echoWorkflow = await createWorkflow("Echo", echoGraph);
    gateWorkflow = await createWorkflow("Gate", gateGraph);
    for (let i = 0; i < 60; i++) {
      const workflowId = i % 3 === 2 ? gateWorkflow : echoWorkflow;
      const bySecond = i % 4 === 0;
      const response = await h.gql(bySecond ? second.key : key, TRIGGER, {
        workspaceId: h.acme.workspaceId,
        workflowId,
        triggerPayload: { i },
      });
      expect(response.data?.triggerWorkspaceWorkflow?.__typename, JSON.stringify(response)).toBe("Run");
      triggered.unshift({
        id: response.data.triggerWorkspaceWorkflow.id,
        workflowId,
        keyId: bySecond ? second.id : firstKeyId,
        createdAt: response.data.triggerWorkspaceWorkflow.createdAt,
      });
    }
    // A run of the other workspace, which no list of acme shows.
    const otherWorkflow = (
      await h.gql(h.other.keys.sandbox, CREATE_WORKFLOW, { name: "O", graph: echoGraph })
    ).data.createWorkflow.id;
    await h.gql(h.other.keys.sandbox, TRIGGER, {
      workspaceId: h.other.workspaceId,
      workflowId: otherWorkflow,
    });
    // Every echo run completes, every gate run pauses at its gate.
    await eventually(async () => {
      const listed = await all(null, 100);
      return listed.every((run) => run.status === (run.workflowId === gateWorkflow ? "paused" : "completed"))
        ? listed
        : null;
    });
  }, 120_000);
  afterAll(() => h.close());

  it("pages through every run newest first with cursors; each run's starter and its kind", async () => {
    const listed = await all(null, 7);
    expect(listed.map((run) => run.id)).toEqual(triggered.map((run) => run.id));
    for (const [index, run] of listed.entries()) {
      expect(run.triggeredBy).toBe(triggered[index]!.keyId);
      expect(run.triggerSource).toBe("api_key");
      expect(run.createdAt).toBe(triggered[index]!.createdAt);
    }
  });

  it("pages backwards with last/before to the same list", async () => {
    const backwards: string[] = [];
    let before: string | null = null;
    for (;;) {
      const result = await page({ last: 9, before });
      backwards.unshift(...result.edges.map((edge) => edge.node.id));
      if (!result.pageInfo.hasPreviousPage) break;
      before = result.pageInfo.startCursor;
    }
    expect(backwards).toEqual(triggered.map((run) => run.id));
  });

  it("filters by workflow, status, starter and creation time, alone and together", async () => {
    const ids = (runs: { id: string }[]) => runs.map((run) => run.id);
    expect(ids(await all({ workflowId: gateWorkflow }, 6))).toEqual(
      ids(triggered.filter((run) => run.workflowId === gateWorkflow)),
    );
    expect(ids(await all({ status: "paused" }, 6))).toEqual(
      ids(triggered.filter((run) => run.workflowId === gateWorkflow)),
    );
    expect(ids(await all({ status: "completed", workflowId: gateWorkflow }, 6))).toEqual([]);
    expect(ids(await all({ triggeredBy: second.id }, 4))).toEqual(
      ids(triggered.filter((run) => run.keyId === second.id)),
    );
    expect(
      ids(await all({ triggeredBy: second.id, workflowId: echoWorkflow, status: "completed" }, 4)),
    ).toEqual(ids(triggered.filter((run) => run.keyId === second.id && run.workflowId === echoWorkflow)));
    const chronological = [...triggered].reverse();
    const from = chronological[10]!.createdAt;
    const to = chronological[40]!.createdAt;
    const inRange = await all({ from, to }, 8);
    expect(ids(inRange)).toEqual(ids(triggered.filter((run) => run.createdAt >= from && run.createdAt < to)));
    expect(inRange.length).toBeGreaterThanOrEqual(30);
  });

  it("lists a workflow's runs on Workflow.runs", async () => {
    const listed: string[] = [];
    let after: string | null = null;
    for (;;) {
      const response: { data?: any } = await h.gql(key, WORKFLOW_RUNS, {
        id: echoWorkflow,
        first: 11,
        after,
        filter: { workflowId: gateWorkflow },
      });
      const runs: {
        edges: { node: { id: string } }[];
        pageInfo: { hasNextPage: boolean; endCursor: string };
      } = response.data.workflow.runs;
      listed.push(...runs.edges.map((edge) => edge.node.id));
      if (!runs.pageInfo.hasNextPage) break;
      after = runs.pageInfo.endCursor;
    }
    expect(listed).toEqual(triggered.filter((run) => run.workflowId === echoWorkflow).map((run) => run.id));
  });

  it("answers an empty time range and a bad cursor with BAD_USER_INPUT naming the field", async () => {
    const empty = await h.gql(key, RUNS, {
      filter: { from: "2026-01-02T00:00:00Z", to: "2026-01-01T00:00:00Z" },
    });
    expect(empty.errors?.[0]).toMatchObject({ extensions: { code: "BAD_USER_INPUT", field: "filter.to" } });
    const badCursor = await h.gql(key, RUNS, { after: "nonsense" });
    expect(badCursor.errors?.[0]).toMatchObject({ extensions: { code: "BAD_USER_INPUT", field: "after" } });
  });

  it("keeps to the caller's workspace and environment, and needs a read scope", async () => {
    const other = await h.gql(h.other.keys.sandbox, RUNS, { first: 100 });
    expect(other.data.runs.edges).toHaveLength(1);
    const live = await h.gql(h.acme.keys.live, RUNS, { first: 100 });
    expect(live.data.runs.edges).toEqual([]);
    const triggerOnly = await h.gql(key, CREATE_KEY, {
      workspaceId: h.acme.workspaceId,
      name: "t",
      scopes: ["workflows:trigger"],
    });
    const refused = await h.gql(triggerOnly.data.createApiKey.key, RUNS, { first: 1 });
    expect(refused.errors?.[0]?.message).toMatch(/not authorized/i);
  });

  it("gives each node run its run id and creation time (seed 004's workflow_run_id, created_at)", async () => {
    const runId = triggered.find((run) => run.workflowId === echoWorkflow)!.id;
    const response = await h.gql(key, NODE_RUNS, { id: runId });
    const nodeRuns = response.data.run.nodeRuns as {
      workflowRunId: string;
      createdAt: string;
      startedAt: string;
    }[];
    expect(nodeRuns.length).toBeGreaterThanOrEqual(3);
    for (const nodeRun of nodeRuns) {
      expect(nodeRun.workflowRunId).toBe(runId);
      expect(Date.parse(nodeRun.createdAt)).toBeGreaterThanOrEqual(Date.parse(response.data.run.createdAt));
    }
  });
});
