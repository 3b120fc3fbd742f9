import {
  type AnalyticsCount,
  activateWorkflow,
  cloneWorkflow,
  createWorkflowDraft,
  type DraftDiff,
  deactivateWorkflow,
  diffWorkflowDraft,
  discardWorkflowDraft,
  dryRunWorkflow,
  dryRunWorkflowDraft,
  listWorkflowDrafts,
  type NodeAnalytics,
  type PublishedDraft,
  publishWorkflowDraft,
  setDefaultWorkflow,
  updateWorkflow,
  updateWorkflowDraft,
  updateWorkflowRollout,
  type VersionAnalytics,
  type WorkflowAnalytics,
  workflowAnalytics,
} from "@flowgate/application";
import {
  type DiffNode,
  type GraphDiff,
  type NodeChange,
  type RolloutEntry,
  ValidationError,
  type ValidationIssue,
  type Workflow,
  type WorkflowDraft,
  type WorkflowVersion,
} from "@flowgate/domain";
import {
  type DryRunGateDecision as DryRunGateDecisionValue,
  type DryRunInput,
  type DryRunNodeResult,
  type DryRunResult,
  dryRunGateDecisions,
} from "@flowgate/engine";
import { builder } from "../builder.ts";
import { recordErrors } from "./errors.ts";
import { keysetConnection } from "./pagination.ts";
import { WorkflowRef } from "./workflow.ts";

const WorkflowDraftStatus = builder.enumType("WorkflowDraftStatus", {
  description: "Life of a workflow draft.",
  values: {
    open: { description: "Editable; at most one per workflow." },
    published: { description: "Published as a version; read-only." },
    discarded: { description: "Discarded without publishing; read-only." },
  },
});

const RolloutEntryRef = builder.objectRef<RolloutEntry>("RolloutEntry").implement({
  description: "One line of a rollout map: a share of new runs that start on a version.",
  fields: (t) => ({
    version: t.exposeInt("version", { description: "A published version of the workflow." }),
    percentage: t.exposeInt("percentage", { description: "Share of new runs, 1–100." }),
  }),
});

const RolloutEntryInput = builder.inputType("RolloutEntryInput", {
  description: "One line of a rollout map.",
  fields: (t) => ({
    version: t.int({ required: true, description: "A published version of the workflow." }),
    percentage: t.int({
      required: true,
      description: "Whole percentage of new runs, 1–100; the map's entries sum to 100.",
    }),
  }),
});

const WorkflowRolloutRef = builder
  .objectRef<{ entries: RolloutEntry[]; custom: boolean }>("WorkflowRollout")
  .implement({
    description:
      "How new runs of a workflow split across its versions. Each session sticks to one version (a stable hash of its id picks it); an explicit `version` on triggerWorkflow or submitSession overrides the map.",
    fields: (t) => ({
      entries: t.field({
        type: [RolloutEntryRef],
        resolve: (rollout) => rollout.entries,
        description:
          "The split in effect; without a custom map, the current version at 100 %. Entries take consecutive ranges of the hash space in this order.",
      }),
      custom: t.exposeBoolean("custom", {
        description: "Whether a rollout map was set (false: every new run starts on the current version).",
      }),
    }),
  });

const WorkflowVersionRef = builder.objectRef<WorkflowVersion>("WorkflowVersion").implement({
  description: "An immutable, numbered graph of a workflow.",
  fields: (t) => ({
    workflowId: t.exposeID("workflowId", { description: "The workflow." }),
    version: t.exposeInt("version", { description: "Its number: 1, 2, 3, …" }),
    graph: t.expose("graph", { type: "JSON", description: "The graph, with defaults applied." }),
    publishedBy: t.exposeString("publishedBy", {
      nullable: true,
      description: "The API key that published it.",
    }),
    publishedAt: t.expose("createdAt", { type: "DateTime", description: "When it was published." }),
    isCurrent: t.boolean({
      description: "Whether it is the workflow's current version.",
      resolve: async (version, _args, context) =>
        (await context.loaders.workflow.load(version.workflowId))?.currentVersion === version.version,
    }),
  }),
});

