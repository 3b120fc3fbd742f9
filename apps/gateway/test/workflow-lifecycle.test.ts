import { provisionWorkspace } from "@flowgate/application";
import { testBackends } from "@flowgate/db/testing";
import { assignRolloutVersion, rolloutKey } from "@flowgate/domain";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import {
  CREATE_SESSION,
  CREATE_WORKFLOW,
  DECIDE,
  designExampleGraph,
  highRiskSandbox,
  SESSION,
} from "./fixtures.ts";
import { eventually, type Harness, startHarness } from "./harness.ts";

const WORKFLOW_FIELDS = /* GraphQL */ `
  id name description metadata status isDefault currentVersion
  rollout { custom entries { version percentage } }
`;

const ERROR_FIELDS = /* GraphQL */ `
  ... on NotFoundError { message resource missingId: id }
  ... on ConflictError { message currentStatus }
  ... on ValidationError { message issues { path message nodeId } }
`;

const UPDATE = /* GraphQL */ `
  mutation ($workflowId: ID!, $name: String, $description: String, $metadata: JSONObject) {
    updateWorkflow(workflowId: $workflowId, name: $name, description: $description, metadata: $metadata) {
      __typename ... on Workflow { ${WORKFLOW_FIELDS} } ${ERROR_FIELDS}
    }
  }
`;

const CLONE = /* GraphQL */ `
  mutation ($workflowId: ID!, $name: String) {
    cloneWorkflow(workflowId: $workflowId, name: $name) {
      __typename ... on Workflow { ${WORKFLOW_FIELDS} graph versions { version graph publishedBy } } ${ERROR_FIELDS}
    }
  }
`;

const SET_DEFAULT = /* GraphQL */ `
  mutation ($workflowId: ID!) {
    setDefaultWorkflow(workflowId: $workflowId) { __typename ... on Workflow { id isDefault } ${ERROR_FIELDS} }
  }
`;

const DEACTIVATE = /* GraphQL */ `
  mutation ($workflowId: ID!) {
    deactivateWorkflow(workflowId: $workflowId) { __typename ... on Workflow { id status isDefault } ${ERROR_FIELDS} }
  }
`;

const ACTIVATE = /* GraphQL */ `
  mutation ($workflowId: ID!) {
    activateWorkflow(workflowId: $workflowId) { __typename ... on Workflow { id status } ${ERROR_FIELDS} }
  }
`;

const DRAFT_FIELDS = /* GraphQL */ `
  id workflowId status baseVersion sourceVersion graph valid issues { path message nodeId }
  publishedVersion createdBy publishedBy closedAt
`;

const CREATE_DRAFT = /* GraphQL */ `
  mutation ($workflowId: ID!, $fromVersion: Int) {
    createWorkflowDraft(workflowId: $workflowId, fromVersion: $fromVersion) {
      __typename ... on WorkflowDraft { ${DRAFT_FIELDS} } ${ERROR_FIELDS}
    }
  }
`;

const UPDATE_DRAFT = /* GraphQL */ `
  mutation ($draftId: ID!, $graph: JSON!) {
    updateWorkflowDraft(draftId: $draftId, graph: $graph) {
      __typename ... on WorkflowDraft { ${DRAFT_FIELDS} } ${ERROR_FIELDS}
    }
  }
`;

const DISCARD_DRAFT = /* GraphQL */ `
  mutation ($draftId: ID!) {
    discardWorkflowDraft(draftId: $draftId) { __typename ... on WorkflowDraft { ${DRAFT_FIELDS} } ${ERROR_FIELDS} }
  }
`;

const PUBLISH = /* GraphQL */ `
  mutation ($draftId: ID!, $keepRollout: Boolean) {
    publishWorkflowDraft(draftId: $draftId, keepRollout: $keepRollout) {
      __typename
      ... on PublishWorkflowDraftPayload {
        workflow { ${WORKFLOW_FIELDS} }
        version { workflowId version publishedBy publishedAt isCurrent graph }
        draft { ${DRAFT_FIELDS} }
      }
      ${ERROR_FIELDS}
    }
  }
`;

const DIFF = /* GraphQL */ `
  query ($draftId: ID!) {
    diffWorkflowDraft(draftId: $draftId) {
      __typename
      ... on WorkflowDraftDiff {
        againstVersion
        draft { id }
        diff {
          hasChanges entryChanged entryBefore entryAfter unchanged
          added { nodeId type node } removed { nodeId type node }
          changed { nodeId typeBefore typeAfter fields before after }
        }
      }
      ${ERROR_FIELDS}
    }
  }
`;

