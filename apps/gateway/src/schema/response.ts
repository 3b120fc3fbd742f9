import {
  type AutofillOutcome,
  autofillResponse,
  listResponses,
  saveResponse,
  transitionResponse,
} from "@flowgate/application";
import {
  type AnswerSource,
  type AutofilledAnswer,
  allQuestions,
  answerChangesFromList,
  type DdqResponse,
  type ResponseAction,
  type ResponseEvent,
  responseStatuses,
  type VerificationChecks,
} from "@flowgate/domain";

import { builder } from "../builder.ts";
import type { GraphQLContext } from "../context.ts";
import { versionKey } from "../ddq-loaders.ts";
import { EntityRef, ResponseRef } from "./entity.ts";
import { recordErrors } from "./errors.ts";
import { keysetConnection } from "./pagination.ts";
import { QuestionnaireRef, QuestionnaireSectionRef } from "./questionnaire.ts";
import { RunRef } from "./run.ts";

export { ResponseRef };

/** The GraphQL `ResponseStatus` enum. */
export const ResponseStatusEnum = builder.enumType("ResponseStatus", {
  description:
    "Where a response is: PREFILL (filled by the workspace before sending) → DRAFT (sent; the recipient fills it) → SUBMITTED → UNDER_REVIEW → CHANGES_REQUESTED → RESUBMITTED → UNDER_REVIEW → REVIEWED → APPROVED | REJECTED.",
  values: responseStatuses,
});

/** The GraphQL `VerificationChecks` type. */
export const VerificationChecksRef = builder.objectRef<VerificationChecks>("VerificationChecks").implement({
  description: "The identity checks a verification request asks for.",
  fields: (t) => ({
    document: t.exposeBoolean("document", { description: "Document check (passport, driving licence, …)." }),
    identity: t.exposeBoolean("identity", { description: "Biometric selfie / liveness check." }),
    enhancedIdentity: t.exposeBoolean("enhancedIdentity", { description: "Enhanced video identity check." }),
    proofOfAddress: t.exposeBoolean("proofOfAddress", { description: "Proof-of-address document upload." }),
  }),
});

const AnswerSourceRef = builder.objectRef<AnswerSource>("AnswerSource").implement({
  description:
    "Where an autofilled answer came from. Internal to the workspace: cleared when a PREFILL response is sent, and removed when the answer is edited.",
  fields: (t) => ({
    kind: t.exposeString("kind", { description: "`entity`, `response` or `ai`." }),
    provider: t.exposeString("provider", { description: "The autofill provider, e.g. `builtin`." }),
    deterministic: t.exposeBoolean("deterministic", {
      description: "Whether the provider is deterministic rather than a model's guess.",
    }),
    field: t.string({
      nullable: true,
      resolve: (s) => s.field ?? null,
      description: "The entity field copied.",
    }),
    responseId: t.string({
      nullable: true,
      resolve: (s) => s.responseId ?? null,
      description: "The earlier response copied from.",
    }),
    questionId: t.string({
      nullable: true,
      resolve: (s) => s.questionId ?? null,
      description: "The question of that response.",
    }),
    confidence: t.float({
      nullable: true,
      resolve: (s) => s.confidence ?? null,
      description: "A model's confidence from 0 to 1 (AI providers).",
    }),
    note: t.exposeString("note", { description: "Human-readable explanation." }),
  }),
});

const ResponseAnswerRef = builder
  .objectRef<{ questionId: string; value: unknown; source: AnswerSource | null }>("ResponseAnswer")
  .implement({
    description: "The answer to one question.",
    fields: (t) => ({
      questionId: t.exposeString("questionId", { description: "The question." }),
      value: t.field({
        type: "JSON",
        resolve: (a) => a.value,
        description: "The answer (its form depends on the question type).",
      }),
      source: t.field({
        type: AnswerSourceRef,
        nullable: true,
        resolve: (a) => a.source,
        description: "The autofill annotation, when the answer was autofilled.",
      }),
    }),
  });

