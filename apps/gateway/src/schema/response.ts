import { listResponses } from "@flowgate/application";
import { responseStatuses, type VerificationChecks } from "@flowgate/domain";
import { builder } from "../builder.ts";
import { versionKey } from "../ddq-loaders.ts";
import { EntityRef, ResponseRef } from "./entity.ts";
import { keysetConnection } from "./pagination.ts";
import { QuestionnaireSectionRef } from "./question.ts";
import { QuestionnaireRef } from "./questionnaire.ts";
import { RunRef } from "./run.ts";

/** The GraphQL `ResponseStatus` enum. */
export const ResponseStatusEnum = builder.enumType("ResponseStatus", {
  subGraphs: ["Api", "Recipient"],
  description:
    "Where a response is: PREFILL (filled by the workspace before sending) → DRAFT (sent; the recipient fills it) → SUBMITTED → UNDER_REVIEW → CHANGES_REQUESTED → RESUBMITTED → UNDER_REVIEW → REVIEWED → APPROVED | REJECTED.",
  values: responseStatuses,
});

/** The GraphQL `VerificationChecks` type. */
export const VerificationChecksRef = builder.objectRef<VerificationChecks>("VerificationChecks").implement({
  subGraphs: ["Api", "Recipient"],
  description: "The identity checks a verification request asks for.",
  fields: (t) => ({
    document: t.exposeBoolean("document", { description: "Document check (passport, driving licence, …)." }),
    identity: t.exposeBoolean("identity", { description: "Biometric selfie / liveness check." }),
    enhancedIdentity: t.exposeBoolean("enhancedIdentity", { description: "Enhanced video identity check." }),
    proofOfAddress: t.exposeBoolean("proofOfAddress", { description: "Proof-of-address document upload." }),
  }),
});

builder.node(ResponseRef, {
  description: "A response: an entity's answers to one version of a questionnaire, and its review.",
  // Recipients see their own response (name, status, answers) through the link that opened the request.
  subGraphs: ["Api", "Recipient"],
  defaultSubGraphsForFields: ["Api"],
  authScopes: (_response, context) => (context.recipient ? true : { scope: "responses:read" }),
  id: { resolve: (r) => r.id, subGraphs: ["Api", "Recipient"] },
  isTypeOf: (value) => typeof value === "object" && value !== null && "questionnaireVersion" in value,
  loadMany: async (ids, context) =>
    (await context.loaders.ddq.response.loadMany(ids)).map((r) => (r instanceof Error ? null : (r ?? null))),
  fields: (t) => ({
    name: t.exposeString("name", {
      subGraphs: ["Api", "Recipient"],
      description: "Display name, by default `{entity name} – {questionnaire name}`.",
    }),
    status: t.field({
      subGraphs: ["Api", "Recipient"],
      type: ResponseStatusEnum,
      resolve: (r) => r.status,
      description: "Current status.",
    }),
    entityId: t.exposeID("entityId", { description: "The entity answering." }),
    entity: t.field({
      type: EntityRef,
      nullable: true,
      description: "The entity answering.",
      resolve: async (r, _args, context) => (await context.loaders.ddq.entity.load(r.entityId)) ?? null,
    }),
    questionnaireId: t.exposeID("questionnaireId", { description: "The questionnaire." }),
    questionnaire: t.field({
      type: QuestionnaireRef,
      nullable: true,
      description: "The questionnaire.",
      resolve: async (r, _args, context) =>
        (await context.loaders.ddq.questionnaire.load(r.questionnaireId)) ?? null,
    }),
    questionnaireVersion: t.exposeInt("questionnaireVersion", {
      description: "The questionnaire version answered (fixed when the response was created).",
    }),
    sections: t.field({
      type: [QuestionnaireSectionRef],
      description: "The sections of the version answered.",
      resolve: async (r, _args, context) =>
        (
          await context.loaders.ddq.questionnaireVersion.load(
            versionKey(r.questionnaireId, r.questionnaireVersion),
          )
        )?.definition.sections ?? [],
    }),
    aiAnalysis: t.expose("aiAnalysis", {
      type: "JSONObject",
      nullable: true,
      description: "Analysis an AI autofill provider attached (internal; cleared on send).",
    }),
    pendingVerification: t.field({
      type: VerificationChecksRef,
      nullable: true,
      resolve: (r) => r.pendingVerification,
      description: "Verification checks stored at prefill, requested when the response is sent.",
    }),
    workflowSessionId: t.exposeID("workflowSessionId", {
      nullable: true,
      description: "The latest send's workflow session.",
    }),
    runId: t.exposeID("runId", {
      nullable: true,
      description: "The run waiting at a questionnaire node for this response.",
    }),
    run: t.field({
      type: RunRef,
      nullable: true,
      description: "The run waiting at a questionnaire node for this response.",
      resolve: async (r, _args, context) =>
        r.runId ? ((await context.loaders.run.load(r.runId)) ?? null) : null,
    }),
    createdBy: t.exposeString("createdBy", { nullable: true, description: "The API key that created it." }),
    createdAt: t.expose("createdAt", { type: "DateTime", description: "When it was created." }),
    updatedAt: t.expose("updatedAt", { type: "DateTime", description: "When it last changed." }),
    sentAt: t.expose("sentAt", {
      type: "DateTime",
      nullable: true,
      description: "When its link was last emailed.",
    }),
    submittedAt: t.expose("submittedAt", {
      subGraphs: ["Api", "Recipient"],
      type: "DateTime",
      nullable: true,
      description: "When it was last submitted or resubmitted.",
    }),
  }),
});

builder.queryFields((t) => ({
  response: t.field({
    type: ResponseRef,
    nullable: true,
    description: "A response of the caller's workspace and environment, or null.",
    authScopes: { scope: "responses:read" },
    args: { id: t.arg.id({ required: true, description: "Response id (`rsp_…`)." }) },
    resolve: async (_root, { id }, context) => (await context.loaders.ddq.response.load(String(id))) ?? null,
  }),
  responses: t.connection({
    type: ResponseRef,
    description: "The responses of the caller's workspace and environment, newest first.",
    authScopes: { scope: "responses:read" },
    args: {
      status: t.arg({
        type: ResponseStatusEnum,
        required: false,
        description: "Only responses in this status.",
      }),
      entityId: t.arg.id({ required: false, description: "Only responses of this entity." }),
      questionnaireId: t.arg.id({ required: false, description: "Only responses to this questionnaire." }),
    },
    resolve: (_root, args, context) =>
      keysetConnection(args, (page) =>
        listResponses(context.app, context.actor, {
          ...page,
          status: args.status ?? undefined,
          entityId: args.entityId ? String(args.entityId) : undefined,
          questionnaireId: args.questionnaireId ? String(args.questionnaireId) : undefined,
        }),
      ),
  }),
}));
