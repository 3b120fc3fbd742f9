import {
  type RecipientView,
  recipientCompleteVerification,
  recipientSaveAnswers,
  recipientSubmit,
  recipientView,
} from "@flowgate/application";
import {
  answerChangesFromList,
  type DdqResponse,
  entityDisplayName,
  type Question,
  type QuestionnaireSection,
  type QuestionOption,
  questionTypes,
  type RecipientSend,
  type RecipientStepState,
  recipientSteps,
  type VerificationChecks,
  type VisibilityCondition,
  visibilityOperators,
  visibleQuestionIds,
} from "@flowgate/domain";

import { lexicographicSortSchema, printSchema } from "graphql";
import { DateTimeResolver, JSONResolver } from "graphql-scalars";
import { asRecipient } from "./auth.ts";
import { recipientBuilder as builder } from "./builder.ts";
import type { RecipientContext } from "./context.ts";
import { recipientErrors } from "./errors.ts";

builder.addScalarType("DateTime", DateTimeResolver);
builder.addScalarType("JSON", JSONResolver);

const QuestionTypeEnum = builder.enumType("QuestionType", {
  description:
    "What an answer is: `text`, `long_text` (strings), `yes_no` (a boolean), `single_choice` (one option value), `multiple_choice` (a list of option values), `number`, `date` (`YYYY-MM-DD`), `file_reference` (a file id or URL).",
  values: questionTypes,
});

const VisibilityOperatorEnum = builder.enumType("VisibilityOperator", {
  description: "How a visibility condition compares the earlier question's answer.",
  values: visibilityOperators,
});

const WorkflowStepEnum = builder.enumType("WorkflowStep", {
  description: "A step: `ddq` (answer the questionnaire) or `verification` (verify your identity).",
  values: recipientSteps,
});

const StepRef = builder.objectRef<RecipientStepState>("Step").implement({
  description: "A step to do and whether it is done.",
  fields: (t) => ({
    kind: t.field({ type: WorkflowStepEnum, resolve: (s) => s.kind, description: "The step." }),
    status: t.exposeString("status", { description: "`pending` or `completed`." }),
    completedAt: t.field({
      type: "DateTime",
      nullable: true,
      resolve: (s) => s.completedAt,
      description: "When it was completed.",
    }),
  }),
});

const OptionRef = builder.objectRef<QuestionOption>("QuestionOption").implement({
  description: "One option of a choice question.",
  fields: (t) => ({
    value: t.exposeString("value", { description: "What to send as the answer." }),
    label: t.exposeString("label", { description: "What to show." }),
  }),
});

const ConditionRef = builder.objectRef<VisibilityCondition>("VisibilityCondition").implement({
  description: "The question is shown only while an earlier question's answer meets this condition.",
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
      description: "The value compared with.",
    }),
  }),
});

/** A question with whether it is visible given the saved answers. */
type ShownQuestion = Question & { visible: boolean };

const QuestionRef = builder.objectRef<ShownQuestion>("Question").implement({
  description: "A question of the questionnaire.",
  fields: (t) => ({
    id: t.exposeString("id", { description: "Answer it by this id." }),
    type: t.field({ type: QuestionTypeEnum, resolve: (q) => q.type, description: "What an answer is." }),
    label: t.exposeString("label", { description: "The question." }),
    help: t.exposeString("help", { nullable: true, description: "Guidance." }),
    required: t.exposeBoolean("required", { description: "Must be answered to submit, while visible." }),
    options: t.field({
      type: [OptionRef],
      resolve: (q) => q.options,
      description: "The options of a choice question.",
    }),
    visibleIf: t.field({
      type: ConditionRef,
      nullable: true,
      resolve: (q) => q.visibleIf,
      description: "When set, the question is shown only while this holds.",
    }),
    visible: t.exposeBoolean("visible", { description: "Whether it is shown given the saved answers." }),
  }),
});