const ROLLOUT = /* GraphQL */ `
  mutation ($workflowId: ID!, $entries: [RolloutEntryInput!]!) {
    updateWorkflowRollout(workflowId: $workflowId, entries: $entries) {
      __typename ... on Workflow { ${WORKFLOW_FIELDS} } ${ERROR_FIELDS}
    }
  }
`;

const WORKFLOW = /* GraphQL */ `
  query ($id: ID!) {
    workflow(id: $id) {
      ${WORKFLOW_FIELDS}
      versions { version publishedBy publishedAt isCurrent }
      version(number: 1) { version }
      draft { id status }
    }
  }
`;

const SUBMIT_VERSION = /* GraphQL */ `
  mutation ($sessionId: ID!, $version: Int) {
    submitSession(sessionId: $sessionId, version: $version) {
      __typename
      ... on SubmitSessionPayload { run { id workflowVersion } }
      ${ERROR_FIELDS}
    }
  }
`;

const TRIGGER_VERSION = /* GraphQL */ `
  mutation ($workflowId: ID!, $sessionId: ID!, $version: Int) {
    triggerWorkflow(workflowId: $workflowId, sessionId: $sessionId, version: $version) {
      __typename
      ... on TriggerWorkflowPayload { run { id workflowVersion } }
      ${ERROR_FIELDS}
    }
  }
`;

/** A two-node graph ending at `outcome`. */
function simpleGraph(outcome = "approved") {
  return {
    entry: "start",
    nodes: [
      { id: "start", type: "start", next: "done" },
      { id: "done", type: "terminal", outcome },
    ],
  };
}

