import {
  createWebhookEndpoint,
  deleteWebhookEndpoint,
  disableWebhookEndpoint,
  enableWebhookEndpoint,
  listWebhookEndpoints,
  rotateWebhookSecret,
  updateWebhookEndpoint,
  type WebhookEndpointWithSecret,
} from "@flowgate/application";
import type { WebhookEndpoint } from "@flowgate/domain";
import { builder } from "../builder.ts";
import { recordErrors } from "./errors.ts";
import { keysetConnection } from "./pagination.ts";
import { EnvironmentEnum } from "./workspace.ts";

const WebhookEndpointStatus = builder.enumType("WebhookEndpointStatus", {
  description: "Whether an endpoint receives events.",
  values: {
    enabled: { description: "Events it subscribed to are delivered to it." },
    disabled: {
      description:
        "Nothing is delivered to it: disabled by a caller, or after too many consecutive failures.",
    },
  },
});

/** The GraphQL `WebhookEndpoint` type. */
export const WebhookEndpointRef = builder.objectRef<WebhookEndpoint>("WebhookEndpoint");

builder.node(WebhookEndpointRef, {
  description:
    "A URL of the workspace's that receives signed webhook events (Standard Webhooks). Its signing secret is shown only when it is created or rotated.",
  authScopes: { scope: "webhooks:read" },
  id: { resolve: (endpoint) => endpoint.id },
  isTypeOf: (value) =>
    typeof value === "object" && value !== null && "consecutiveFailures" in value && "events" in value,
  loadMany: async (ids, context) =>
    (await context.loaders.webhookEndpoint.loadMany(ids)).map((e) =>
      e instanceof Error ? null : (e ?? null),
    ),
  fields: (t) => ({
    url: t.exposeString("url", { description: "Where events are POSTed." }),
    description: t.exposeString("description", { nullable: true, description: "What it is for." }),
    events: t.exposeStringList("events", {
      description: 'The event types it receives, or `["*"]` for every type (see docs/webhooks.md).',
    }),
    environment: t.field({
      type: EnvironmentEnum,
      description: "The environment whose events it receives.",
      resolve: (endpoint) => endpoint.environment,
    }),
    status: t.field({
      type: WebhookEndpointStatus,
      description: "Whether it receives events.",
      resolve: (endpoint) => endpoint.status,
    }),
    disabledReason: t.exposeString("disabledReason", {
      nullable: true,
      description: "Why it was disabled, while it is.",
    }),
    disabledAt: t.expose("disabledAt", {
      type: "DateTime",
      nullable: true,
      description: "When it was disabled, while it is.",
    }),
    consecutiveFailures: t.exposeInt("consecutiveFailures", {
      description: "Failed attempts in a row (reset by a success or by enabling it).",
    }),
    previousSecretExpiresAt: t.expose("previousSecretExpiresAt", {
      type: "DateTime",
      nullable: true,
      description: "Until when the previous secret still signs deliveries (a rotation's overlap).",
    }),
    createdAt: t.expose("createdAt", { type: "DateTime", description: "When it was created." }),
    updatedAt: t.expose("updatedAt", { type: "DateTime", description: "When it last changed." }),
  }),
});

const WebhookEndpointWithSecretRef = builder
  .objectRef<WebhookEndpointWithSecret>("WebhookEndpointWithSecret")
  .implement({
    description: "An endpoint with its signing secret. Store the secret now: it is never shown again.",
    fields: (t) => ({
      endpoint: t.field({
        type: WebhookEndpointRef,
        description: "The endpoint.",
        resolve: (created) => created.endpoint,
      }),
      secret: t.exposeString("secret", {
        description:
          "The signing secret (`whsec_…`), shown only in this answer; verify signatures with it (e.g. the `standardwebhooks` package).",
      }),
    }),
  });

const eventsDescription =
  'Event types to receive (e.g. `session.completed`), or `["*"]` for every type; see docs/webhooks.md for the catalogue.';

builder.queryFields((t) => ({
  webhookEndpoint: t.field({
    type: WebhookEndpointRef,
    nullable: true,
    description:
      "A webhook endpoint of the caller's workspace and environment, or null. Needs `webhooks:read`.",
    authScopes: { scope: "webhooks:read" },
    args: { id: t.arg.id({ required: true, description: "Endpoint id (`whe_…`)." }) },
    resolve: async (_root, { id }, context) =>
      (await context.loaders.webhookEndpoint.load(String(id))) ?? null,
  }),
  webhookEndpoints: t.connection({
    type: WebhookEndpointRef,
    description:
      "The webhook endpoints of the caller's workspace and environment, newest first. Needs `webhooks:read`.",
    authScopes: { scope: "webhooks:read" },
    resolve: (_root, args, context) =>
      keysetConnection(args, (page) => listWebhookEndpoints(context.app, context.actor, page)),
  }),
}));