const DraftIssueRef = builder.objectRef<ValidationIssue>("DraftIssue").implement({
  description: "A problem validation found in a draft's graph.",
  fields: (t) => ({
    path: t.exposeStringList("path", {
      description: "Path of the offending value, e.g. `graph.nodes.2.routes.pass`.",
    }),
    message: t.exposeString("message", { description: "What is wrong, naming the node." }),
    nodeId: t.string({
      nullable: true,
      description: "The node it is about, when there is one.",
      resolve: (issue) => issue.nodeId ?? null,
    }),
  }),
});

const DiffNodeRef = builder.objectRef<DiffNode>("DiffNode").implement({
  description: "A node only one side of a diff has.",
  fields: (t) => ({
    nodeId: t.exposeString("nodeId", { description: "The node's id." }),
    type: t.exposeString("type", { nullable: true, description: "The node's type." }),
    node: t.expose("node", { type: "JSONObject", description: "The node." }),
  }),
});

const NodeChangeRef = builder.objectRef<NodeChange>("NodeChange").implement({
  description: "A node both sides have, with the fields that differ.",
  fields: (t) => ({
    nodeId: t.exposeString("nodeId", { description: "The node's id." }),
    typeBefore: t.exposeString("typeBefore", { nullable: true, description: "Its type before." }),
    typeAfter: t.exposeString("typeAfter", { nullable: true, description: "Its type after." }),
    fields: t.exposeStringList("fields", {
      description: "Dotted paths of the fields that differ, e.g. `routes.pass`, `conditions.0.value`.",
    }),
    before: t.expose("before", { type: "JSONObject", description: "The node before." }),
    after: t.expose("after", { type: "JSONObject", description: "The node after." }),
  }),
});

const GraphDiffRef = builder.objectRef<GraphDiff>("GraphDiff").implement({
  description:
    "What changed between two graphs, nodes matched by id. Defaults are applied first, so writing a default explicitly is no change.",
  fields: (t) => ({
    entryChanged: t.boolean({ description: "Whether the entry changed.", resolve: (d) => d.entry !== null }),
    entryBefore: t.string({
      nullable: true,
      description: "The entry before, when it changed.",
      resolve: (d) => d.entry?.before ?? null,
    }),
    entryAfter: t.string({
      nullable: true,
      description: "The entry after, when it changed.",
      resolve: (d) => d.entry?.after ?? null,
    }),
    added: t.field({
      type: [DiffNodeRef],
      resolve: (d) => d.added,
      description: "Nodes only the new graph has.",
    }),
    removed: t.field({
      type: [DiffNodeRef],
      resolve: (d) => d.removed,
      description: "Nodes only the old graph has.",
    }),
    changed: t.field({
      type: [NodeChangeRef],
      resolve: (d) => d.changed,
      description: "Nodes both have that differ.",
    }),
    unchanged: t.exposeStringList("unchanged", { description: "Ids of nodes both have, unchanged." }),
    hasChanges: t.exposeBoolean("hasChanges", { description: "Whether anything differs." }),
  }),
});

/** The GraphQL `WorkflowDraft` type. */
export const WorkflowDraftRef = builder.objectRef<WorkflowDraft>("WorkflowDraft");

