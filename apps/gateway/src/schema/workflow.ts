import {
  activateWorkflow,
  cloneWorkflow,
  createWorkflow,
  deactivateWorkflow,
  listWorkflows,
  setDefaultWorkflow,
  updateWorkflow,
} from "@flowgate/application";
import type { Workflow } from "@flowgate/domain";
import { builder } from "../builder.ts";
import { recordErrors } from "./errors.ts";
import { keysetConnection } from "./pagination.ts";

const WorkflowStatus = builder.enumType("WorkflowStatus", {
  description: "Whether new runs may start on a workflow.",
  values: {
    active: { description: "New runs may start." },
    inactive: { description: "No new runs start; runs in flight finish." },
  },
});

/** The GraphQL `Workflow` type. */
export const WorkflowRef = builder.objectRef<Workflow>("Workflow");

builder.node(WorkflowRef, {
  description: "A workflow: a named graph of verification steps with immutable, numbered versions.",
  authScopes: { scope: "workflows:read" },
  id: { resolve: (workflow) => workflow.id },
  isTypeOf: (value) => typeof value === "object" && value !== null && "currentVersion" in value,
  loadMany: async (ids, context) =>
    (await context.loaders.workflow.loadMany(ids)).map((w) => (w instanceof Error ? null : (w ?? null))),
  fields: (t) => ({
    name: t.exposeString("name", { description: "Display name." }),
    description: t.exposeString("description", { nullable: true, description: "Longer description." }),
    metadata: t.expose("metadata", {
      type: "JSONObject",
      description: "Free-form metadata of the caller's.",
    }),
    status: t.field({ type: WorkflowStatus, resolve: (w) => w.status, description: "Active or inactive." }),
    isDefault: t.exposeBoolean("isDefault", {
      description:
        "Whether sessions without a workflow run this one (one default per workspace and environment).",
    }),
    currentVersion: t.exposeInt("currentVersion", {
      description:
        "The latest published version; new runs start on it unless a rollout map splits them or they pin a version.",
    }),
    graph: t.field({
      type: "JSON",
      description: "The graph of the current version, as written (see the graph format in the README).",
      resolve: async (workflow, _args, context) => {
        const versions = await context.loaders.workflowVersions.load(workflow.id);
        return versions.find((version) => version.version === workflow.currentVersion)?.graph ?? null;
      },
    }),
    createdAt: t.expose("createdAt", { type: "DateTime", description: "When it was created." }),
    updatedAt: t.expose("updatedAt", { type: "DateTime", description: "When it last changed." }),
  }),
});

builder.queryFields((t) => ({
  workflow: t.field({
    type: WorkflowRef,
    nullable: true,
    description: "A workflow of the caller's workspace and environment, or null.",
    authScopes: { scope: "workflows:read" },
    args: { id: t.arg.id({ required: true, description: "Workflow id (`wfl_…`)." }) },
    resolve: async (_root, { id }, context) => (await context.loaders.workflow.load(String(id))) ?? null,
  }),
  workflows: t.connection({
    type: WorkflowRef,
    description: "The workflows of the caller's workspace and environment, newest first.",
    authScopes: { scope: "workflows:read" },
    args: {
      status: t.arg({
        type: WorkflowStatus,
        required: false,
        description: "Only workflows with this status.",
      }),
      isDefault: t.arg.boolean({
        required: false,
        description: "Only the default (true) or the others (false).",
      }),
    },
    resolve: (_root, args, context) =>
      keysetConnection(args, (page) =>
        listWorkflows(context.app, context.actor, {
          ...page,
          status: args.status ?? undefined,
          isDefault: args.isDefault ?? undefined,
        }),
      ),
  }),
}));

builder.mutationFields((t) => ({
  createWorkflow: t.field({
    type: WorkflowRef,
    description:
      "Creates a workflow and publishes its graph as version 1. An invalid graph is a ValidationError naming the node.",
    authScopes: { scope: "workflows:write" },
    errors: { types: recordErrors },
    args: {
      name: t.arg.string({ required: true, description: "Display name (1–200 characters)." }),
      description: t.arg.string({ required: false, description: "Longer description." }),
      metadata: t.arg({ type: "JSONObject", required: false, description: "Free-form metadata." }),
      graph: t.arg({ type: "JSON", required: true, description: "The workflow graph (entry and nodes)." }),
      isDefault: t.arg.boolean({ required: false, description: "Make it the default workflow." }),
    },
    resolve: (_root, args, context) =>
      createWorkflow(context.app, context.actor, { ...args, graph: args.graph }),
  }),
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
}));
