import { listWebhookDeliveriesOf, redeliverWebhook, sendTestWebhook } from "@flowgate/application";
import type { WebhookDelivery } from "@flowgate/domain";
import { builder } from "../builder.ts";
import { recordErrors } from "./errors.ts";
import { keysetConnection } from "./pagination.ts";
import { SessionRef } from "./session.ts";
import { WebhookAttemptRef } from "./webhook-attempt.ts";
import { WebhookEndpointRef } from "./webhook-endpoint.ts";

const WebhookDeliveryStatus = builder.enumType("WebhookDeliveryStatus", {
  description: "Where a delivery stands.",
  values: {
    pending: { description: "Not delivered yet: its next attempt is scheduled." },
    succeeded: { description: "The receiver answered 2xx." },
    failed: { description: "Every attempt failed, or its endpoint was disabled or deleted first." },
  },
});

/** The GraphQL `WebhookDelivery` type. */
export const WebhookDeliveryRef = builder.objectRef<WebhookDelivery>("WebhookDelivery");

builder.node(WebhookDeliveryRef, {
  description: "One event sent to one endpoint, with its attempts.",
  authScopes: { scope: "webhooks:read" },
  id: { resolve: (delivery) => delivery.id },
  isTypeOf: (value) =>
    typeof value === "object" && value !== null && "eventId" in value && "attemptCount" in value,
  loadMany: async (ids, context) =>
    (await context.loaders.webhookDelivery.loadMany(ids)).map((d) =>
      d instanceof Error ? null : (d ?? null),
    ),
  fields: (t) => ({
    eventId: t.exposeString("eventId", {
      description:
        "The event's id (`msg_…`), sent as the `webhook-id` header on every attempt: deduplicate by it.",
    }),
    eventType: t.exposeString("eventType", { description: "The event type, e.g. `session.completed`." }),
    payload: t.field({
      type: "JSONObject",
      description: "The JSON body delivered (signed as sent).",
      resolve: (delivery) => delivery.payload,
    }),
    endpoint: t.field({
      type: WebhookEndpointRef,
      nullable: true,
      description: "The endpoint it is sent to.",
      resolve: async (delivery, _args, context) =>
        (await context.loaders.webhookEndpoint.load(delivery.endpointId)) ?? null,
    }),
    sessionId: t.exposeID("sessionId", {
      nullable: true,
      description: "The session the event is about, if any.",
    }),
    status: t.field({
      type: WebhookDeliveryStatus,
      description: "Where it stands.",
      resolve: (delivery) => delivery.status,
    }),
    attemptCount: t.exposeInt("attemptCount", { description: "Attempts made so far." }),
    nextAttemptAt: t.expose("nextAttemptAt", {
      type: "DateTime",
      nullable: true,
      description: "When the next attempt is due, while it is pending.",
    }),
    lastStatusCode: t.exposeInt("lastStatusCode", {
      nullable: true,
      description: "The HTTP status of the last attempt.",
    }),
    deliveredAt: t.expose("deliveredAt", {
      type: "DateTime",
      nullable: true,
      description: "When the receiver answered 2xx.",
    }),
    createdAt: t.expose("createdAt", {
      type: "DateTime",
      description: "When the event was recorded for it.",
    }),
    attempts: t.field({
      type: [WebhookAttemptRef],
      description: "Its attempts, oldest first.",
      resolve: (delivery, _args, context) => context.loaders.webhookAttempts.load(delivery.id),
    }),
  }),
});

builder.objectFields(WebhookEndpointRef, (t) => ({
  deliveries: t.connection({
    type: WebhookDeliveryRef,
    description: "Deliveries to this endpoint, newest first.",
    resolve: (endpoint, args, context) =>
      keysetConnection(args, (page) =>
        listWebhookDeliveriesOf(context.app, context.actor, { endpointId: endpoint.id }, page),
      ),
  }),
}));

builder.objectFields(SessionRef, (t) => ({
  webhookDeliveries: t.connection({
    type: WebhookDeliveryRef,
    description: "Webhook deliveries of events about this session, newest first. Needs `webhooks:read`.",
    authScopes: { scope: "webhooks:read" },
    resolve: (session, args, context) =>
      keysetConnection(args, (page) =>
        listWebhookDeliveriesOf(context.app, context.actor, { sessionId: session.id }, page),
      ),
  }),
}));

builder.mutationFields((t) => ({
  redeliverWebhook: t.field({
    type: WebhookDeliveryRef,
    description:
      "Sends a delivery's event again to its endpoint as a new delivery with the same `webhook-id`. Needs `webhooks:write`.",
    authScopes: { scope: "webhooks:write" },
    errors: { types: recordErrors },
    args: { deliveryId: t.arg.id({ required: true, description: "Delivery id (`whd_…`)." }) },
    resolve: (_root, args, context) =>
      redeliverWebhook(context.app, context.actor, { deliveryId: String(args.deliveryId) }),
  }),
  sendTestWebhook: t.field({
    type: WebhookDeliveryRef,
    description: "Sends a `ping` event to an endpoint, whatever it subscribed to. Needs `webhooks:write`.",
    authScopes: { scope: "webhooks:write" },
    errors: { types: recordErrors },
    args: { endpointId: t.arg.id({ required: true, description: "Endpoint id (`whe_…`)." }) },
    resolve: (_root, args, context) =>
      sendTestWebhook(context.app, context.actor, { endpointId: String(args.endpointId) }),
  }),
}));
