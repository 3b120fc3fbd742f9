import { getViewer, type Viewer } from "@flowgate/application";
import type { ApiKey, Workspace } from "@flowgate/domain";
import { builder } from "../builder.ts";
import { EnvironmentEnum } from "./workspace.ts";

const ViewerApiKeyRef = builder.objectRef<ApiKey>("ViewerApiKey").implement({
  description:
    "The API key that made the request, as any key may see itself (never its value; `apiKeys` with the `admin` scope lists the others).",
  fields: (t) => ({
    id: t.exposeID("id", { description: "Its id (`key_…`)." }),
    name: t.exposeString("name", { description: "Display name." }),
    prefix: t.exposeString("prefix", {
      description: "The first 16 characters of the key, to recognise it (e.g. `fg_live_Ab3dE5gH`).",
    }),
    scopes: t.exposeStringList("scopes", {
      description: "What it may do (`workflows:read`, `workflows:trigger`, …, `admin`).",
    }),
    environment: t.field({
      type: EnvironmentEnum,
      description: "The environment it acts in.",
      resolve: (key) => key.environment,
    }),
    expiresAt: t.expose("expiresAt", { type: "DateTime", nullable: true, description: "When it expires." }),
    createdAt: t.expose("createdAt", { type: "DateTime", description: "When it was created." }),
  }),
});

const ViewerWorkspaceRef = builder.objectRef<Workspace>("ViewerWorkspace").implement({
  description: "The workspace the calling key acts in.",
  fields: (t) => ({
    id: t.exposeID("id", {
      description: "Workspace id (`ws_…`): the `workspaceId` of `triggerWorkspaceWorkflow`.",
    }),
    name: t.exposeString("name", { description: "Display name." }),
    organizationId: t.exposeID("organizationId", { description: "The organization it belongs to." }),
  }),
});

const ViewerRef = builder.objectRef<Viewer>("Viewer").implement({
  description: "Who is calling: the request's API key, the workspace and the environment it acts in.",
  fields: (t) => ({
    apiKey: t.field({ type: ViewerApiKeyRef, resolve: (v) => v.apiKey, description: "The calling key." }),
    workspace: t.field({
      type: ViewerWorkspaceRef,
      resolve: (v) => v.workspace,
      description: "The workspace the key acts in.",
    }),
    environment: t.field({
      type: EnvironmentEnum,
      resolve: (v) => v.environment,
      description: "The environment the key acts in (`live` or `sandbox`).",
    }),
  }),
});

builder.queryFields((t) => ({
  viewer: t.field({
    type: ViewerRef,
    description:
      "The caller: its API key, workspace and environment. Any valid key may read it; no scope is needed.",
    resolve: (_root, _args, context) => getViewer(context.app, context.actor),
  }),
}));
