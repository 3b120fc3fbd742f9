import {
  createInboundTrigger,
  type InboundTriggerWithSecret,
  inboundTriggerUrl,
  listInboundTriggers,
  revokeInboundTrigger,
  rotateInboundTriggerSecret,
} from "@flowgate/application";
import type { InboundTrigger } from "@flowgate/domain";
import { builder } from "../builder.ts";
import { recordErrors } from "./errors.ts";
import { WorkflowRef } from "./workflow.ts";
import {
  authorshipFields,
  runTriggerSourceField,
  triggeredWorkflowFields,
} from "./workflow-trigger-source.ts";

const InboundTriggerAuth = builder.enumType("InboundTriggerAuth", {
  description: "How the POSTs to an inbound trigger URL authenticate.",
  values: {
    SIGNATURE: {
      value: "signature",
      description:
        "A Standard Webhooks signature (`webhook-id`, `webhook-timestamp`, `webhook-signature` headers) made with the trigger's `whsec_…` secret.",
    },
    BEARER: {
      value: "bearer",
      description: "`Authorization: Bearer <token>` with the trigger's `fgh_…` token.",
    },
  } as const,
});

const InboundTriggerStatus = builder.enumType("InboundTriggerStatus", {
  description: "Whether an inbound trigger URL starts runs.",
  values: {
    active: { description: "POSTs to its URL start runs." },
    revoked: { description: "Its URL answers 404." },
  },
});

/** The GraphQL `InboundTrigger` type. */
export const InboundTriggerRef = builder.objectRef<InboundTrigger>("InboundTrigger");

builder.node(InboundTriggerRef, {
  description:
    "A URL (`POST /hooks/<token>`) that starts a run of a workspace workflow with the JSON body as its payload, checked against the workflow's payload schema. Its runs have `triggeredBy` = its id and `triggerSource: inbound_hook`. Its secret is shown only when it is created or rotated.",
  authScopes: { scope: "workflows:read" },
  id: { resolve: (trigger) => trigger.id },
  isTypeOf: (value) => typeof value === "object" && value !== null && "token" in value && "auth" in value,
  loadMany: async (ids, context) =>
    (await context.loaders.inboundTrigger.loadMany(ids)).map((s) =>
      s instanceof Error ? null : (s ?? null),
    ),
  fields: (t) => ({
    ...triggeredWorkflowFields(t),
    url: t.string({
      description: "Where senders POST (`<public URL>/hooks/<token>`); the URL alone authenticates nothing.",
      resolve: (trigger, _args, context) => inboundTriggerUrl(context.app, trigger),
    }),
    auth: t.field({
      type: InboundTriggerAuth,
      description: "How its POSTs authenticate.",
      resolve: (trigger) => trigger.auth,
    }),
    status: t.field({
      type: InboundTriggerStatus,
      description: "Whether its URL starts runs.",
      resolve: (trigger) => trigger.status,
    }),
    lastTriggeredAt: t.expose("lastTriggeredAt", {
      type: "DateTime",
      nullable: true,
      description: "When it last started a run.",
    }),
    revokedAt: t.expose("revokedAt", {
      type: "DateTime",
      nullable: true,
      description: "When it was revoked.",
    }),
    ...authorshipFields(t),
  }),
});

const InboundTriggerWithSecretRef = builder
  .objectRef<InboundTriggerWithSecret>("InboundTriggerWithSecret")
  .implement({
    description: "An inbound trigger with its URL and secret. Store the secret now: it is never shown again.",
    fields: (t) => ({
      trigger: t.field({
        type: InboundTriggerRef,
        description: "The trigger.",
        resolve: (created) => created.trigger,
      }),
      url: t.exposeString("url", { description: "Where senders POST." }),
      secret: t.exposeString("secret", {
        description:
          "`SIGNATURE`: the `whsec_…` signing secret (sign with e.g. the `standardwebhooks` package); `BEARER`: the `fgh_…` bearer token. Shown only in this answer (the secret is stored encrypted, the token only hashed).",
      }),
    }),
  });

