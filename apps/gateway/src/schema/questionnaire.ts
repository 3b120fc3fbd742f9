import {
  createQuestionnaire,
  listQuestionnaires,
  listVersionsOfQuestionnaire,
  publishQuestionnaireVersion,
} from "@flowgate/application";
import type { Questionnaire, QuestionnaireVersion } from "@flowgate/domain";
import { builder } from "../builder.ts";
import { versionKey } from "../ddq-loaders.ts";
import { recordErrors } from "./errors.ts";
import { keysetConnection } from "./pagination.ts";
import { QuestionnaireSectionInput, QuestionnaireSectionRef } from "./question.ts";

/** The GraphQL `QuestionnaireVersion` type. */
export const QuestionnaireVersionRef = builder
  .objectRef<QuestionnaireVersion>("QuestionnaireVersion")
  .implement({
    description: "An immutable version of a questionnaire; responses keep the version they started on.",
    fields: (t) => ({
      version: t.exposeInt("version", { description: "1, 2, …" }),
      sections: t.field({
        type: [QuestionnaireSectionRef],
        resolve: (v) => v.definition.sections,
        description: "Its sections, in order.",
      }),
      createdBy: t.exposeString("createdBy", {
        nullable: true,
        description: "The API key that published it.",
      }),
      createdAt: t.expose("createdAt", { type: "DateTime", description: "When it was published." }),
    }),
  });

/** The GraphQL `Questionnaire` type. */
export const QuestionnaireRef = builder.objectRef<Questionnaire>("Questionnaire");

builder.node(QuestionnaireRef, {
  description: "A due-diligence questionnaire (DDQ template) of the workspace, with immutable versions.",
  authScopes: { scope: "questionnaires:read" },
  id: { resolve: (q) => q.id },
  isTypeOf: (value) =>
    typeof value === "object" && value !== null && "currentVersion" in value && !("isDefault" in value),
  loadMany: async (ids, context) =>
    (await context.loaders.ddq.questionnaire.loadMany(ids)).map((q) =>
      q instanceof Error ? null : (q ?? null),
    ),
  fields: (t) => ({
    name: t.exposeString("name", { description: "Display name." }),
    description: t.exposeString("description", { nullable: true, description: "Longer description." }),
    currentVersion: t.exposeInt("currentVersion", { description: "The version new responses use." }),
    sections: t.field({
      type: [QuestionnaireSectionRef],
      description: "The sections of the current version.",
      resolve: async (q, _args, context) =>
        (await context.loaders.ddq.questionnaireVersion.load(versionKey(q.id, q.currentVersion)))?.definition
          .sections ?? [],
    }),
    version: t.field({
      type: QuestionnaireVersionRef,
      nullable: true,
      description: "One version, or null when it does not exist.",
      args: { version: t.arg.int({ required: true, description: "The version number." }) },
      resolve: async (q, args, context) =>
        (await context.loaders.ddq.questionnaireVersion.load(versionKey(q.id, args.version))) ?? null,
    }),
    versions: t.field({
      type: [QuestionnaireVersionRef],
      description: "Every version, oldest first.",
      resolve: (q, _args, context) => listVersionsOfQuestionnaire(context.app, context.actor, q.id),
    }),
    createdAt: t.expose("createdAt", { type: "DateTime", description: "When it was created." }),
    updatedAt: t.expose("updatedAt", { type: "DateTime", description: "When it last changed." }),
  }),
});

builder.queryFields((t) => ({
  questionnaire: t.field({
    type: QuestionnaireRef,
    nullable: true,
    description: "A questionnaire of the caller's workspace and environment, or null.",
    authScopes: { scope: "questionnaires:read" },
    args: { id: t.arg.id({ required: true, description: "Questionnaire id (`qnr_…`)." }) },
    resolve: async (_root, { id }, context) =>
      (await context.loaders.ddq.questionnaire.load(String(id))) ?? null,
  }),
  questionnaires: t.connection({
    type: QuestionnaireRef,
    description: "The questionnaires of the caller's workspace and environment, newest first.",
    authScopes: { scope: "questionnaires:read" },
    resolve: (_root, args, context) =>
      keysetConnection(args, (page) => listQuestionnaires(context.app, context.actor, page)),
  }),
}));

builder.mutationFields((t) => ({
  createQuestionnaire: t.field({
    type: QuestionnaireRef,
    description:
      "Creates a questionnaire (DDQ template) whose sections are version 1. Invalid sections are a ValidationError naming the field, e.g. `sections.0.questions.2.options`.",
    authScopes: { scope: "questionnaires:write" },
    errors: { types: recordErrors },
    args: {
      name: t.arg.string({ required: true, description: "Display name (1–200 characters)." }),
      description: t.arg.string({ required: false, description: "Longer description." }),
      sections: t.arg({
        type: [QuestionnaireSectionInput],
        required: true,
        description: "Sections, in order.",
      }),
    },
    resolve: async (_root, args, context) =>
      (await createQuestionnaire(context.app, context.actor, args)).questionnaire,
  }),
  publishQuestionnaireVersion: t.field({
    type: QuestionnaireRef,
    description:
      "Publishes new sections as the questionnaire's next version. New responses use it; responses in flight keep theirs.",
    authScopes: { scope: "questionnaires:write" },
    errors: { types: recordErrors },
    args: {
      questionnaireId: t.arg.id({ required: true, description: "Questionnaire id (`qnr_…`)." }),
      sections: t.arg({
        type: [QuestionnaireSectionInput],
        required: true,
        description: "Sections, in order.",
      }),
    },
    resolve: async (_root, args, context) =>
      (
        await publishQuestionnaireVersion(context.app, context.actor, {
          questionnaireId: String(args.questionnaireId),
          sections: args.sections,
        })
      ).questionnaire,
  }),
}));