builder.mutationFields((t) => ({
  createWebhookEndpoint: t.field({
    type: WebhookEndpointWithSecretRef,
    description:
      "Creates a webhook endpoint in the caller's workspace and environment. The signing secret is in the answer only. A URL pointing to a non-public address is refused unless the workspace sets `allowPrivateTaskUrls`. Needs `webhooks:write`.",
    authScopes: { scope: "webhooks:write" },
    errors: { types: recordErrors },
    args: {
      url: t.arg.string({ required: true, description: "An http(s) URL that receives POSTs." }),
      events: t.arg.stringList({ required: true, description: eventsDescription }),
      description: t.arg.string({ required: false, description: "What it is for (at most 500 characters)." }),
    },
    resolve: (_root, args, context) =>
      createWebhookEndpoint(context.app, context.actor, {
        url: args.url,
        events: args.events,
        description: args.description ?? null,
      }),
  }),
  updateWebhookEndpoint: t.field({
    type: WebhookEndpointRef,
    description:
      "Changes an endpoint's URL, events or description; absent arguments stay as they are. Needs `webhooks:write`.",
    authScopes: { scope: "webhooks:write" },
    errors: { types: recordErrors },
    args: {
      id: t.arg.id({ required: true, description: "Endpoint id (`whe_…`)." }),
      url: t.arg.string({ required: false, description: "A new http(s) URL." }),
      events: t.arg.stringList({ required: false, description: eventsDescription }),
      description: t.arg.string({ required: false, description: "A new description (null clears it)." }),
    },
    resolve: (_root, args, context) =>
      updateWebhookEndpoint(context.app, context.actor, {
        id: String(args.id),
        url: args.url,
        events: args.events,
        ...(args.description !== undefined ? { description: args.description } : {}),
      }),
  }),
  disableWebhookEndpoint: t.field({
    type: WebhookEndpointRef,
    description: "Stops deliveries to an endpoint until it is enabled again. Needs `webhooks:write`.",
    authScopes: { scope: "webhooks:write" },
    errors: { types: recordErrors },
    args: { id: t.arg.id({ required: true, description: "Endpoint id (`whe_…`)." }) },
    resolve: (_root, args, context) =>
      disableWebhookEndpoint(context.app, context.actor, { id: String(args.id) }),
  }),
  enableWebhookEndpoint: t.field({
    type: WebhookEndpointRef,
    description:
      "Enables an endpoint (also one disabled after failures) and resets its failure count. Needs `webhooks:write`.",
    authScopes: { scope: "webhooks:write" },
    errors: { types: recordErrors },
    args: { id: t.arg.id({ required: true, description: "Endpoint id (`whe_…`)." }) },
    resolve: (_root, args, context) =>
      enableWebhookEndpoint(context.app, context.actor, { id: String(args.id) }),
  }),
  deleteWebhookEndpoint: t.field({
    type: WebhookEndpointRef,
    description:
      "Deletes an endpoint with its deliveries; answers the endpoint as it was. Needs `webhooks:write`.",
    authScopes: { scope: "webhooks:write" },
    errors: { types: recordErrors },
    args: { id: t.arg.id({ required: true, description: "Endpoint id (`whe_…`)." }) },
    resolve: (_root, args, context) =>
      deleteWebhookEndpoint(context.app, context.actor, { id: String(args.id) }),
  }),
  rotateWebhookSecret: t.field({
    type: WebhookEndpointWithSecretRef,
    description:
      "Replaces an endpoint's signing secret; the new one is in the answer only. During `overlapSeconds` deliveries carry signatures by both secrets. Needs `webhooks:write`.",
    authScopes: { scope: "webhooks:write" },
    errors: { types: recordErrors },
    args: {
      endpointId: t.arg.id({ required: true, description: "Endpoint id (`whe_…`)." }),
      overlapSeconds: t.arg.int({
        required: false,
        description: "How long the previous secret keeps signing too, 0–604800 seconds (default 0).",
      }),
    },
    resolve: (_root, args, context) =>
      rotateWebhookSecret(context.app, context.actor, {
        endpointId: String(args.endpointId),
        overlapSeconds: args.overlapSeconds ?? 0,
      }),
  }),
}));
