import {
  createQuestionnaire,
  listQuestionnaires,
  listVersionsOfQuestionnaire,
  publishQuestionnaireVersion,
} from "@flowgate/application";
import {
  entityAutofillFields,
  type Question,
  type Questionnaire,
  type QuestionnaireSection,
  type QuestionnaireVersion,
  type QuestionOption,
  questionTypes,
  type VisibilityCondition,
  visibilityOperators,
} from "@flowgate/domain";
import { builder } from "../builder.ts";
import { versionKey } from "../ddq-loaders.ts";
import { recordErrors } from "./errors.ts";
import { keysetConnection } from "./pagination.ts";

const QuestionTypeEnum = builder.enumType("QuestionType", {
  description:
    "What an answer is: `text` (up to 1,000 characters), `long_text` (up to 20,000), `yes_no` (a boolean), `single_choice` (one option value), `multiple_choice` (a list of option values), `number`, `date` (`YYYY-MM-DD`), `file_reference` (a file id or URL).",
  values: questionTypes,
});

const VisibilityOperatorEnum = builder.enumType("VisibilityOperator", {
  description:
    "How a visibility condition compares the earlier question's answer: `equals`, `not_equals`, `includes` (a multiple-choice answer contains the value) or `answered`.",
  values: visibilityOperators,
});

const EntityAutofillFieldEnum = builder.enumType("EntityAutofillField", {
  description: "An entity field that autofill copies into a question.",
  values: entityAutofillFields,
});

const QuestionOptionRef = builder.objectRef<QuestionOption>("QuestionOption").implement({
  description: "One option of a choice question.",
  fields: (t) => ({
    value: t.exposeString("value", { description: "Stored as the answer." }),
    label: t.exposeString("label", { description: "Shown to the recipient." }),
  }),
});

const VisibilityConditionRef = builder.objectRef<VisibilityCondition>("VisibilityCondition").implement({
  description: "Shows a question only while an earlier question's answer meets the condition.",
  fields: (t) => ({
    questionId: t.exposeString("questionId", { description: "The earlier question." }),
    operator: t.field({
      type: VisibilityOperatorEnum,
      resolve: (c) => c.operator,
      description: "The comparison.",
    }),
    value: t.field({
      type: "JSON",
      nullable: true,
      resolve: (c) => c.value ?? null,
      description: "The value compared with (none for `answered`).",
    }),
  }),
});

/** The GraphQL `Question` type. */
export const QuestionRef = builder.objectRef<Question>("Question").implement({
  description: "A typed question.",
  fields: (t) => ({
    id: t.exposeString("id", { description: "Unique within the questionnaire; answers are keyed by it." }),
    type: t.field({ type: QuestionTypeEnum, resolve: (q) => q.type, description: "What an answer is." }),
    label: t.exposeString("label", { description: "The question as shown." }),
    help: t.exposeString("help", { nullable: true, description: "Guidance shown with it." }),
    required: t.exposeBoolean("required", { description: "Must be answered to submit, while visible." }),
    options: t.field({
      type: [QuestionOptionRef],
      resolve: (q) => q.options,
      description: "The options of a choice question (empty otherwise).",
    }),
    visibleIf: t.field({
      type: VisibilityConditionRef,
      nullable: true,
      resolve: (q) => q.visibleIf,
      description: "When set, the question is shown and validated only while this holds.",
    }),
    entityField: t.field({
      type: EntityAutofillFieldEnum,
      nullable: true,
      resolve: (q) => q.entityField,
      description: "The entity field autofill copies into this question.",
    }),
  }),
});

/** The GraphQL `QuestionnaireSection` type. */
export const QuestionnaireSectionRef = builder
  .objectRef<QuestionnaireSection>("QuestionnaireSection")
  .implement({
    description: "A titled group of questions.",
    fields: (t) => ({
      id: t.exposeString("id", { description: "Unique within the questionnaire." }),
      title: t.exposeString("title", { description: "Shown as a heading." }),
      description: t.exposeString("description", { nullable: true, description: "Shown under the heading." }),
      questions: t.field({
        type: [QuestionRef],
        resolve: (s) => s.questions,
        description: "Its questions, in order.",
      }),
    }),
  });

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

const QuestionOptionInput = builder.inputType("QuestionOptionInput", {
  description: "One option of a choice question.",
  fields: (t) => ({
    value: t.string({ required: true, description: "Stored as the answer (1–100 characters, unique)." }),
    label: t.string({ required: true, description: "Shown to the recipient (1–200 characters)." }),
  }),
});

const VisibilityConditionInput = builder.inputType("VisibilityConditionInput", {
  description: "Shows the question only while an earlier question's answer meets the condition.",
  fields: (t) => ({
    questionId: t.string({ required: true, description: "An earlier question's id." }),
    operator: t.field({ type: VisibilityOperatorEnum, required: true, description: "The comparison." }),
    value: t.field({
      type: "JSON",
      required: false,
      description: "A valid answer to that question (none for `answered`).",
    }),
  }),
});

const QuestionInput = builder.inputType("QuestionInput", {
  description: "A question.",
  fields: (t) => ({
    id: t.string({
      required: true,
      description: "A letter, then letters, digits or `_` (unique, at most 64).",
    }),
    type: t.field({ type: QuestionTypeEnum, required: true, description: "What an answer is." }),
    label: t.string({ required: true, description: "The question as shown (1–500 characters)." }),
    help: t.string({ required: false, description: "Guidance shown with it." }),
    required: t.boolean({
      required: false,
      description: "Must be answered to submit, while visible (default false).",
    }),
    options: t.field({
      type: [QuestionOptionInput],
      required: false,
      description: "At least 2 options for single_choice and multiple_choice; none for other types.",
    }),
    visibleIf: t.field({
      type: VisibilityConditionInput,
      required: false,
      description: "Show the question only while this holds.",
    }),
    entityField: t.field({
      type: EntityAutofillFieldEnum,
      required: false,
      description: "Autofill copies this entity field (text, long_text and single_choice questions).",
    }),
  }),
});

/** The GraphQL `QuestionnaireSectionInput` input. */
export const QuestionnaireSectionInput = builder.inputType("QuestionnaireSectionInput", {
  description: "A titled group of questions.",
  fields: (t) => ({
    id: t.string({ required: true, description: "A letter, then letters, digits or `_` (unique)." }),
    title: t.string({ required: true, description: "Heading (1–200 characters)." }),
    description: t.string({ required: false, description: "Shown under the heading." }),
    questions: t.field({ type: [QuestionInput], required: true, description: "At least one question." }),
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