runTriggerSourceField({
  name: "inboundTrigger",
  type: InboundTriggerRef,
  idPrefix: "hok_",
  description:
    "The inbound trigger that started it (`triggerSource: inbound_hook`), also once revoked; null for other runs. Needs `workflows:read`.",
  load: (context, id) => context.loaders.inboundTrigger.load(id),
});

const triggerIdArg = { description: "Inbound trigger id (`hok_…`)." };

builder.objectFields(WorkflowRef, (t) => ({
  inboundTriggers: t.field({
    type: [InboundTriggerRef],
    description: "The workflow's active inbound triggers, oldest first. Needs `workflows:read`.",
    authScopes: { scope: "workflows:read" },
    resolve: (workflow, _args, context) => context.loaders.inboundTriggersOfWorkflow.load(workflow.id),
  }),
}));

builder.queryFields((t) => ({
  inboundTrigger: t.field({
    type: InboundTriggerRef,
    nullable: true,
    description:
      "An inbound trigger of the caller's workspace and environment, or null. Needs `workflows:read`.",
    authScopes: { scope: "workflows:read" },
    args: { id: t.arg.id({ required: true, ...triggerIdArg }) },
    resolve: async (_root, { id }, context) =>
      (await context.loaders.inboundTrigger.load(String(id))) ?? null,
  }),
  inboundTriggers: t.field({
    type: [InboundTriggerRef],
    description:
      "The inbound triggers of the caller's workspace and environment (of one workflow, or all), oldest first. Needs `workflows:read`.",
    authScopes: { scope: "workflows:read" },
    args: {
      workflowId: t.arg.id({ required: false, description: "Only this workflow's triggers." }),
      includeRevoked: t.arg.boolean({
        required: false,
        description: "List revoked triggers too (default false).",
      }),
    },
    resolve: (_root, args, context) =>
      listInboundTriggers(context.app, context.actor, {
        workflowId: args.workflowId != null ? String(args.workflowId) : null,
        includeRevoked: args.includeRevoked,
      }),
  }),
}));

builder.mutationFields((t) => ({
  createInboundTrigger: t.field({
    type: InboundTriggerWithSecretRef,
    description:
      "Creates an inbound trigger URL of a workspace workflow; the secret (or bearer token) is in the answer only. Needs `workflows:write`.",
    authScopes: { scope: "workflows:write" },
    errors: { types: recordErrors },
    args: {
      workflowId: t.arg.id({ required: true, description: "The workflow to trigger (`wfl_…`)." }),
      auth: t.arg({ type: InboundTriggerAuth, required: true, description: "How its POSTs authenticate." }),
    },
    resolve: (_root, args, context) =>
      createInboundTrigger(context.app, context.actor, {
        workflowId: String(args.workflowId),
        auth: args.auth,
      }),
  }),
  rotateInboundTriggerSecret: t.field({
    type: InboundTriggerWithSecretRef,
    description:
      "Replaces an inbound trigger's secret (or bearer token); the new one is in the answer only and the old one stops working at once. The URL stays. Needs `workflows:write`.",
    authScopes: { scope: "workflows:write" },
    errors: { types: recordErrors },
    args: { id: t.arg.id({ required: true, ...triggerIdArg }) },
    resolve: (_root, args, context) =>
      rotateInboundTriggerSecret(context.app, context.actor, { id: String(args.id) }),
  }),
  revokeInboundTrigger: t.field({
    type: InboundTriggerRef,
    description: "Revokes an inbound trigger: its URL answers 404 from now on. Needs `workflows:write`.",
    authScopes: { scope: "workflows:write" },
    errors: { types: recordErrors },
    args: { id: t.arg.id({ required: true, ...triggerIdArg }) },
    resolve: (_root, args, context) =>
      revokeInboundTrigger(context.app, context.actor, { id: String(args.id) }),
  }),
}));
