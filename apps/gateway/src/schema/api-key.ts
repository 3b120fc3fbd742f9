import {
  type CreatedApiKey,
  createApiKey,
  listApiKeys,
  revokeApiKey,
  rotateApiKey,
  setApiKeyVersion,
} from "@flowgate/application";
import { type ApiKey, LiveKeyFromSandboxError, NotFoundError } from "@flowgate/domain";

import { builder } from "../builder.ts";
import type { GraphQLContext } from "../context.ts";
import { ErrorInterface, recordErrors } from "./errors.ts";
import { type ConnectionArgs, keysetConnection } from "./pagination.ts";
import { EnvironmentEnum, WorkspaceRef } from "./workspace.ts";

const ApiKeyStatus = builder.enumType("ApiKeyStatus", {
  description: "Whether a key works now.",
  values: {
    active: { description: "It authenticates requests." },
    revoked: { description: "It was revoked (or replaced by a rotation whose overlap ended)." },
    expired: { description: "Its expiry passed." },
  },
});

function statusOf(key: ApiKey, now = new Date()): "active" | "revoked" | "expired" {
  if (key.revokedAt && key.revokedAt <= now) return "revoked";
  if (key.expiresAt && key.expiresAt <= now) return "expired";
  return "active";
}

/** The GraphQL `ApiKey` type. */
export const ApiKeyRef = builder.objectRef<ApiKey>("ApiKey");

builder.node(ApiKeyRef, {
  description:
    "An API key of a workspace and environment. Its value is shown only when it is created or rotated; only its hash is stored.",
  authScopes: { scope: "admin" },
  id: { resolve: (key) => key.id },
  isTypeOf: (value) => typeof value === "object" && value !== null && "prefix" in value && "scopes" in value,
  loadMany: async (ids, context) =>
    (await context.loaders.apiKey.loadMany(ids)).map((k) => (k instanceof Error ? null : (k ?? null))),
  fields: (t) => ({
    name: t.exposeString("name", { description: "Display name." }),
    prefix: t.exposeString("prefix", {
      description: "The first 16 characters of the key, to recognise it (e.g. `fg_live_Ab3dE5gH`).",
    }),
    workspaceId: t.exposeID("workspaceId", { description: "The workspace it belongs to." }),
    workspace: t.field({
      type: WorkspaceRef,
      nullable: true,
      description: "The workspace it belongs to.",
      resolve: async (key, _args, context) => (await context.loaders.workspace.load(key.workspaceId)) ?? null,
    }),
    environment: t.field({
      type: EnvironmentEnum,
      description: "The environment it acts in.",
      resolve: (key) => key.environment,
    }),
    scopes: t.exposeStringList("scopes", {
      description: "What it may do (`workflows:read`, `workflows:trigger`, …, `admin`).",
    }),
    status: t.field({
      type: ApiKeyStatus,
      description: "Whether it works now.",
      resolve: (key) => statusOf(key),
    }),
    expiresAt: t.expose("expiresAt", { type: "DateTime", nullable: true, description: "When it expires." }),
    revokedAt: t.expose("revokedAt", {
      type: "DateTime",
      nullable: true,
      description: "When it was (or, after a rotation with overlap, will be) revoked.",
    }),
    lastUsedAt: t.expose("lastUsedAt", {
      type: "DateTime",
      nullable: true,
      description: "When it was last used.",
    }),
    apiVersion: t.exposeString("apiVersion", {
      description:
        "The dated REST API version the key is pinned to (the current one when it was created); a request's `Verifa-Version` header overrides it. See docs/api-versions.md.",
    }),
    createdAt: t.expose("createdAt", { type: "DateTime", description: "When it was created." }),
  }),
});

const CreatedApiKeyRef = builder.objectRef<CreatedApiKey>("CreatedApiKey").implement({
  description: "A new key. `key` is its value: store it now, it is never shown again.",
  fields: (t) => ({
    key: t.exposeString("key", {
      description: "The key's value (`fg_live_…` / `fg_sandbox_…`), shown only in this answer.",
    }),
    apiKey: t.field({
      type: ApiKeyRef,
      description: "The stored key.",
      resolve: (created) => created.apiKey,
    }),
  }),
});

/** Keys of a workspace of the caller's organization, as a connection; another organization's is "not found". */
async function apiKeyConnection(
  context: GraphQLContext,
  workspaceId: string,
  args: ConnectionArgs & { environment?: "live" | "sandbox" | null; includeInactive?: boolean | null },
) {
  return keysetConnection(args, (page) =>
    listApiKeys(
      context.app,
      context.actor,
      {
        workspaceId,
        environment: args.environment ?? undefined,
        includeInactive: args.includeInactive ?? false,
      },
      page,
    ),
  );
}

builder.objectFields(WorkspaceRef, (t) => ({
  apiKeys: t.connection({
    type: ApiKeyRef,
    description: "The workspace's API keys, newest first (never their values).",
    args: {
      environment: t.arg({
        type: EnvironmentEnum,
        required: false,
        description: "Only this environment's keys.",
      }),
      includeInactive: t.arg.boolean({
        required: false,
        description: "Include revoked and expired keys (default false).",
      }),
    },
    resolve: (workspace, args, context) => apiKeyConnection(context, workspace.id, args),
  }),
}));