builder.node(WorkflowDraftRef, {
  description:
    "An editable copy of a workflow's graph. A workflow has at most one open draft; publishing makes it the next version.",
  authScopes: { scope: "workflows:read" },
  id: { resolve: (draft) => draft.id },
  isTypeOf: (value) => typeof value === "object" && value !== null && "baseVersion" in value,
  loadMany: async (ids, context) =>
    (await context.loaders.workflowDraft.loadMany(ids)).map((d) => (d instanceof Error ? null : (d ?? null))),
  fields: (t) => ({
    workflowId: t.exposeID("workflowId", { description: "The workflow." }),
    workflow: t.field({
      type: WorkflowRef,
      nullable: true,
      description: "The workflow.",
      resolve: async (draft, _args, context) =>
        (await context.loaders.workflow.load(draft.workflowId)) ?? null,
    }),
    status: t.field({
      type: WorkflowDraftStatus,
      resolve: (d) => d.status,
      description: "Open, published or discarded.",
    }),
    baseVersion: t.exposeInt("baseVersion", {
      description:
        "The workflow's current version when the draft was opened; publishing requires it to be current still.",
    }),
    sourceVersion: t.exposeInt("sourceVersion", {
      description: "The version whose graph the draft started from.",
    }),
    graph: t.expose("graph", { type: "JSON", description: "The graph as last saved, valid or not." }),
    valid: t.exposeBoolean("valid", {
      description: "Whether the graph passes validation (only a valid draft publishes).",
    }),
    issues: t.field({
      type: [DraftIssueRef],
      resolve: (d) => d.issues,
      description: "What validation found; empty when valid.",
    }),
    diff: t.field({
      type: GraphDiffRef,
      description: "The draft against the workflow's current version.",
      resolve: async (draft, _args, context) =>
        (await diffWorkflowDraft(context.app, context.actor, { draftId: draft.id })).diff,
    }),
    publishedVersion: t.exposeInt("publishedVersion", {
      nullable: true,
      description: "The version publishing created.",
    }),
    createdBy: t.exposeString("createdBy", { nullable: true, description: "The API key that opened it." }),
    updatedBy: t.exposeString("updatedBy", {
      nullable: true,
      description: "The API key that last changed it.",
    }),
    publishedBy: t.exposeString("publishedBy", {
      nullable: true,
      description: "The API key that published it.",
    }),
    createdAt: t.expose("createdAt", { type: "DateTime", description: "When it was opened." }),
    updatedAt: t.expose("updatedAt", { type: "DateTime", description: "When it last changed." }),
    closedAt: t.expose("closedAt", {
      type: "DateTime",
      nullable: true,
      description: "When it was published or discarded.",
    }),
  }),
});

const WorkflowDraftDiffRef = builder.objectRef<DraftDiff>("WorkflowDraftDiff").implement({
  description: "A draft compared with its workflow's current version.",
  fields: (t) => ({
    draft: t.field({ type: WorkflowDraftRef, resolve: (d) => d.draft, description: "The draft." }),
    againstVersion: t.exposeInt("againstVersion", {
      description: "The version compared against (the current one).",
    }),
    diff: t.field({ type: GraphDiffRef, resolve: (d) => d.diff, description: "What the draft changes." }),
  }),
});

const PublishWorkflowDraftPayload = builder
  .objectRef<PublishedDraft>("PublishWorkflowDraftPayload")
  .implement({
    description: "The draft was published as the workflow's new current version.",
    fields: (t) => ({
      workflow: t.field({
        type: WorkflowRef,
        resolve: (p) => p.workflow,
        description: "The workflow, at its new version.",
      }),
      version: t.field({
        type: WorkflowVersionRef,
        resolve: (p) => p.version,
        description: "The version created.",
      }),
      draft: t.field({
        type: WorkflowDraftRef,
        resolve: (p) => p.draft,
        description: "The draft, now published.",
      }),
    }),
  });

const AnalyticsCountRef = builder.objectRef<AnalyticsCount>("AnalyticsCount").implement({
  description: "How many runs (or node executions) had a value.",
  fields: (t) => ({
    value: t.exposeString("value", { description: "The status, final status or node result." }),
    count: t.exposeInt("count", { description: "How many." }),
  }),
});