describe.each(testBackends())("workflow lifecycle (%s)", (backend) => {
  let h: Harness;
  let key: string;

  beforeAll(async () => {
    h = await startHarness(backend);
    key = h.acme.keys.sandbox;
  });
  afterAll(() => h.close());

  async function createWorkflow(name: string, graph: unknown = designExampleGraph, isDefault = false) {
    const created = await h.gql(key, CREATE_WORKFLOW, { name, graph, isDefault });
    expect(created.data.createWorkflow.__typename).toBe("Workflow");
    return created.data.createWorkflow.id as string;
  }

  async function createSession(workflowId: string | null, sandbox?: unknown) {
    const session = await h.gql(key, CREATE_SESSION, { workflowId, sandbox });
    return session.data.createSession.id as string;
  }

  async function sessionStatus(sessionId: string) {
    return (await h.gql(key, SESSION, { id: sessionId })).data.session;
  }

  async function publishNewVersion(workflowId: string, graph: unknown) {
    const draft = await h.gql(key, CREATE_DRAFT, { workflowId });
    const draftId = draft.data.createWorkflowDraft.id;
    await h.gql(key, UPDATE_DRAFT, { draftId, graph });
    const published = await h.gql(key, PUBLISH, { draftId });
    expect(published.data.publishWorkflowDraft.__typename).toBe("PublishWorkflowDraftPayload");
    return published.data.publishWorkflowDraft;
  }

  it("updates name, description and metadata; validates the name; unknown ids are not found", async () => {
    const workflowId = await createWorkflow("Original");
    const updated = await h.gql(key, UPDATE, {
      workflowId,
      name: "  Renamed  ",
      description: "Onboarding checks",
      metadata: { team: "kyc", tier: 2 },
    });
    expect(updated.data.updateWorkflow).toMatchObject({
      __typename: "Workflow",
      name: "Renamed",
      description: "Onboarding checks",
      metadata: { team: "kyc", tier: 2 },
      currentVersion: 1,
    });
    // Omitted arguments stay; null clears the description.
    const partial = await h.gql(key, UPDATE, { workflowId, description: null });
    expect(partial.data.updateWorkflow).toMatchObject({
      name: "Renamed",
      description: null,
      metadata: { team: "kyc" },
    });

    const invalid = await h.gql(key, UPDATE, { workflowId, name: "   " });
    expect(invalid.data.updateWorkflow).toMatchObject({
      __typename: "ValidationError",
      issues: [{ path: ["name"], message: "name must be 1 to 200 characters" }],
    });
    const missing = await h.gql(key, UPDATE, { workflowId: "wfl_missing", name: "x" });
    expect(missing.data.updateWorkflow).toMatchObject({
      __typename: "NotFoundError",
      resource: "Workflow",
      missingId: "wfl_missing",
    });
  });

  it("lists workflows with status and default filters and Relay pagination", async () => {
    const ids = [
      await createWorkflow("List A"),
      await createWorkflow("List B"),
      await createWorkflow("List C"),
    ];
    await h.gql(key, DEACTIVATE, { workflowId: ids[1] });
    await h.gql(key, SET_DEFAULT, { workflowId: ids[2] });
    const list = async (args: string) =>
      (
        await h.gql(
          key,
          `{ workflows(${args}) { edges { node { id status isDefault } } pageInfo { hasNextPage endCursor } } }`,
        )
      ).data.workflows;

    const inactive = await list("status: inactive");
    expect(inactive.edges.map((e: any) => e.node.id)).toContain(ids[1]);
    expect(inactive.edges.every((e: any) => e.node.status === "inactive")).toBe(true);
    const active = await list("status: active");
    expect(active.edges.map((e: any) => e.node.id)).not.toContain(ids[1]);
    const defaults = await list("isDefault: true");
    expect(defaults.edges.map((e: any) => e.node.id)).toEqual([ids[2]]);

    const first = await list("first: 2");
    expect(first.edges).toHaveLength(2);
    expect(first.pageInfo.hasNextPage).toBe(true);
    const next = await list(`first: 2, after: "${first.pageInfo.endCursor}"`);
    const seen = [...first.edges, ...next.edges].map((e: any) => e.node.id);
    expect(new Set(seen).size).toBe(seen.length);
    // Newest first: the three created here lead the first page.
    expect(first.edges.map((e: any) => e.node.id)).toEqual([ids[2], ids[1]]);
    expect(next.edges[0].node.id).toBe(ids[0]);
  });

  it("clones the current version into version 1 of a new workflow", async () => {
    const sourceId = await createWorkflow("Source", designExampleGraph);
    await h.gql(key, UPDATE, { workflowId: sourceId, description: "with AML", metadata: { region: "eu" } });
    const v2 = await publishNewVersion(sourceId, simpleGraph("needs_review"));
    expect(v2.workflow.currentVersion).toBe(2);

    const clone = await h.gql(key, CLONE, { workflowId: sourceId });
    const copy = clone.data.cloneWorkflow;
    expect(copy).toMatchObject({
      __typename: "Workflow",
      name: "Source (copy)",
      description: "with AML",
      metadata: { region: "eu" },
      status: "active",
      isDefault: false,
      currentVersion: 1,
      rollout: { custom: false, entries: [{ version: 1, percentage: 100 }] },
    });
    expect(copy.id).not.toBe(sourceId);
    expect(copy.versions).toHaveLength(1);
    expect(copy.versions[0].graph).toEqual(v2.version.graph);
    expect(copy.graph).toEqual(v2.version.graph);

    const named = await h.gql(key, CLONE, { workflowId: sourceId, name: "KYC v2 experiment" });
    expect(named.data.cloneWorkflow.name).toBe("KYC v2 experiment");
    expect((await h.gql(key, CLONE, { workflowId: sourceId, name: "" })).data.cloneWorkflow.__typename).toBe(
      "ValidationError",
    );
    expect((await h.gql(key, CLONE, { workflowId: "wfl_nope" })).data.cloneWorkflow.__typename).toBe(
      "NotFoundError",
    );
  });

  it("switches the default atomically, even when many switches race", async () => {
    const ids = await Promise.all(["D1", "D2", "D3", "D4", "D5"].map((name) => createWorkflow(name)));
    const results = await Promise.all(ids.map((workflowId) => h.gql(key, SET_DEFAULT, { workflowId })));
    for (const result of results) {
      expect(result.errors).toBeUndefined();
      expect(result.data.setDefaultWorkflow).toMatchObject({ __typename: "Workflow", isDefault: true });
    }
    const defaults = (await h.gql(key, "{ workflows(isDefault: true) { edges { node { id } } } }")).data
      .workflows.edges;
    expect(defaults).toHaveLength(1);
    expect(ids).toContain(defaults[0].node.id);

    // One more switch moves the flag; setting it again changes nothing.
    await h.gql(key, SET_DEFAULT, { workflowId: ids[0] });
    await h.gql(key, SET_DEFAULT, { workflowId: ids[0] });
    const after = (await h.gql(key, "{ workflows(isDefault: true) { edges { node { id } } } }")).data
      .workflows.edges;
    expect(after.map((e: any) => e.node.id)).toEqual([ids[0]]);

    // An inactive workflow cannot become the default.
    await h.gql(key, DEACTIVATE, { workflowId: ids[1] });
    const refused = await h.gql(key, SET_DEFAULT, { workflowId: ids[1] });
    expect(refused.data.setDefaultWorkflow).toMatchObject({
      __typename: "ConflictError",
      currentStatus: "inactive",
    });
    expect(refused.data.setDefaultWorkflow.message).toContain("is inactive");
    expect(
      (await h.gql(key, SET_DEFAULT, { workflowId: "wfl_nope" })).data.setDefaultWorkflow.__typename,
    ).toBe("NotFoundError");
  });

  it("deactivation stops new runs (also of a deactivated default) while runs in flight finish", async () => {
    const workflowId = await createWorkflow("Deactivate me", designExampleGraph, true);
    // A run in flight, paused at the gate.
    const pausedSession = await createSession(workflowId, highRiskSandbox);
    expect(
      (await h.gql(key, SUBMIT_VERSION, { sessionId: pausedSession })).data.submitSession.__typename,
    ).toBe("SubmitSessionPayload");
    await eventually(async () => (await sessionStatus(pausedSession)).status === "awaiting_external");
    // A completed session to re-trigger later.
    const doneSession = await createSession(workflowId);
    await h.gql(key, SUBMIT_VERSION, { sessionId: doneSession });
    await eventually(async () => (await sessionStatus(doneSession)).status === "completed");

    const deactivated = await h.gql(key, DEACTIVATE, { workflowId });
    expect(deactivated.data.deactivateWorkflow).toMatchObject({ status: "inactive", isDefault: true });
    // Deactivating again changes nothing.
    expect((await h.gql(key, DEACTIVATE, { workflowId })).data.deactivateWorkflow.status).toBe("inactive");

    const trigger = await h.gql(key, TRIGGER_VERSION, { workflowId, sessionId: doneSession });
    expect(trigger.data.triggerWorkflow).toMatchObject({
      __typename: "ConflictError",
      currentStatus: "inactive",
    });
    expect(trigger.data.triggerWorkflow.message).toBe(
      `Workflow ${workflowId} is inactive; activate it or choose another workflow`,
    );
    // A session without a workflow falls back to the (deactivated) default: a clear conflict.
    const viaDefault = await createSession(null);
    const submitted = await h.gql(key, SUBMIT_VERSION, { sessionId: viaDefault });
    expect(submitted.data.submitSession).toMatchObject({
      __typename: "ConflictError",
      currentStatus: "inactive",
    });
    expect(submitted.data.submitSession.message).toBe(
      `The default workflow ${workflowId} is inactive; it cannot start new runs`,
    );
    expect((await sessionStatus(viaDefault)).status).toBe("created");
    // A session bound to the workflow is refused as well.
    const bound = await createSession(workflowId);
    expect((await h.gql(key, SUBMIT_VERSION, { sessionId: bound })).data.submitSession.message).toContain(
      "is inactive",
    );

    // The run in flight finishes.
    const decision = await h.gql(key, DECIDE, { sessionId: pausedSession, decision: "continue" });
    expect(decision.data.submitExternalDecision.__typename).toBe("ExternalDecisionPayload");
    const finished = await eventually(async () => {
      const session = await sessionStatus(pausedSession);
      return session.status === "completed" ? session : null;
    });
    expect(finished).toMatchObject({ result: "approved", workflowRun: { status: "completed" } });

    // Activated again, it starts runs.
    expect((await h.gql(key, ACTIVATE, { workflowId })).data.activateWorkflow.status).toBe("active");
    const again = await h.gql(key, SUBMIT_VERSION, { sessionId: viaDefault });
    expect(again.data.submitSession.__typename).toBe("SubmitSessionPayload");
    expect((await h.gql(key, ACTIVATE, { workflowId: "wfl_nope" })).data.activateWorkflow.__typename).toBe(
      "NotFoundError",
    );
    expect(
      (await h.gql(key, DEACTIVATE, { workflowId: "wfl_nope" })).data.deactivateWorkflow.__typename,
    ).toBe("NotFoundError");
  });

  it("drafts: one open per workflow, saved even when invalid, diffed, published as the next version", async () => {
    const workflowId = await createWorkflow("Drafted", designExampleGraph);
    const created = await h.gql(key, CREATE_DRAFT, { workflowId });
    const draft = created.data.createWorkflowDraft;
    expect(draft).toMatchObject({
      __typename: "WorkflowDraft",
      workflowId,
      status: "open",
      baseVersion: 1,
      sourceVersion: 1,
      valid: true,
      issues: [],
      publishedVersion: null,
    });
    expect(draft.id).toMatch(/^wfd_/);
    expect(draft.graph.nodes.map((n: any) => n.id)).toEqual(designExampleGraph.nodes.map((n) => n.id));

    const second = await h.gql(key, CREATE_DRAFT, { workflowId });
    expect(second.data.createWorkflowDraft).toMatchObject({
      __typename: "ConflictError",
      currentStatus: "open",
    });
    expect(second.data.createWorkflowDraft.message).toContain(draft.id);

    // Saving an invalid graph keeps it, marked invalid, with issues naming the node.
    const broken = structuredClone(designExampleGraph) as any;
    broken.nodes[2].routes.fail = "revew";
    const invalid = await h.gql(key, UPDATE_DRAFT, { draftId: draft.id, graph: broken });
    expect(invalid.data.updateWorkflowDraft).toMatchObject({
      __typename: "WorkflowDraft",
      valid: false,
      issues: [
        {
          path: ["graph", "nodes", "2", "routes", "fail"],
          nodeId: "aml",
          message: 'Node "aml": route "fail" points to unknown node "revew"',
        },
      ],
    });
    expect(invalid.data.updateWorkflowDraft.graph.nodes[2].routes.fail).toBe("revew");
    const refused = await h.gql(key, PUBLISH, { draftId: draft.id });
    expect(refused.data.publishWorkflowDraft).toMatchObject({
      __typename: "ValidationError",
      issues: [{ path: ["graph", "nodes", "2", "routes", "fail"], nodeId: "aml" }],
    });

    // A valid edit: AML gets a retry and a new route, the gate is removed, a phone check is added.
    const edited = structuredClone(designExampleGraph) as any;
    edited.nodes[2] = { ...edited.nodes[2], retries: 1, routes: { pass: "phone", fail: "review" } };
    edited.nodes.splice(4, 1); // gate
    edited.nodes[3].conditions[0].next = "review";
    edited.nodes.push({
      id: "phone",
      type: "policy",
      policy: "phone",
      routes: { pass: "risk", fail: "review" },
    });
    const saved = await h.gql(key, UPDATE_DRAFT, { draftId: draft.id, graph: edited });
    expect(saved.data.updateWorkflowDraft).toMatchObject({ valid: true, issues: [] });

    const diff = await h.gql(key, DIFF, { draftId: draft.id });
    expect(diff.data.diffWorkflowDraft).toMatchObject({
      __typename: "WorkflowDraftDiff",
      againstVersion: 1,
      draft: { id: draft.id },
      diff: {
        hasChanges: true,
        entryChanged: false,
        added: [{ nodeId: "phone", type: "policy" }],
        removed: [{ nodeId: "gate", type: "wait" }],
      },
    });
    const changed = diff.data.diffWorkflowDraft.diff.changed;
    expect(changed.map((c: any) => [c.nodeId, c.fields])).toEqual([
      ["aml", ["retries", "routes.pass"]],
      ["risk", ["conditions.0.next"]],
    ]);
    expect(changed[0].before.retries).toBe(0);
    expect(changed[0].after.retries).toBe(1);
    expect(diff.data.diffWorkflowDraft.diff.unchanged).toEqual([
      "start",
      "document",
      "approved",
      "review",
      "rejected",
    ]);

    // The workflow shows its open draft; drafts are listed and found by id and through node(id).
    const read = await h.gql(key, WORKFLOW, { id: workflowId });
    expect(read.data.workflow.draft).toEqual({ id: draft.id, status: "open" });
    const byNode = await h.gql(
      key,
      "query ($id: ID!) { node(id: $id) { id ... on WorkflowDraft { status } } }",
      {
        id: draft.id,
      },
    );
    expect(byNode.data.node).toEqual({ id: draft.id, status: "open" });
    const listed = await h.gql(
      key,
      "query ($id: ID!) { workflowDrafts(workflowId: $id) { edges { node { id status diff { hasChanges } } } } }",
      { id: workflowId },
    );
    expect(listed.data.workflowDrafts.edges).toEqual([
      { node: { id: draft.id, status: "open", diff: { hasChanges: true } } },
    ]);

    const published = await h.gql(key, PUBLISH, { draftId: draft.id });
    const payload = published.data.publishWorkflowDraft;
    expect(payload).toMatchObject({
      __typename: "PublishWorkflowDraftPayload",
      workflow: { id: workflowId, currentVersion: 2 },
      version: { workflowId, version: 2, isCurrent: true },
      draft: { id: draft.id, status: "published", publishedVersion: 2 },
    });
    expect(payload.version.publishedBy).toMatch(/^key_/);
    expect(payload.draft.publishedBy).toBe(payload.version.publishedBy);
    expect(payload.version.graph.nodes.find((n: any) => n.id === "phone")).toMatchObject({ retries: 0 });

    const versions = (await h.gql(key, WORKFLOW, { id: workflowId })).data.workflow;
    expect(versions.versions.map((v: any) => [v.version, v.isCurrent])).toEqual([
      [2, true],
      [1, false],
    ]);
    expect(versions.versions.every((v: any) => v.publishedBy && v.publishedAt)).toBe(true);
    expect(versions.version).toEqual({ version: 1 });
    expect(versions.draft).toBeNull();

    // A published draft is read-only.
    const again = await h.gql(key, PUBLISH, { draftId: draft.id });
    expect(again.data.publishWorkflowDraft).toMatchObject({
      __typename: "ConflictError",
      currentStatus: "published",
    });
    expect(
      (await h.gql(key, UPDATE_DRAFT, { draftId: draft.id, graph: edited })).data.updateWorkflowDraft
        .__typename,
    ).toBe("ConflictError");

    // A draft from an earlier version: base is the current version, source the earlier one; diff shows the way back.
    const fromV1 = await h.gql(key, CREATE_DRAFT, { workflowId, fromVersion: 1 });
    expect(fromV1.data.createWorkflowDraft).toMatchObject({ baseVersion: 2, sourceVersion: 1, valid: true });
    const back = (await h.gql(key, DIFF, { draftId: fromV1.data.createWorkflowDraft.id })).data
      .diffWorkflowDraft;
    expect(back.againstVersion).toBe(2);
    expect(back.diff.added.map((n: any) => n.nodeId)).toEqual(["gate"]);
    expect(back.diff.removed.map((n: any) => n.nodeId)).toEqual(["phone"]);
    const discarded = await h.gql(key, DISCARD_DRAFT, { draftId: fromV1.data.createWorkflowDraft.id });
    expect(discarded.data.discardWorkflowDraft).toMatchObject({ status: "discarded" });
    expect(discarded.data.discardWorkflowDraft.closedAt).toBeTruthy();
    expect(
      (await h.gql(key, DISCARD_DRAFT, { draftId: fromV1.data.createWorkflowDraft.id })).data
        .discardWorkflowDraft.__typename,
    ).toBe("ConflictError");
    const statuses = await h.gql(
      key,
      "query ($id: ID!) { workflowDrafts(workflowId: $id, status: discarded) { edges { node { id } } } }",
      { id: workflowId },
    );
    expect(statuses.data.workflowDrafts.edges).toEqual([
      { node: { id: fromV1.data.createWorkflowDraft.id } },
    ]);

    // Error cases: unknown version, unknown workflow, unknown draft, missing graph.
    const noVersion = await h.gql(key, CREATE_DRAFT, { workflowId, fromVersion: 9 });
    expect(noVersion.data.createWorkflowDraft).toMatchObject({
      __typename: "ValidationError",
      issues: [{ path: ["fromVersion"] }],
    });
    expect(
      (await h.gql(key, CREATE_DRAFT, { workflowId: "wfl_nope" })).data.createWorkflowDraft.__typename,
    ).toBe("NotFoundError");
    for (const [query, field] of [
      [DIFF, "diffWorkflowDraft"],
      [PUBLISH, "publishWorkflowDraft"],
      [DISCARD_DRAFT, "discardWorkflowDraft"],
    ] as const) {
      expect((await h.gql(key, query, { draftId: "wfd_nope" })).data[field]).toMatchObject({
        __typename: "NotFoundError",
        resource: "WorkflowDraft",
      });
    }
    const nullGraph = await h.gql(key, UPDATE_DRAFT, { draftId: "wfd_nope", graph: null });
    expect(nullGraph.errors?.[0]?.message).toContain("graph");
  });

  it("concurrent publishes of the same draft give one version and a ConflictError", async () => {
    const workflowId = await createWorkflow("Race", simpleGraph());
    for (let round = 0; round < 3; round++) {
      const draftId = (await h.gql(key, CREATE_DRAFT, { workflowId })).data.createWorkflowDraft.id;
      await h.gql(key, UPDATE_DRAFT, { draftId, graph: simpleGraph(`outcome_${round}`) });
      const results = await Promise.all([1, 2, 3].map(() => h.gql(key, PUBLISH, { draftId })));
      const kinds = results.map((r) => r.data.publishWorkflowDraft.__typename).sort();
      expect(kinds).toEqual(["ConflictError", "ConflictError", "PublishWorkflowDraftPayload"]);
    }
    const versions = (await h.gql(key, WORKFLOW, { id: workflowId })).data.workflow;
    expect(versions.currentVersion).toBe(4);
    expect(versions.versions.map((v: any) => v.version)).toEqual([4, 3, 2, 1]);

    // Concurrent creates of a draft also give one open draft.
    const creates = await Promise.all([1, 2, 3].map(() => h.gql(key, CREATE_DRAFT, { workflowId })));
    const created = creates.map((r) => r.data.createWorkflowDraft.__typename).sort();
    expect(created).toEqual(["ConflictError", "ConflictError", "WorkflowDraft"]);
  });

  it("rollout: validated maps, sticky assignment by session, explicit version overrides", async () => {
    const workflowId = await createWorkflow("Rollout", simpleGraph("approved"));
    await publishNewVersion(workflowId, simpleGraph("needs_review"));

    for (const [entries, path, message] of [
      [
        [
          { version: 1, percentage: 60 },
          { version: 2, percentage: 30 },
        ],
        ["entries"],
        "percentages must sum to 100 (they sum to 90)",
      ],
      [
        [
          { version: 1, percentage: 50 },
          { version: 3, percentage: 50 },
        ],
        ["entries", "1", "version"],
        "version 3 is not a published version of the workflow (published: 1, 2)",
      ],
      [
        [
          { version: 1, percentage: 0 },
          { version: 2, percentage: 100 },
        ],
        ["entries", "0", "percentage"],
        "percentage must be a whole number from 1 to 100",
      ],
      [
        [
          { version: 2, percentage: 50 },
          { version: 2, percentage: 50 },
        ],
        ["entries", "1", "version"],
        "version 2 is already listed at entry 0",
      ],
    ] as const) {
      const refused = await h.gql(key, ROLLOUT, { workflowId, entries });
      expect(refused.data.updateWorkflowRollout).toMatchObject({
        __typename: "ValidationError",
        issues: [{ path, message }],
      });
    }
    expect(
      (await h.gql(key, ROLLOUT, { workflowId: "wfl_nope", entries: [] })).data.updateWorkflowRollout
        .__typename,
    ).toBe("NotFoundError");

    const map = [
      { version: 1, percentage: 50 },
      { version: 2, percentage: 50 },
    ];
    const set = await h.gql(key, ROLLOUT, { workflowId, entries: map });
    expect(set.data.updateWorkflowRollout).toMatchObject({
      currentVersion: 2,
      rollout: { custom: true, entries: map },
    });

    const sessions = await Promise.all(Array.from({ length: 24 }, () => createSession(workflowId)));
    const versions = new Map<string, number>();
    for (const sessionId of sessions) {
      const submitted = await h.gql(key, SUBMIT_VERSION, { sessionId });
      const version = submitted.data.submitSession.run.workflowVersion;
      expect(version).toBe(assignRolloutVersion(map, rolloutKey(workflowId, sessionId)));
      versions.set(sessionId, version);
    }
    expect(new Set(versions.values())).toEqual(new Set([1, 2]));

    // The same session lands on the same version when triggered again; an explicit version overrides the map.
    for (const sessionId of sessions.slice(0, 4)) {
      await eventually(async () => (await sessionStatus(sessionId)).status === "completed");
      const again = await h.gql(key, TRIGGER_VERSION, { workflowId, sessionId });
      expect(again.data.triggerWorkflow.run.workflowVersion).toBe(versions.get(sessionId));
      await eventually(async () => (await sessionStatus(sessionId)).status === "completed");
      const other = versions.get(sessionId) === 1 ? 2 : 1;
      const pinned = await h.gql(key, TRIGGER_VERSION, { workflowId, sessionId, version: other });
      expect(pinned.data.triggerWorkflow.run.workflowVersion).toBe(other);
      const final = await eventually(async () => {
        const session = await sessionStatus(sessionId);
        return session.status === "completed" ? session : null;
      });
      expect(final.result).toBe(other === 1 ? "approved" : "needs_review");
    }
    const pinnedSubmit = await h.gql(key, SUBMIT_VERSION, {
      sessionId: await createSession(workflowId),
      version: 7,
    });
    expect(pinnedSubmit.data.submitSession).toMatchObject({
      __typename: "ValidationError",
      issues: [{ path: ["version"] }],
    });

    // Publishing with keepRollout keeps the map; publishing without it clears the map.
    const kept = await (async () => {
      const draftId = (await h.gql(key, CREATE_DRAFT, { workflowId })).data.createWorkflowDraft.id;
      return (await h.gql(key, PUBLISH, { draftId, keepRollout: true })).data.publishWorkflowDraft.workflow;
    })();
    expect(kept).toMatchObject({ currentVersion: 3, rollout: { custom: true, entries: map } });
    const cleared = await publishNewVersion(workflowId, simpleGraph("rejected"));
    expect(cleared.workflow).toMatchObject({
      currentVersion: 4,
      rollout: { custom: false, entries: [{ version: 4, percentage: 100 }] },
    });
    // An empty list removes a map, too.
    await h.gql(key, ROLLOUT, { workflowId, entries: map });
    const removed = await h.gql(key, ROLLOUT, { workflowId, entries: [] });
    expect(removed.data.updateWorkflowRollout.rollout).toEqual({
      custom: false,
      entries: [{ version: 4, percentage: 100 }],
    });
  });

  it("another workspace or environment sees none of it", async () => {
    const workflowId = await createWorkflow("Private");
    const draftId = (await h.gql(key, CREATE_DRAFT, { workflowId })).data.createWorkflowDraft.id;
    for (const foreign of [h.other.keys.sandbox, h.acme.keys.live]) {
      for (const [query, field, vars] of [
        [UPDATE, "updateWorkflow", { workflowId, name: "x" }],
        [CLONE, "cloneWorkflow", { workflowId }],
        [SET_DEFAULT, "setDefaultWorkflow", { workflowId }],
        [DEACTIVATE, "deactivateWorkflow", { workflowId }],
        [ACTIVATE, "activateWorkflow", { workflowId }],
        [CREATE_DRAFT, "createWorkflowDraft", { workflowId }],
        [UPDATE_DRAFT, "updateWorkflowDraft", { draftId, graph: simpleGraph() }],
        [DISCARD_DRAFT, "discardWorkflowDraft", { draftId }],
        [PUBLISH, "publishWorkflowDraft", { draftId }],
        [DIFF, "diffWorkflowDraft", { draftId }],
        [ROLLOUT, "updateWorkflowRollout", { workflowId, entries: [{ version: 1, percentage: 100 }] }],
      ] as const) {
        const result = await h.gql(foreign, query, vars);
        expect(result.data[field].__typename, field).toBe("NotFoundError");
      }
      const read = await h.gql(
        foreign,
        "query ($id: ID!) { workflowDraft(id: $id) { id } workflowDrafts { edges { node { id } } } node(id: $id) { id } }",
        { id: draftId },
      );
      expect(read.data).toEqual({ workflowDraft: null, workflowDrafts: { edges: [] }, node: null });
    }
    // Nothing changed for the owner.
    const own = (await h.gql(key, WORKFLOW, { id: workflowId })).data.workflow;
    expect(own).toMatchObject({ name: "Private", status: "active", draft: { id: draftId, status: "open" } });
  });

  it("needs workflows:write for lifecycle mutations", async () => {
    const readOnly = await provisionWorkspace(h.app, {
      organizationName: "Reader",
      workspaceName: "Reader",
      scopes: ["workflows:read"],
    });
    const denied = await h.gql(readOnly.keys.sandbox, UPDATE, { workflowId: "wfl_x", name: "y" });
    expect(denied.errors?.[0]?.message).toMatch(/not authorized/i);
    const allowed = await h.gql(readOnly.keys.sandbox, "{ workflowDrafts { edges { node { id } } } }");
    expect(allowed.errors).toBeUndefined();
  });
});