const SectionRef = builder
  .objectRef<Omit<QuestionnaireSection, "questions"> & { questions: ShownQuestion[] }>("Section")
  .implement({
    description: "A titled group of questions.",
    fields: (t) => ({
      id: t.exposeString("id", { description: "Section id." }),
      title: t.exposeString("title", { description: "Heading." }),
      description: t.exposeString("description", { nullable: true, description: "Text under the heading." }),
      questions: t.field({
        type: [QuestionRef],
        resolve: (s) => s.questions,
        description: "Its questions, in order.",
      }),
    }),
  });

const QuestionnaireRef = builder
  .objectRef<{
    name: string;
    description: string | null;
    version: number;
    sections: QuestionnaireSection[];
    answers: Record<string, unknown>;
  }>("Questionnaire")
  .implement({
    description: "The questionnaire to answer (the version the response was created with).",
    fields: (t) => ({
      name: t.exposeString("name", { description: "Its name." }),
      description: t.exposeString("description", { nullable: true, description: "Its description." }),
      version: t.exposeInt("version", { description: "The version being answered." }),
      sections: t.field({
        type: [SectionRef],
        description: "Its sections, each question marked visible or not given the saved answers.",
        resolve: (q) => {
          const visible = visibleQuestionIds({ sections: q.sections }, q.answers);
          return q.sections.map((section) => ({
            ...section,
            questions: section.questions.map((question) => ({
              ...question,
              visible: visible.has(question.id),
            })),
          }));
        },
      }),
    }),
  });

const AnswerRef = builder.objectRef<{ questionId: string; value: unknown }>("Answer").implement({
  description: "A saved answer.",
  fields: (t) => ({
    questionId: t.exposeString("questionId", { description: "The question." }),
    value: t.field({ type: "JSON", resolve: (a) => a.value, description: "The answer." }),
  }),
});

const ResponseRef = builder.objectRef<DdqResponse>("Response").implement({
  description: "Your answers to the questionnaire.",
  fields: (t) => ({
    id: t.exposeID("id", { description: "Response id." }),
    name: t.exposeString("name", { description: "Its name." }),
    status: t.exposeString("status", {
      description:
        "`DRAFT` while you fill it, `CHANGES_REQUESTED` when the sender asks for changes, then submitted states.",
    }),
    editable: t.boolean({
      description: "Whether you can still change and submit the answers.",
      resolve: (r) => r.status === "DRAFT" || r.status === "CHANGES_REQUESTED",
    }),
    answers: t.field({
      type: [AnswerRef],
      description: "The saved answers (pre-filled answers included).",
      resolve: (r) => Object.entries(r.answers).map(([questionId, value]) => ({ questionId, value })),
    }),
    submittedAt: t.expose("submittedAt", {
      type: "DateTime",
      nullable: true,
      description: "When you submitted it.",
    }),
  }),
});

const ChecksRef = builder.objectRef<VerificationChecks>("VerificationChecks").implement({
  description: "The identity checks you are asked for.",
  fields: (t) => ({
    document: t.exposeBoolean("document", {
      description: "A document check (passport, driving licence, …).",
    }),
    identity: t.exposeBoolean("identity", { description: "A selfie / liveness check." }),
    enhancedIdentity: t.exposeBoolean("enhancedIdentity", {
      description: "An enhanced video identity check.",
    }),
    proofOfAddress: t.exposeBoolean("proofOfAddress", { description: "A proof-of-address upload." }),
  }),
});

/** What the `link` query answers. */
interface LinkView {
  view: RecipientView;
}

