import {
  type RecipientView,
  recipientCompleteVerification,
  recipientSaveAnswers,
  recipientSubmit,
  recipientUploadDocument,
  recipientView,
} from "@flowgate/application";
import {
  answerChangesFromList,
  ConflictError,
  entityDisplayName,
  type QuestionnaireSection,
  type RecipientSend,
  ValidationError,
  type VerificationChecks,
  visibleQuestionIds,
} from "@flowgate/domain";
import { builder } from "../builder.ts";
import type { GraphQLContext, RecipientAccess } from "../context.ts";
import { asRecipient } from "../recipient/auth.ts";
import { ResponseRef } from "./entity.ts";
import { EntityDocumentRef, uploadedFile } from "./entity-document.ts";
import { QuestionnaireSectionRef, QuestionRef } from "./question.ts";
import { WorkflowStepStateRef } from "./recipient-send.ts";
import { VerificationChecksRef } from "./response.ts";
import { AnswerInput } from "./response-answers.ts";

// The recipient endpoint's own types and root fields (sub-graph `Recipient`). It shares the API's types for
// questions, answers, responses, steps, checks and errors; only the views below are its own. The types whose
// names the API already uses are named `Recipient…` here and published without the prefix (see
// `recipient/schema.ts`).

/** The link that authorized a recipient request; only the recipient endpoint resolves these fields. */
function recipientAccess(context: GraphQLContext): RecipientAccess {
  if (!context.recipient) throw new Error("A recipient field was resolved outside the recipient endpoint");
  return context.recipient;
}

builder.objectFields(QuestionRef, (t) => ({
  visible: t.boolean({
    subGraphs: ["Recipient"],
    description: "Whether it is shown given the saved answers.",
    // Recipients read questions only through their questionnaire view, which marks each one.
    resolve: (question) => question.visible ?? true,
  }),
}));

builder.objectFields(ResponseRef, (t) => ({
  editable: t.boolean({
    subGraphs: ["Recipient"],
    description: "Whether you can still change and submit the answers.",
    resolve: (response) => response.status === "DRAFT" || response.status === "CHANGES_REQUESTED",
  }),
}));

/** The questionnaire of a recipient's view: the version its response answers, with the saved answers. */
interface RecipientQuestionnaire {
  name: string;
  description: string | null;
  version: number;
  sections: QuestionnaireSection[];
  answers: Record<string, unknown>;
}

const RecipientQuestionnaireRef = builder
  .objectRef<RecipientQuestionnaire>("RecipientQuestionnaire")
  .implement({
    subGraphs: ["Recipient"],
    description: "The questionnaire to answer (the version the response was created with).",
    fields: (t) => ({
      name: t.exposeString("name", { description: "Its name." }),
      description: t.exposeString("description", { nullable: true, description: "Its description." }),
      version: t.exposeInt("version", { description: "The version being answered." }),
      sections: t.field({
        type: [QuestionnaireSectionRef],
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

/** What the `link` query answers. */
interface LinkView {
  view: RecipientView;
}

const LinkRef = builder.objectRef<LinkView>("Link").implement({
  subGraphs: ["Recipient"],
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
      type: [WorkflowStepStateRef],
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
      type: RecipientQuestionnaireRef,
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
      type: VerificationChecksRef,
      nullable: true,
      description: "The identity checks asked for, when the link has a `verification` step.",
      resolve: ({ view }) => {
        const checks = view.verificationSession?.metadata.checks;
        return checks && typeof checks === "object" ? (checks as VerificationChecks) : null;
      },
    }),
  }),
});

async function linkView(context: GraphQLContext, link: RecipientSend): Promise<LinkView> {
  return { view: await recipientView(context.app, link) };
}

/** The expected failures of recipient mutations. */
const recipientErrors = {
  types: [ConflictError, ValidationError],
  union: { subGraphs: ["Recipient" as const] },
};

builder.objectType(builder.objectRef<object>("RecipientQuery"), {
  subGraphs: ["Recipient"],
  description: "What a magic-link recipient can read: only what its link opens.",
  fields: (t) => ({
    link: t.field({
      type: LinkRef,
      description: "The link's steps, the questionnaire and your saved answers.",
      resolve: (_root, _args, context) => linkView(context, recipientAccess(context).link),
    }),
  }),
});

builder.objectType(builder.objectRef<object>("RecipientMutation"), {
  subGraphs: ["Recipient"],
  description:
    "What a magic-link recipient can do: save and submit answers, complete verification (sandbox).",
  fields: (t) => ({
    saveAnswers: t.field({
      type: ResponseRef,
      description:
        "Saves answers (a draft, or after changes were requested). Each answer is checked against its question; null clears one.",
      errors: recipientErrors,
      args: {
        answers: t.arg({ type: [AnswerInput], required: true, description: "The answers to set or clear." }),
      },
      resolve: (_root, args, context) =>
        asRecipient(() =>
          recipientSaveAnswers(
            context.app,
            recipientAccess(context).token,
            answerChangesFromList(args.answers),
          ),
        ),
    }),
    uploadDocument: t.field({
      type: EntityDocumentRef,
      description:
        "Uploads a document for you (the link's entity) with a GraphQL multipart request: PDF, PNG, JPEG or plain text up to 10 MiB (a ValidationError at `file` otherwise).",
      errors: recipientErrors,
      args: { file: t.arg({ type: "File", required: true, description: "The file (multipart form part)." }) },
      resolve: async (_root, args, context) => {
        const file = await uploadedFile(args.file);
        return asRecipient(() => recipientUploadDocument(context.app, recipientAccess(context).token, file));
      },
    }),
    submitResponse: t.field({
      type: ResponseRef,
      description:
        "Submits your answers (DRAFT → SUBMITTED, or CHANGES_REQUESTED → RESUBMITTED). Every visible required question must be answered and hidden ones left empty.",
      errors: recipientErrors,
      resolve: (_root, _args, context) =>
        asRecipient(() => recipientSubmit(context.app, recipientAccess(context).token)),
    }),
    completeVerification: t.field({
      type: LinkRef,
      description:
        "Sandbox only: completes the identity verification step as if the capture had been done. In the live environment capture needs a verification provider.",
      errors: recipientErrors,
      resolve: (_root, _args, context) =>
        asRecipient(async () =>
          linkView(context, await recipientCompleteVerification(context.app, recipientAccess(context).token)),
        ),
    }),
  }),
});
