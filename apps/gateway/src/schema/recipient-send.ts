import { revokeRecipientSend } from "@flowgate/application";
import { linkState, type RecipientSend, type RecipientStepState, recipientSteps } from "@flowgate/domain";
import { builder } from "../builder.ts";
import { EntityRef, ResponseRef } from "./entity.ts";
import { recordErrors } from "./errors.ts";
import { SessionRef } from "./session.ts";

export const WorkflowStepEnum = builder.enumType("WorkflowStep", {
  subGraphs: ["Api", "Recipient"],
  description:
    "A step of a workflow session: `ddq` (answer the questionnaire) or `verification` (verify identity).",
  values: recipientSteps,
});

const LinkStatusEnum = builder.enumType("LinkStatus", {
  description: "Whether a magic link can be used now.",
  values: ["active", "expired", "revoked"] as const,
});

export const WorkflowStepStateRef = builder.objectRef<RecipientStepState>("WorkflowStepState").implement({
  subGraphs: ["Api", "Recipient"],
  description: "A step of a workflow session and whether the recipient did it.",
  fields: (t) => ({
    kind: t.field({ type: WorkflowStepEnum, resolve: (s) => s.kind, description: "The step." }),
    status: t.exposeString("status", { description: "`pending` or `completed`." }),
    completedAt: t.field({
      type: "DateTime",
      nullable: true,
      resolve: (s) => s.completedAt,
      description: "When the recipient completed it.",
    }),
  }),
});

/** The GraphQL `WorkflowSession` type. */
export const WorkflowSessionRef = builder.objectRef<RecipientSend>("WorkflowSession");

builder.node(WorkflowSessionRef, {
  description:
    "One send of a workflow to an entity: its steps and its magic link (the token itself is only in the email; it is stored hashed).",
  authScopes: { scope: "responses:read" },
  id: { resolve: (w) => w.id },
  isTypeOf: (value) =>
    typeof value === "object" && value !== null && "steps" in value && "revokedAt" in value,
  loadMany: async (ids, context) =>
    (await context.loaders.ddq.recipientSend.loadMany(ids)).map((w) =>
      w instanceof Error ? null : (w ?? null),
    ),
  fields: (t) => ({
    entityId: t.exposeID("entityId", { description: "The entity it was sent to." }),
    entity: t.field({
      type: EntityRef,
      nullable: true,
      description: "The entity it was sent to.",
      resolve: async (w, _args, context) => (await context.loaders.ddq.entity.load(w.entityId)) ?? null,
    }),
    responseId: t.exposeID("responseId", {
      nullable: true,
      description: "The questionnaire response, if any.",
    }),
    response: t.field({
      type: ResponseRef,
      nullable: true,
      description: "The questionnaire response, if any.",
      resolve: async (w, _args, context) =>
        w.responseId ? ((await context.loaders.ddq.response.load(w.responseId)) ?? null) : null,
    }),
    verificationSessionId: t.exposeID("verificationSessionId", {
      nullable: true,
      description: "The verification session, if any.",
    }),
    verificationSession: t.field({
      type: SessionRef,
      nullable: true,
      description: "The verification session, if any.",
      resolve: async (w, _args, context) =>
        w.verificationSessionId
          ? ((await context.loaders.session.load(w.verificationSessionId)) ?? null)
          : null,
    }),
    email: t.exposeString("email", { description: "Where the link was sent." }),
    steps: t.field({
      type: [WorkflowStepStateRef],
      resolve: (w) => w.steps,
      description: "Its steps, in order.",
    }),
    linkStatus: t.field({
      type: LinkStatusEnum,
      resolve: (w) => linkState(w, new Date()),
      description: "Whether the link can be used now.",
    }),
    expiresAt: t.expose("expiresAt", { type: "DateTime", description: "When the link expires." }),
    revokedAt: t.expose("revokedAt", {
      type: "DateTime",
      nullable: true,
      description: "When the link was revoked.",
    }),
    emailSentAt: t.expose("emailSentAt", {
      type: "DateTime",
      nullable: true,
      description: "When the email was dispatched.",
    }),
    completedAt: t.expose("completedAt", {
      type: "DateTime",
      nullable: true,
      description: "When the recipient completed every step.",
    }),
    createdAt: t.expose("createdAt", { type: "DateTime", description: "When it was created." }),
  }),
});

builder.queryFields((t) => ({
  workflowSession: t.field({
    type: WorkflowSessionRef,
    nullable: true,
    description: "A workflow session of the caller's workspace and environment, or null.",
    authScopes: { scope: "responses:read" },
    args: { id: t.arg.id({ required: true, description: "Workflow session id (`wfs_…`)." }) },
    resolve: async (_root, { id }, context) =>
      (await context.loaders.ddq.recipientSend.load(String(id))) ?? null,
  }),
}));

builder.mutationFields((t) => ({
  revokeWorkflowSession: t.field({
    type: WorkflowSessionRef,
    description:
      "Revokes a workflow session's magic link: the recipient is refused from now on, and a run waiting for its response takes its `expired` route.",
    authScopes: { scope: "responses:write" },
    errors: { types: recordErrors },
    args: { id: t.arg.id({ required: true, description: "Workflow session id (`wfs_…`)." }) },
    resolve: (_root, args, context) =>
      revokeRecipientSend(context.app, context.actor, { workflowSessionId: String(args.id) }),
  }),
}));
