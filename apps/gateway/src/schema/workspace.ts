import { createWorkspace, listWorkspaces, taskCostThisMonth, updateWorkspace } from "@flowgate/application";
import { environments, type Workspace, type WorkspaceSettings } from "@flowgate/domain";

import { builder } from "../builder.ts";
import { recordErrors } from "./errors.ts";
import { keysetConnection } from "./pagination.ts";

/** The GraphQL `Environment` enum: `live` or `sandbox`. */
export const EnvironmentEnum = builder.enumType("Environment", {
  description: "Where data and keys live: `live` for real traffic, `sandbox` for tests. They never mix.",
  values: environments,
});

const WorkspaceSettingsRef = builder.objectRef<WorkspaceSettings>("WorkspaceSettings").implement({
  description: "A workspace's settings (defaults applied).",
  fields: (t) => ({
    defaultLinkExpiryHours: t.exposeInt("defaultLinkExpiryHours", {
      description: "Expiry of magic links when a send does not give one, in hours (1–168, default 48).",
    }),
    allowPrivateTaskUrls: t.exposeBoolean("allowPrivateTaskUrls", {
      description:
        "Whether http tasks may call loopback, private, link-local and other non-public addresses (default false).",
    }),
    monthlyBudgetCents: t.exposeInt("monthlyBudgetCents", {
      nullable: true,
      description:
        "Most the workspace's tasks may cost per calendar month (UTC), in cents, both environments together; null for no budget. A run that would exceed it fails before the costly task.",
    }),
  }),
});

/** Settings to change; absent fields stay as they are. */
export const WorkspaceSettingsInput = builder.inputType("WorkspaceSettingsInput", {
  description: "Settings to change; fields left out keep their value.",
  fields: (t) => ({
    defaultLinkExpiryHours: t.int({
      required: false,
      description: "Expiry of magic links when a send does not give one, in hours (1–168).",
    }),
    allowPrivateTaskUrls: t.boolean({
      required: false,
      description: "Let http tasks call non-public addresses (loopback, private networks, link-local).",
    }),
    monthlyBudgetCents: t.int({
      required: false,
      description: "Monthly task budget in cents (0–2000000000); `null` removes the budget.",
    }),
  }),
});

/** The GraphQL `Workspace` type. */
export const WorkspaceRef = builder.objectRef<Workspace>("Workspace");

builder.node(WorkspaceRef, {
  description:
    "A workspace of the organization: it owns workflows, sessions, runs and API keys. Visible to keys with the `admin` scope of the same organization.",
  authScopes: { scope: "admin" },
  id: { resolve: (workspace) => workspace.id },
  isTypeOf: (value) =>
    typeof value === "object" && value !== null && "organizationId" in value && "settings" in value,
  loadMany: async (ids, context) =>
    (await context.loaders.workspace.loadMany(ids)).map((w) => (w instanceof Error ? null : (w ?? null))),
  fields: (t) => ({
    name: t.exposeString("name", { description: "Display name." }),
    organizationId: t.exposeID("organizationId", { description: "The organization it belongs to." }),
    settings: t.field({
      type: WorkspaceSettingsRef,
      description: "Its settings.",
      resolve: (workspace) => workspace.settings,
    }),
    costThisMonth: t.int({
      description:
        "What its tasks cost this calendar month (UTC) so far, in cents, from the ledger of node costs (both environments unless one is given).",
      args: {
        environment: t.arg({
          type: EnvironmentEnum,
          required: false,
          description: "Count only this environment's costs.",
        }),
      },
      resolve: (workspace, args, context) =>
        taskCostThisMonth(context.app, context.actor, {
          workspaceId: workspace.id,
          environment: args.environment ?? null,
        }),
    }),
    createdAt: t.expose("createdAt", { type: "DateTime", description: "When it was created." }),
  }),
});

builder.queryFields((t) => ({
  workspace: t.field({
    type: WorkspaceRef,
    nullable: true,
    description: "A workspace of the caller's organization, or null. Needs the `admin` scope.",
    authScopes: { scope: "admin" },
    args: { id: t.arg.id({ required: true, description: "Workspace id (`ws_…`)." }) },
    resolve: async (_root, { id }, context) => (await context.loaders.workspace.load(String(id))) ?? null,
  }),
  workspaces: t.connection({
    type: WorkspaceRef,
    description: "The workspaces of the caller's organization, newest first. Needs the `admin` scope.",
    authScopes: { scope: "admin" },
    resolve: (_root, args, context) =>
      keysetConnection(args, (page) => listWorkspaces(context.app, context.actor, page)),
  }),
}));

builder.mutationFields((t) => ({
  createWorkspace: t.field({
    type: WorkspaceRef,
    description:
      "Creates a workspace in the caller's organization; create its keys with `createApiKey`. Needs the `admin` scope.",
    authScopes: { scope: "admin" },
    errors: { types: recordErrors },
    args: {
      name: t.arg.string({ required: true, description: "Display name (1–200 characters)." }),
      settings: t.arg({
        type: WorkspaceSettingsInput,
        required: false,
        description: "Settings (defaults for those left out).",
      }),
    },
    resolve: (_root, args, context) =>
      createWorkspace(context.app, context.actor, { name: args.name, settings: args.settings ?? null }),
  }),
  updateWorkspace: t.field({
    type: WorkspaceRef,
    description:
      "Renames a workspace of the caller's organization and/or changes its settings (only those given). Needs the `admin` scope.",
    authScopes: { scope: "admin" },
    errors: { types: recordErrors },
    args: {
      id: t.arg.id({ required: true, description: "Workspace id (`ws_…`)." }),
      name: t.arg.string({ required: false, description: "New display name (1–200 characters)." }),
      settings: t.arg({
        type: WorkspaceSettingsInput,
        required: false,
        description: "Settings to change.",
      }),
    },
    resolve: (_root, args, context) =>
      updateWorkspace(context.app, context.actor, {
        id: String(args.id),
        name: args.name ?? null,
        settings: args.settings ?? null,
      }),
  }),
}));