const LinkRef = builder.objectRef<LinkView>("Link").implement({
  description: "What your link opens: the steps to do, the questionnaire and your saved answers.",
  fields: (t) => ({
    workflowSessionId: t.id({
      resolve: ({ view }) => view.link.id,
      description: "The workflow session of this link.",
    }),
    entityName: t.string({
      resolve: ({ view }) => entityDisplayName(view.entity),
      description: "Who the request is for.",
    }),
    steps: t.field({
      type: [StepRef],
      resolve: ({ view }) => view.link.steps,
      description: "The steps, in order.",
    }),
    expiresAt: t.field({
      type: "DateTime",
      resolve: ({ view }) => view.link.expiresAt,
      description: "When this link expires.",
    }),
    completedAt: t.field({
      type: "DateTime",
      nullable: true,
      resolve: ({ view }) => view.link.completedAt,
      description: "When every step was completed.",
    }),
    questionnaire: t.field({
      type: QuestionnaireRef,
      nullable: true,
      description: "The questionnaire to answer, when the link has a `ddq` step.",
      resolve: ({ view }) =>
        view.questionnaire && view.version && view.response
          ? {
              name: view.questionnaire.name,
              description: view.questionnaire.description,
              version: view.version.version,
              sections: view.version.definition.sections,
              answers: view.response.answers,
            }
          : null,
    }),
    response: t.field({
      type: ResponseRef,
      nullable: true,
      resolve: ({ view }) => view.response,
      description: "Your answers, when the link has a `ddq` step.",
    }),
    verificationChecks: t.field({
      type: ChecksRef,
      nullable: true,
      description: "The identity checks asked for, when the link has a `verification` step.",
      resolve: ({ view }) => {
        const checks = view.verificationSession?.metadata.checks;
        return checks && typeof checks === "object" ? (checks as VerificationChecks) : null;
      },
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
        "A string (text, choice option, date `YYYY-MM-DD`, file reference), a boolean (yes/no), a number, or a list of option values (multiple choice); null clears.",
    }),
  }),
});

async function linkView(context: RecipientContext, link: RecipientSend): Promise<LinkView> {
  return { view: await recipientView(context.app, link) };
}

builder.queryType({
  description: "What a magic-link recipient can read: only what its link opens.",
  fields: (t) => ({
    link: t.field({
      type: LinkRef,
      description: "The link's steps, the questionnaire and your saved answers.",
      resolve: (_root, _args, context) => linkView(context, context.link),
    }),
  }),
});

builder.mutationType({
  description:
    "What a magic-link recipient can do: save and submit answers, complete verification (sandbox).",
  fields: (t) => ({
    saveAnswers: t.field({
      type: ResponseRef,
      description:
        "Saves answers (a draft, or after changes were requested). Each answer is checked against its question; null clears one.",
      errors: { types: recipientErrors },
      args: {
        answers: t.arg({ type: [AnswerInput], required: true, description: "The answers to set or clear." }),
      },
      resolve: (_root, args, context) =>
        asRecipient(() =>
          recipientSaveAnswers(context.app, context.token, answerChangesFromList(args.answers)),
        ),
    }),
    submitResponse: t.field({
      type: ResponseRef,
      description:
        "Submits your answers (DRAFT → SUBMITTED, or CHANGES_REQUESTED → RESUBMITTED). Every visible required question must be answered and hidden ones left empty.",
      errors: { types: recipientErrors },
      resolve: (_root, _args, context) => asRecipient(() => recipientSubmit(context.app, context.token)),
    }),
    completeVerification: t.field({
      type: LinkRef,
      description:
        "Sandbox only: completes the identity verification step as if the capture had been done. In the live environment capture needs a verification provider.",
      errors: { types: recipientErrors },
      resolve: (_root, _args, context) =>
        asRecipient(async () =>
          linkView(context, await recipientCompleteVerification(context.app, context.token)),
        ),
    }),
  }),
});

/** The recipient schema served at `/recipient/graphql`. */
export const recipientSchema = builder.toSchema();

/** The recipient schema in SDL, sorted, as checked in at `apps/gateway/recipient-schema.graphql`. */
export function printRecipientSchemaSdl(): string {
  return `${printSchema(lexicographicSortSchema(recipientSchema))}\n`;
}