const ResponseEventRef = builder.objectRef<ResponseEvent>("ResponseEvent").implement({
  description:
    "Something that happened to a response — a status change, a save, autofill — with who and when.",
  fields: (t) => ({
    id: t.exposeID("id", { description: "Event id (`rse_…`)." }),
    type: t.exposeString("type", {
      description:
        "`response.created`, `response.saved`, `response.sent`, `response.send_failed`, `response.submitted`, `response.review_started`, `response.changes_requested`, `response.resubmitted`, `response.reviewed`, `response.approved`, `response.rejected` or `response.autofill_completed`.",
    }),
    fromStatus: t.field({
      type: ResponseStatusEnum,
      nullable: true,
      resolve: (e) => e.fromStatus,
      description: "Status before.",
    }),
    toStatus: t.field({
      type: ResponseStatusEnum,
      nullable: true,
      resolve: (e) => e.toStatus,
      description: "Status after.",
    }),
    actor: t.exposeString("actor", {
      nullable: true,
      description: "Who: an API key id, or `recipient:<workflow session id>` for the magic-link recipient.",
    }),
    data: t.expose("data", {
      type: "JSONObject",
      description: "Details (note, questions saved, autofill summary, …).",
    }),
    createdAt: t.expose("createdAt", { type: "DateTime", description: "When." }),
  }),
});

/** Answers of a response in question order, then answers to questions the version no longer has. */
async function answersOf(response: DdqResponse, context: GraphQLContext) {
  const version = await context.loaders.ddq.questionnaireVersion.load(
    versionKey(response.questionnaireId, response.questionnaireVersion),
  );
  const order = version ? allQuestions(version.definition).map((q) => q.id) : [];
  const ids = [
    ...order.filter((id) => id in response.answers),
    ...Object.keys(response.answers).filter((id) => !order.includes(id)),
  ];
  return ids.map((questionId) => ({
    questionId,
    value: response.answers[questionId],
    source: response.answerSources[questionId] ?? null,
  }));
}

