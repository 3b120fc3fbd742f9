import {
  createWorkflowDraft,
  discardWorkflowDraft,
  listWorkflowDrafts,
  type PublishedDraft,
  publishWorkflowDraft,
  updateWorkflowDraft,
} from "@flowgate/application";
import type { ValidationIssue, WorkflowDraft } from "@flowgate/domain";
import { builder } from "../builder.ts";
import { recordErrors } from "./errors.ts";
import { keysetConnection } from "./pagination.ts";
import { WorkflowRef } from "./workflow.ts";
import { WorkflowVersionRef } from "./workflow-version.ts";

const WorkflowDraftStatus = builder.enumType("WorkflowDraftStatus", {
  description: "Life of a workflow draft.",
  values: {
    open: { description: "Editable; at most one per workflow." },
    published: { description: "Published as a version; read-only." },
    discarded: { description: "Discarded without publishing; read-only." },
  },
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

builder.objectFields(WorkflowRef, (t) => ({
  draft: t.field({
    type: WorkflowDraftRef,
    nullable: true,
    description: "The open draft, if there is one.",
    resolve: async (workflow, _args, context) =>
      (await context.loaders.openWorkflowDraft.load(workflow.id)) ?? null,
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
}));

builder.mutationFields((t) => ({
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
}));