builder.queryFields((t) => ({
  apiKeys: t.connection({
    type: ApiKeyRef,
    description:
      "The API keys of a workspace of the caller's organization, newest first; their values are never shown again. Needs the `admin` scope.",
    authScopes: { scope: "admin" },
    args: {
      workspaceId: t.arg.id({ required: true, description: "Workspace id (`ws_…`)." }),
      environment: t.arg({
        type: EnvironmentEnum,
        required: false,
        description: "Only this environment's keys.",
      }),
      includeInactive: t.arg.boolean({
        required: false,
        description: "Include revoked and expired keys (default false).",
      }),
    },
    resolve: async (_root, args, context) => {
      try {
        return await apiKeyConnection(context, String(args.workspaceId), args);
      } catch (error) {
        // A workspace of another organization has no keys the caller can see.
        if (error instanceof NotFoundError) return keysetConnection(args, async () => []);
        throw error;
      }
    },
  }),
}));

builder.objectType(LiveKeyFromSandboxError, {
  name: "LiveKeyFromSandboxError",
  description:
    "A sandbox key asked to create or rotate a live key, which only a live key with the `admin` scope may do. Nothing was changed.",
  interfaces: [ErrorInterface],
  isTypeOf: (value) => value instanceof LiveKeyFromSandboxError,
  fields: (t) => ({
    operation: t.exposeString("operation", { description: "What was refused: `create` or `rotate`." }),
  }),
});

/** The expected failures of creating or rotating a key. */
const keyIssueErrors = [...recordErrors, LiveKeyFromSandboxError];

builder.mutationFields((t) => ({
  createApiKey: t.field({
    type: CreatedApiKeyRef,
    description:
      "Creates an API key for a workspace of the caller's organization. The value is in the answer only; store it. Needs the `admin` scope; a live key needs a live caller (LiveKeyFromSandboxError).",
    authScopes: { scope: "admin" },
    errors: { types: keyIssueErrors },
    args: {
      workspaceId: t.arg.id({ required: true, description: "Workspace id (`ws_…`)." }),
      environment: t.arg({
        type: EnvironmentEnum,
        required: true,
        description: "The environment it acts in.",
      }),
      name: t.arg.string({ required: true, description: "Display name (1–100 characters)." }),
      scopes: t.arg.stringList({
        required: true,
        description:
          "What it may do: workflows:read, workflows:write, workflows:trigger, sessions:read, sessions:write, responses:write, credits:read, entities:read, entities:write, admin.",
      }),
      expiresAt: t.arg({ type: "DateTime", required: false, description: "When it stops working (future)." }),
    },
    resolve: (_root, args, context) =>
      createApiKey(context.app, context.actor, {
        workspaceId: String(args.workspaceId),
        environment: args.environment,
        name: args.name,
        scopes: args.scopes,
        expiresAt: args.expiresAt ?? null,
      }),
  }),
  setApiKeyVersion: t.field({
    type: ApiKeyRef,
    description:
      "Pins a key of the caller's organization to a dated REST API version (`2025-11-01`, `2026-02-01`, `2026-12-01`); REST requests with it and without `Verifa-Version` are served in that version. Needs the `admin` scope.",
    authScopes: { scope: "admin" },
    errors: { types: recordErrors },
    args: {
      id: t.arg.id({ required: true, description: "API key id (`key_…`)." }),
      apiVersion: t.arg.string({ required: true, description: "A version date, e.g. `2026-02-01`." }),
    },
    resolve: (_root, args, context) =>
      setApiKeyVersion(context.app, context.actor, { id: String(args.id), apiVersion: args.apiVersion }),
  }),
  revokeApiKey: t.field({
    type: ApiKeyRef,
    description:
      "Revokes a key of the caller's organization at once; it is refused from then on. Needs the `admin` scope.",
    authScopes: { scope: "admin" },
    errors: { types: recordErrors },
    args: { id: t.arg.id({ required: true, description: "API key id (`key_…`)." }) },
    resolve: (_root, args, context) => revokeApiKey(context.app, context.actor, { id: String(args.id) }),
  }),
  rotateApiKey: t.field({
    type: CreatedApiKeyRef,
    description:
      "Replaces a key with a new one (same workspace, environment, name and scopes) and revokes the old one, at once or after `graceSeconds`. The new value is in the answer only. Needs the `admin` scope; a live key needs a live caller (LiveKeyFromSandboxError).",
    authScopes: { scope: "admin" },
    errors: { types: keyIssueErrors },
    args: {
      id: t.arg.id({ required: true, description: "API key id (`key_…`)." }),
      expiresAt: t.arg({
        type: "DateTime",
        required: false,
        description: "Expiry of the new key (default: the old key's).",
      }),
      graceSeconds: t.arg.int({
        required: false,
        description: "How long the old key keeps working, 0–604800 seconds (default 0).",
      }),
    },
    resolve: (_root, args, context) =>
      rotateApiKey(context.app, context.actor, {
        id: String(args.id),
        ...(args.expiresAt !== undefined ? { expiresAt: args.expiresAt } : {}),
        graceSeconds: args.graceSeconds ?? 0,
      }),
  }),
}));