const NodeAnalyticsRef = builder.objectRef<NodeAnalytics>("NodeAnalytics").implement({
  description: "Statistics of one graph node over the runs of one version.",
  fields: (t) => ({
    nodeId: t.exposeString("nodeId", { description: "The node." }),
    nodeType: t.exposeString("nodeType", { description: "Its type." }),
    executions: t.exposeInt("executions", {
      description: "Node runs recorded (a retried node counts once).",
    }),
    completed: t.exposeInt("completed", { description: "Node runs that completed." }),
    results: t.field({
      type: [AnalyticsCountRef],
      resolve: (n) => n.results,
      description:
        "Node runs by result (`pass`, `fail`, `condition_0`, `continue`, an outcome, …), most frequent first.",
    }),
    passRate: t.exposeFloat("passRate", {
      nullable: true,
      description: "Policy nodes: passes / (pass + fail + error), 0–1; null for other nodes.",
    }),
    p50DurationMs: t.exposeFloat("p50DurationMs", { nullable: true, description: "Median duration in ms." }),
    p95DurationMs: t.exposeFloat("p95DurationMs", {
      nullable: true,
      description: "95th percentile duration in ms.",
    }),
  }),
});

const VersionAnalyticsRef = builder.objectRef<VersionAnalytics>("VersionAnalytics").implement({
  description: "Statistics of the runs of one version.",
  fields: (t) => ({
    version: t.exposeInt("version", { description: "The version." }),
    runs: t.exposeInt("runs", { description: "Runs created in the window." }),
    byStatus: t.field({
      type: [AnalyticsCountRef],
      resolve: (v) => v.byStatus,
      description: "Runs by status.",
    }),
    byFinalStatus: t.field({
      type: [AnalyticsCountRef],
      resolve: (v) => v.byFinalStatus,
      description: "Completed runs by final status.",
    }),
    p50DurationMs: t.exposeFloat("p50DurationMs", {
      nullable: true,
      description: "Median run duration in ms.",
    }),
    p95DurationMs: t.exposeFloat("p95DurationMs", {
      nullable: true,
      description: "95th percentile run duration in ms.",
    }),
    nodes: t.field({
      type: [NodeAnalyticsRef],
      resolve: (v) => v.nodes,
      description: "Per node, by node id.",
    }),
  }),
});

const WorkflowAnalyticsRef = builder.objectRef<WorkflowAnalytics>("WorkflowAnalytics").implement({
  description:
    "A workflow's runs created in a time window: by status and final status, and per version and node.",
  fields: (t) => ({
    from: t.expose("from", { type: "DateTime", description: "Start of the window (inclusive)." }),
    to: t.expose("to", { type: "DateTime", description: "End of the window (exclusive)." }),
    version: t.exposeInt("version", { nullable: true, description: "The version asked for; null for all." }),
    runs: t.exposeInt("runs", { description: "Runs created in the window." }),
    byStatus: t.field({
      type: [AnalyticsCountRef],
      resolve: (a) => a.byStatus,
      description: "Runs by status.",
    }),
    byFinalStatus: t.field({
      type: [AnalyticsCountRef],
      resolve: (a) => a.byFinalStatus,
      description: "Completed runs by final status.",
    }),
    versions: t.field({
      type: [VersionAnalyticsRef],
      resolve: (a) => a.versions,
      description: "Per version, newest first.",
    }),
  }),
});

const DryRunStatus = builder.enumType("DryRunStatus", {
  description: "How a dry run ended.",
  values: {
    completed: { description: "It reached a terminal node." },
    paused: { description: "It reached a gate without a decision in the input." },
    failed: { description: "A node could not proceed." },
  },
});

const DryRunGateDecision = builder.enumType("DryRunGateDecision", {
  description:
    "What a gate does in a dry run: a decision as submitExternalDecision takes it, or its timeout.",
  values: dryRunGateDecisions,
});

const DryRunGateDecisionInput = builder.inputType("DryRunGateDecisionInput", {
  description: "The decision one gate (wait node) takes in a dry run.",
  fields: (t) => ({
    nodeId: t.string({ required: true, description: "The wait node." }),
    decision: t.field({ type: DryRunGateDecision, required: true, description: "What it decides." }),
    metadata: t.field({
      type: "JSONObject",
      required: false,
      description: "Decision metadata, as a real decision carries.",
    }),
  }),
});

