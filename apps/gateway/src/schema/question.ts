import {
  entityAutofillFields,
  type Question,
  type QuestionnaireSection,
  type QuestionOption,
  questionTypes,
  type VisibilityCondition,
  visibilityOperators,
} from "@flowgate/domain";
import { builder } from "../builder.ts";

const QuestionTypeEnum = builder.enumType("QuestionType", {
  subGraphs: ["Api", "Recipient"],
  description:
    "What an answer is: `text` (up to 1,000 characters), `long_text` (up to 20,000), `yes_no` (a boolean), `single_choice` (one option value), `multiple_choice` (a list of option values), `number`, `date` (`YYYY-MM-DD`), `file_reference` (a file id or URL).",
  values: questionTypes,
});

const VisibilityOperatorEnum = builder.enumType("VisibilityOperator", {
  subGraphs: ["Api", "Recipient"],
  description:
    "How a visibility condition compares the earlier question's answer: `equals`, `not_equals`, `includes` (a multiple-choice answer contains the value) or `answered`.",
  values: visibilityOperators,
});

const EntityAutofillFieldEnum = builder.enumType("EntityAutofillField", {
  description: "An entity field that autofill copies into a question.",
  values: entityAutofillFields,
});

const QuestionOptionRef = builder.objectRef<QuestionOption>("QuestionOption").implement({
  subGraphs: ["Api", "Recipient"],
  description: "One option of a choice question.",
  fields: (t) => ({
    value: t.exposeString("value", { description: "Stored as the answer." }),
    label: t.exposeString("label", { description: "Shown to the recipient." }),
  }),
});

const VisibilityConditionRef = builder.objectRef<VisibilityCondition>("VisibilityCondition").implement({
  subGraphs: ["Api", "Recipient"],
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

/** A question; in a recipient's view, with whether it is shown given the saved answers. */
export type ShownQuestion = Question & { visible?: boolean };

/** The GraphQL `Question` type. */
export const QuestionRef = builder.objectRef<ShownQuestion>("Question").implement({
  subGraphs: ["Api", "Recipient"],
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
      subGraphs: ["Api"],
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
    subGraphs: ["Api", "Recipient"],
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