builder.node(ResponseRef, {
  description: "A response: an entity's answers to one version of a questionnaire, and its review.",
  authScopes: { scope: "responses:read" },
  id: { resolve: (r) => r.id },
  isTypeOf: (value) => typeof value === "object" && value !== null && "questionnaireVersion" in value,
  loadMany: async (ids, context) =>
    (await context.loaders.ddq.response.loadMany(ids)).map((r) => (r instanceof Error ? null : (r ?? null))),
  fields: (t) => ({
    name: t.exposeString("name", {
      description: "Display name, by default `{entity name} – {questionnaire name}`.",
    }),
    status: t.field({ type: ResponseStatusEnum, resolve: (r) => r.status, description: "Current status." }),
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
    answers: t.field({
      type: [ResponseAnswerRef],
      description: "The answers given, in question order, with autofill annotations.",
      resolve: (r, _args, context) => answersOf(r, context),
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
    events: t.field({
      type: [ResponseEventRef],
      description: "What happened to it, oldest first: status changes with who and when, saves, autofill.",
      resolve: (r, _args, context) => context.loaders.ddq.responseEvents.load(r.id),
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
      type: "DateTime",
      nullable: true,
      description: "When it was last submitted or resubmitted.",
    }),
  }),
});

const AnswerInput = builder.inputType("AnswerInput", {
  description: "An answer to one question; a null value clears it.",
  fields: (t) => ({
    questionId: t.string({ required: true, description: "The question." }),
    value: t.field({
      type: "JSON",
      required: false,
      description:
        "A string (text, long_text, single_choice option, date `YYYY-MM-DD`, file_reference), a boolean (yes_no), a number, or a list of option values (multiple_choice); null clears.",
    }),
  }),
});

/** The GraphQL `AnswerInput` input. */
export { AnswerInput };

const AutofilledAnswerRef = builder.objectRef<AutofilledAnswer>("AutofilledAnswer").implement({
  description: "An answer autofill filled in, with its source.",
  fields: (t) => ({
    questionId: t.exposeString("questionId", { description: "The question." }),
    value: t.field({ type: "JSON", resolve: (a) => a.value, description: "The answer filled in." }),
    source: t.field({ type: AnswerSourceRef, resolve: (a) => a.source, description: "Where it came from." }),
  }),
});

const AutofillResultRef = builder.objectRef<AutofillOutcome>("AutofillResult").implement({
  description: "Autofill completed (the response event `response.autofill_completed` records it).",
  fields: (t) => ({
    response: t.field({
      type: ResponseRef,
      resolve: (r) => r.response,
      description: "The response, filled.",
    }),
    filled: t.field({
      type: [AutofilledAnswerRef],
      resolve: (r) => r.filled,
      description: "The answers filled in (unanswered questions only).",
    }),
    provider: t.string({
      resolve: (r) => r.provider.name,
      description: "The autofill provider, e.g. `builtin`.",
    }),
    deterministic: t.boolean({
      resolve: (r) => r.provider.deterministic,
      description: "Whether the provider is deterministic: the built-in one is, and guesses nothing.",
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

type ReviewAction = Exclude<ResponseAction, "send" | "revert_send">;

const transitions: { field: string; action: ReviewAction; description: string }[] = [
  {
    field: "submitResponse",
    action: "submit",
    description:
      "Submits a DRAFT response on the recipient's behalf (DRAFT → SUBMITTED). Required visible questions must be answered and hidden ones not.",
  },
  {
    field: "startReview",
    action: "start_review",
    description: "Starts reviewing a SUBMITTED or RESUBMITTED response (→ UNDER_REVIEW).",
  },
  {
    field: "requestChanges",
    action: "request_changes",
    description:
      "Sends an UNDER_REVIEW response back to the recipient (→ CHANGES_REQUESTED); the note says what to change.",
  },
  {
    field: "resubmit",
    action: "resubmit",
    description:
      "Resubmits a CHANGES_REQUESTED response on the recipient's behalf (→ RESUBMITTED), with the same checks as submit.",
  },
  {
    field: "markReviewed",
    action: "mark_reviewed",
    description: "Marks an UNDER_REVIEW response reviewed (→ REVIEWED).",
  },
  {
    field: "approveResponse",
    action: "approve",
    description: "Approves an UNDER_REVIEW or REVIEWED response (→ APPROVED, final).",
  },
  {
    field: "rejectResponse",
    action: "reject",
    description: "Rejects an UNDER_REVIEW or REVIEWED response (→ REJECTED, final).",
  },
];

builder.mutationFields((t) => ({
  saveResponse: t.field({
    type: ResponseRef,
    description:
      "Saves answers of a PREFILL, DRAFT or CHANGES_REQUESTED response (seed 003's `PUT /responses/{id}/save/`). Each answer is checked against its question; null clears one; an edited answer loses its autofill annotation.",
    authScopes: { scope: "responses:write" },
    errors: { types: recordErrors },
    args: {
      responseId: t.arg.id({ required: true, description: "Response id (`rsp_…`)." }),
      answers: t.arg({ type: [AnswerInput], required: true, description: "The answers to set or clear." }),
    },
    resolve: (_root, args, context) =>
      saveResponse(context.app, context.actor, {
        responseId: String(args.responseId),
        answers: answerChangesFromList(args.answers),
      }),
  }),
  autofillResponse: t.field({
    type: AutofillResultRef,
    description:
      "Fills the unanswered questions of a PREFILL, DRAFT or CHANGES_REQUESTED response from its entity record and the entity's earlier submitted responses; each filled answer carries its source annotation. The built-in provider is deterministic.",
    authScopes: { scope: "responses:write" },
    errors: { types: recordErrors },
    args: { responseId: t.arg.id({ required: true, description: "Response id (`rsp_…`)." }) },
    resolve: (_root, args, context) =>
      autofillResponse(context.app, context.actor, { responseId: String(args.responseId) }),
  }),
  ...Object.fromEntries(
    transitions.map(({ field, action, description }) => [
      field,
      t.field({
        type: ResponseRef,
        description: `${description} Who and when are recorded in \`events\`.`,
        authScopes: { scope: "responses:write" },
        errors: { types: recordErrors },
        args: {
          responseId: t.arg.id({ required: true, description: "Response id (`rsp_…`)." }),
          note: t.arg.string({
            required: false,
            description: "A note recorded with the change (at most 2,000 characters).",
          }),
        },
        resolve: (_root, args, context) =>
          transitionResponse(context.app, context.actor, {
            responseId: String(args.responseId),
            action,
            note: args.note ?? null,
          }),
      }),
    ]),
  ),
}));