const DryRunInputRef = builder.inputType("DryRunInput", {
  description:
    "What a dry run executes with: the data a session and run would carry, and the gates' decisions.",
  fields: (t) => ({
    outcomes: t.field({
      type: "JSONObject",
      required: false,
      description:
        'Simulated policy outcomes keyed by node id or policy name, as a sandbox session\'s `sandbox` data: `{"aml": {"outcome": "pass", "output": {"score": 85}}}`. A policy without one passes with the catalog default output (or its node\'s `simulate`).',
    }),
    metadata: t.field({
      type: "JSONObject",
      required: false,
      description: "Session metadata (`session.<key>`).",
    }),
    referenceId: t.string({ required: false, description: "Session reference id (`session.referenceId`)." }),
    payload: t.field({
      type: "JSONObject",
      required: false,
      description: "Trigger payload (`payload.<key>`).",
    }),
    decisions: t.field({
      type: [DryRunGateDecisionInput],
      required: false,
      description: "Each gate's decision; a gate without one ends the dry run paused there.",
    }),
  }),
});

const DryRunNodeResultRef = builder.objectRef<DryRunNodeResult>("DryRunNodeResult").implement({
  description: "One node a dry run executed, as a real run would record it.",
  fields: (t) => ({
    step: t.exposeInt("step", { description: "1 for the first node executed, then 2, …" }),
    nodeId: t.exposeString("nodeId", { description: "The node." }),
    nodeType: t.exposeString("nodeType", { description: "Its type." }),
    policy: t.exposeString("policy", { nullable: true, description: "The policy, for policy nodes." }),
    status: t.exposeString("status", { description: "completed, paused or failed." }),
    result: t.exposeString("result", {
      nullable: true,
      description: "pass/fail/error, the matched condition, the gate decision, the outcome.",
    }),
    routedTo: t.exposeString("routedTo", { nullable: true, description: "The node it would go to next." }),
    input: t.expose("input", { type: "JSONObject", nullable: true, description: "What the node was given." }),
    output: t.expose("output", {
      type: "JSONObject",
      nullable: true,
      description: "What the node produced.",
    }),
    error: t.exposeString("error", { nullable: true, description: "Why it failed or errored." }),
    attempts: t.exposeInt("attempts", { description: "Attempts made, retries included." }),
    costCents: t.exposeInt("costCents", { description: "What the execution would cost, in cents." }),
  }),
});

const DryRunResultRef = builder.objectRef<DryRunResult>("DryRunResult").implement({
  description: "Where a run would go with the given input. Nothing was written and no event was published.",
  fields: (t) => ({
    status: t.field({ type: DryRunStatus, resolve: (r) => r.status, description: "How it ended." }),
    finalStatus: t.exposeString("finalStatus", {
      nullable: true,
      description: "The terminal's outcome, when completed.",
    }),
    sessionResult: t.exposeString("sessionResult", {
      nullable: true,
      description: "The session result that outcome gives (approved, rejected, needs_review).",
    }),
    path: t.exposeStringList("path", { description: "Ids of the nodes executed, in order." }),
    nodeResults: t.field({
      type: [DryRunNodeResultRef],
      resolve: (r) => r.nodeResults,
      description: "Each node executed, in order.",
    }),
    pausedAtNode: t.exposeString("pausedAtNode", {
      nullable: true,
      description: "The gate it would wait at.",
    }),
    errorMessage: t.exposeString("errorMessage", { nullable: true, description: "Why it would fail." }),
    totalCostCents: t.exposeInt("totalCostCents", { description: "What the run would cost, in cents." }),
  }),
});

/** The `DryRunInput` argument as GraphQL passes it. */
type DryRunInputArg =
  | {
      outcomes?: Record<string, unknown> | null | undefined;
      metadata?: Record<string, unknown> | null | undefined;
      referenceId?: string | null | undefined;
      payload?: Record<string, unknown> | null | undefined;
      decisions?:
        | readonly {
            nodeId: string;
            decision: DryRunGateDecisionValue;
            metadata?: Record<string, unknown> | null | undefined;
          }[]
        | null
        | undefined;
    }
  | null
  | undefined;

