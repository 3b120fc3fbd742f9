import { saveResponse } from "@flowgate/application";
import { type AnswerSource, allQuestions, answerChangesFromList, type DdqResponse } from "@flowgate/domain";
import { builder } from "../builder.ts";
import type { GraphQLContext } from "../context.ts";
import { versionKey } from "../ddq-loaders.ts";
import { ResponseRef } from "./entity.ts";
import { recordErrors } from "./errors.ts";

/** The GraphQL `AnswerSource` type. */
export const AnswerSourceRef = builder.objectRef<AnswerSource>("AnswerSource").implement({
  description:
    "Where an autofilled answer came from. Internal to the workspace: cleared when a PREFILL response is sent, and removed when the answer is edited.",
  fields: (t) => ({
    kind: t.exposeString("kind", {
      description:
        "`entity` (the entity record), `document` (a passage of an entity document), `response` (an earlier response) or `ai`.",
    }),
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
    documentId: t.string({
      nullable: true,
      resolve: (s) => s.documentId ?? null,
      description: "The entity document the answer was read from (`doc_…`).",
    }),
    page: t.int({
      nullable: true,
      resolve: (s) => s.page ?? null,
      description: "The page of that document, 1-based.",
    }),
    passage: t.string({
      nullable: true,
      resolve: (s) => s.passage ?? null,
      description: "The passage of that page the answer was read from.",
    }),
    confidence: t.float({
      nullable: true,
      resolve: (s) => s.confidence ?? null,
      description:
        "Confidence from 0 to 1: how closely the document's statement names the question (built-in extractor), or a model's own (AI providers).",
    }),
    note: t.exposeString("note", { description: "Human-readable explanation." }),
  }),
});

const ResponseAnswerRef = builder
  .objectRef<{ questionId: string; value: unknown; source: AnswerSource | null }>("ResponseAnswer")
  .implement({
    subGraphs: ["Api", "Recipient"],
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

builder.objectFields(ResponseRef, (t) => ({
  answers: t.field({
    subGraphs: ["Api", "Recipient"],
    type: [ResponseAnswerRef],
    description: "The answers given, in question order, with autofill annotations.",
    resolve: (r, _args, context) => answersOf(r, context),
  }),
}));

export const AnswerInput = builder.inputType("AnswerInput", {
  subGraphs: ["Api", "Recipient"],
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
}));