function dryRunInput(input: DryRunInputArg): DryRunInput {
  return {
    outcomes: input?.outcomes ?? null,
    metadata: input?.metadata ?? null,
    referenceId: input?.referenceId ?? null,
    payload: input?.payload ?? null,
    decisions: input?.decisions ?? null,
  };
}

builder.objectFields(WorkflowRef, (t) => ({
  versions: t.field({
    type: [WorkflowVersionRef],
    description: "Every published version, newest first.",
    resolve: (workflow, _args, context) => context.loaders.workflowVersions.load(workflow.id),
  }),
  version: t.field({
    type: WorkflowVersionRef,
    nullable: true,
    description: "One published version, or null.",
    args: { number: t.arg.int({ required: true, description: "The version number." }) },
    resolve: async (workflow, args, context) =>
      (await context.loaders.workflowVersions.load(workflow.id)).find((v) => v.version === args.number) ??
      null,
  }),
  draft: t.field({
    type: WorkflowDraftRef,
    nullable: true,
    description: "The open draft, if there is one.",
    resolve: async (workflow, _args, context) =>
      (await context.loaders.openWorkflowDraft.load(workflow.id)) ?? null,
  }),
  rollout: t.field({
    type: WorkflowRolloutRef,
    description: "How new runs split across versions.",
    resolve: (workflow: Workflow) =>
      workflow.rollout && workflow.rollout.length > 0
        ? { entries: workflow.rollout, custom: true }
        : { entries: [{ version: workflow.currentVersion, percentage: 100 }], custom: false },
  }),
  analytics: t.field({
    type: WorkflowAnalyticsRef,
    description:
      "Runs created in [from, to) (at most 366 days): by status and final status, and per version: run and node durations (p50/p95), node results and pass rates.",
    errors: { types: [ValidationError] },
    args: {
      from: t.arg({ type: "DateTime", required: true, description: "Start of the window (inclusive)." }),
      to: t.arg({ type: "DateTime", required: true, description: "End of the window (exclusive)." }),
      version: t.arg.int({ required: false, description: "Only runs of this version." }),
    },
    resolve: (workflow, args, context) =>
      workflowAnalytics(context.app, context.actor, {
        workflowId: workflow.id,
        from: args.from,
        to: args.to,
        version: args.version,
      }),
  }),
}));

builder.queryFields((t) => ({
  workflowDraft: t.field({
    type: WorkflowDraftRef,
    nullable: true,
    description: "A workflow draft of the caller's workspace and environment, or null.",
    authScopes: { scope: "workflows:read" },
    args: { id: t.arg.id({ required: true, description: "Draft id (`wfd_…`)." }) },
    resolve: async (_root, { id }, context) => (await context.loaders.workflowDraft.load(String(id))) ?? null,
  }),
  workflowDrafts: t.connection({
    type: WorkflowDraftRef,
    description: "Workflow drafts of the caller's workspace and environment, newest first.",
    authScopes: { scope: "workflows:read" },
    args: {
      workflowId: t.arg.id({ required: false, description: "Only drafts of this workflow." }),
      status: t.arg({
        type: WorkflowDraftStatus,
        required: false,
        description: "Only drafts with this status.",
      }),
    },
    resolve: (_root, args, context) =>
      keysetConnection(args, (page) =>
        listWorkflowDrafts(context.app, context.actor, {
          ...page,
          workflowId: args.workflowId ? String(args.workflowId) : undefined,
          status: args.status ?? undefined,
        }),
      ),
  }),
  diffWorkflowDraft: t.field({
    type: WorkflowDraftDiffRef,
    description:
      "Diffs a draft against its workflow's current version: nodes added, removed and changed (with the fields), and the entry.",
    authScopes: { scope: "workflows:read" },
    errors: { types: recordErrors },
    args: { draftId: t.arg.id({ required: true, description: "Draft id (`wfd_…`)." }) },
    resolve: (_root, args, context) =>
      diffWorkflowDraft(context.app, context.actor, { draftId: String(args.draftId) }),
  }),
}));

builder.mutationFields((t) => ({
  updateWorkflow: t.field({
    type: WorkflowRef,
    description: "Changes a workflow's name, description or metadata; omitted arguments stay as they are.",
    authScopes: { scope: "workflows:write" },
    errors: { types: recordErrors },
    args: {
      workflowId: t.arg.id({ required: true, description: "Workflow id (`wfl_…`)." }),
      name: t.arg.string({ required: false, description: "New display name (1–200 characters)." }),
      description: t.arg.string({ required: false, description: "New description; null clears it." }),
      metadata: t.arg({
        type: "JSONObject",
        required: false,
        description: "New metadata (replaces the old).",
      }),
    },
    resolve: (_root, args, context) =>
      updateWorkflow(context.app, context.actor, {
        workflowId: String(args.workflowId),
        name: args.name,
        description: args.description,
        metadata: args.metadata,
      }),
  }),
  cloneWorkflow: t.field({
    type: WorkflowRef,
    description:
      "Creates a new workflow whose version 1 is a copy of this workflow's current version (with its description and metadata); not the default, no rollout map.",
    authScopes: { scope: "workflows:write" },
    errors: { types: recordErrors },
    args: {
      workflowId: t.arg.id({ required: true, description: "The workflow to copy." }),
      name: t.arg.string({ required: false, description: 'Name of the copy (default: "<name> (copy)").' }),
    },
    resolve: (_root, args, context) =>
      cloneWorkflow(context.app, context.actor, { workflowId: String(args.workflowId), name: args.name }),
  }),
  setDefaultWorkflow: t.field({
    type: WorkflowRef,
    description:
      "Makes the workflow the default of its workspace and environment (sessions without a workflow run it), switching atomically from the previous default. It must be active.",
    authScopes: { scope: "workflows:write" },
    errors: { types: recordErrors },
    args: { workflowId: t.arg.id({ required: true, description: "Workflow id (`wfl_…`)." }) },
    resolve: (_root, args, context) =>
      setDefaultWorkflow(context.app, context.actor, { workflowId: String(args.workflowId) }),
  }),
  deactivateWorkflow: t.field({
    type: WorkflowRef,
    description:
      "Deactivates a workflow: no new run starts on it (triggering it is a ConflictError, also as the default); runs in flight finish.",
    authScopes: { scope: "workflows:write" },
    errors: { types: recordErrors },
    args: { workflowId: t.arg.id({ required: true, description: "Workflow id (`wfl_…`)." }) },
    resolve: (_root, args, context) =>
      deactivateWorkflow(context.app, context.actor, { workflowId: String(args.workflowId) }),
  }),
  activateWorkflow: t.field({
    type: WorkflowRef,
    description: "Activates a deactivated workflow, so new runs may start on it again.",
    authScopes: { scope: "workflows:write" },
    errors: { types: recordErrors },
    args: { workflowId: t.arg.id({ required: true, description: "Workflow id (`wfl_…`)." }) },
    resolve: (_root, args, context) =>
      activateWorkflow(context.app, context.actor, { workflowId: String(args.workflowId) }),
  }),
  createWorkflowDraft: t.field({
    type: WorkflowDraftRef,
    description:
      "Opens a draft from the current version or an earlier one. A workflow has at most one open draft (a second is a ConflictError).",
    authScopes: { scope: "workflows:write" },
    errors: { types: recordErrors },
    args: {
      workflowId: t.arg.id({ required: true, description: "Workflow id (`wfl_…`)." }),
      fromVersion: t.arg.int({
        required: false,
        description: "Start from this version (default: the current one).",
      }),
    },
    resolve: (_root, args, context) =>
      createWorkflowDraft(context.app, context.actor, {
        workflowId: String(args.workflowId),
        fromVersion: args.fromVersion,
      }),
  }),
  updateWorkflowDraft: t.field({
    type: WorkflowDraftRef,
    description:
      "Saves a graph on an open draft. It is validated and saved either way: an invalid draft is kept with `valid: false` and `issues` naming the nodes.",
    authScopes: { scope: "workflows:write" },
    errors: { types: recordErrors },
    args: {
      draftId: t.arg.id({ required: true, description: "Draft id (`wfd_…`)." }),
      graph: t.arg({ type: "JSON", required: true, description: "The new graph (entry and nodes)." }),
    },
    resolve: (_root, args, context) =>
      updateWorkflowDraft(context.app, context.actor, { draftId: String(args.draftId), graph: args.graph }),
  }),
  discardWorkflowDraft: t.field({
    type: WorkflowDraftRef,
    description: "Discards an open draft (it stays listed as discarded).",
    authScopes: { scope: "workflows:write" },
    errors: { types: recordErrors },
    args: { draftId: t.arg.id({ required: true, description: "Draft id (`wfd_…`)." }) },
    resolve: (_root, args, context) =>
      discardWorkflowDraft(context.app, context.actor, { draftId: String(args.draftId) }),
  }),
  publishWorkflowDraft: t.field({
    type: PublishWorkflowDraftPayload,
    description:
      "Publishes a valid open draft as the next version, which becomes current. Clears the rollout map unless keepRollout. A concurrent publish of the same base version is a ConflictError.",
    authScopes: { scope: "workflows:write" },
    errors: { types: recordErrors },
    args: {
      draftId: t.arg.id({ required: true, description: "Draft id (`wfd_…`)." }),
      keepRollout: t.arg.boolean({
        required: false,
        description: "Keep the rollout map (the new version gets no new runs until the map lists it).",
      }),
    },
    resolve: (_root, args, context) =>
      publishWorkflowDraft(context.app, context.actor, {
        draftId: String(args.draftId),
        keepRollout: args.keepRollout,
      }),
  }),
  updateWorkflowRollout: t.field({
    type: WorkflowRef,
    description:
      "Sets how new runs split across published versions (whole percentages summing to 100); an empty list removes the map.",
    authScopes: { scope: "workflows:write" },
    errors: { types: recordErrors },
    args: {
      workflowId: t.arg.id({ required: true, description: "Workflow id (`wfl_…`)." }),
      entries: t.arg({ type: [RolloutEntryInput], required: true, description: "The new map." }),
    },
    resolve: (_root, args, context) =>
      updateWorkflowRollout(context.app, context.actor, {
        workflowId: String(args.workflowId),
        entries: args.entries,
      }),
  }),
  dryRunWorkflow: t.field({
    type: DryRunResultRef,
    description:
      "Executes a version of the workflow (the current one by default) in memory with simulated policy outcomes, through the engine's node handlers and routing: returns the path, node results, final status and would-be cost. Writes nothing.",
    authScopes: { scope: "workflows:read" },
    errors: { types: recordErrors },
    args: {
      workflowId: t.arg.id({ required: true, description: "Workflow id (`wfl_…`)." }),
      version: t.arg.int({ required: false, description: "The version to run (default: the current one)." }),
      input: t.arg({
        type: DryRunInputRef,
        required: false,
        description: "Session data, payload, outcomes, decisions.",
      }),
    },
    resolve: (_root, args, context) =>
      dryRunWorkflow(context.app, context.actor, {
        workflowId: String(args.workflowId),
        version: args.version,
        input: dryRunInput(args.input),
      }),
  }),
  dryRunWorkflowDraft: t.field({
    type: DryRunResultRef,
    description:
      "Executes a draft's graph in memory like dryRunWorkflow (the draft must be valid). Writes nothing and publishes nothing.",
    authScopes: { scope: "workflows:read" },
    errors: { types: recordErrors },
    args: {
      draftId: t.arg.id({ required: true, description: "Draft id (`wfd_…`)." }),
      input: t.arg({
        type: DryRunInputRef,
        required: false,
        description: "Session data, payload, outcomes, decisions.",
      }),
    },
    resolve: (_root, args, context) =>
      dryRunWorkflowDraft(context.app, context.actor, {
        draftId: String(args.draftId),
        input: dryRunInput(args.input),
      }),
  }),
}));
