import { autofillResponse, maxAutofillWaitMs, waitForAutofillJob } from "@flowgate/application";
import {
  type AutofilledAnswer,
  type AutofillJob,
  autofillJobStatuses,
  ValidationError,
} from "@flowgate/domain";
import { builder } from "../builder.ts";
import { ResponseRef } from "./entity.ts";
import { recordErrors } from "./errors.ts";
import { AnswerSourceRef } from "./response-answers.ts";

const AutofillJobStatusEnum = builder.enumType("AutofillJobStatus", {
  description:
    "Where an autofill job is: QUEUED (waiting for a worker) → RUNNING (a worker asks the provider) → SUCCEEDED (answers applied) | FAILED (answers unchanged; `error` says why).",
  values: autofillJobStatuses,
});

const AutofilledAnswerRef = builder.objectRef<AutofilledAnswer>("AutofilledAnswer").implement({
  description: "An answer autofill filled in, with its source.",
  fields: (t) => ({
    questionId: t.exposeString("questionId", { description: "The question." }),
    value: t.field({ type: "JSON", resolve: (a) => a.value, description: "The answer filled in." }),
    source: t.field({ type: AnswerSourceRef, resolve: (a) => a.source, description: "Where it came from." }),
  }),
});

/** The GraphQL `AutofillJob` type. */
export const AutofillJobRef = builder.objectRef<AutofillJob>("AutofillJob").implement({
  description:
    "One autofill of a response, run in the background by a worker (`autofillResponse` answers with it at once). When it finishes, the response event and webhook `response.autofill_completed` are recorded, once.",
  fields: (t) => ({
    id: t.exposeID("id", { description: "Job id (`afj_…`)." }),
    status: t.field({
      type: AutofillJobStatusEnum,
      resolve: (job) => job.status,
      description: "QUEUED, RUNNING, SUCCEEDED or FAILED.",
    }),
    responseId: t.exposeID("responseId", { description: "The response it fills." }),
    response: t.field({
      type: ResponseRef,
      nullable: true,
      description: "The response it fills, as it is now (null if it was deleted).",
      resolve: async (job, _args, context) =>
        (await context.loaders.ddq.response.load(job.responseId)) ?? null,
    }),
    provider: t.exposeString("provider", {
      description: "The autofill provider, e.g. `builtin` or `chat-completions:<model>`.",
    }),
    deterministic: t.exposeBoolean("deterministic", {
      description: "Whether the provider is deterministic: the built-in one is, and guesses nothing.",
    }),
    filled: t.field({
      type: [AutofilledAnswerRef],
      resolve: (job) => job.filled,
      description: "The answers filled in (unanswered questions only); empty until it SUCCEEDED.",
    }),
    filledCount: t.int({ resolve: (job) => job.filled.length, description: "How many answers it filled." }),
    error: t.exposeString("error", {
      nullable: true,
      description:
        "Why it FAILED (the provider's endpoint failed, its reply was not the JSON asked for, or the response could no longer be edited); the answers were left unchanged. Null otherwise.",
    }),
    attempts: t.exposeInt("attempts", {
      description:
        "How many times a worker picked it up (more than once only after a worker stopped mid-job).",
    }),
    requestedBy: t.exposeString("requestedBy", { description: "Who asked: an API key id." }),
    createdAt: t.expose("createdAt", { type: "DateTime", description: "When it was asked for." }),
    startedAt: t.expose("startedAt", {
      type: "DateTime",
      nullable: true,
      description: "When a worker first picked it up.",
    }),
    finishedAt: t.expose("finishedAt", {
      type: "DateTime",
      nullable: true,
      description: "When it SUCCEEDED or FAILED.",
    }),
  }),
});

builder.objectFields(ResponseRef, (t) => ({
  autofillJobs: t.field({
    type: [AutofillJobRef],
    description: "The response's autofill jobs, newest first.",
    resolve: (r, _args, context) => context.loaders.ddq.responseAutofillJobs.load(r.id),
  }),
}));

builder.queryFields((t) => ({
  autofillJob: t.field({
    type: AutofillJobRef,
    nullable: true,
    description: "An autofill job of the caller's workspace and environment, or null.",
    authScopes: { scope: "responses:read" },
    args: { id: t.arg.id({ required: true, description: "Autofill job id (`afj_…`)." }) },
    resolve: async (_root, { id }, context) =>
      (await context.loaders.ddq.autofillJob.load(String(id))) ?? null,
  }),
}));

builder.mutationFields((t) => ({
  autofillResponse: t.field({
    type: AutofillJobRef,
    description:
      "Starts filling the unanswered questions of a PREFILL, DRAFT or CHANGES_REQUESTED response from its entity record, the text of the entity's documents and the entity's earlier submitted responses, and answers at once with the job (QUEUED); poll `autofillJob(id)` or `Response.autofillJobs`, or subscribe to the `response.autofill_completed` webhook. Each filled answer carries its source annotation (document, page, passage and confidence for answers read from documents). While a job of the response is QUEUED or RUNNING, asking again returns that job. The built-in provider is deterministic; with FLOWGATE_AUTOFILL_URL an OpenAI-compatible model reads the documents instead.",
    authScopes: { scope: "responses:write" },
    errors: { types: recordErrors },
    args: {
      responseId: t.arg.id({ required: true, description: "Response id (`rsp_…`)." }),
      waitSeconds: t.arg.int({
        required: false,
        description: `Wait up to this many seconds (at most ${maxAutofillWaitMs / 1000}) for the job to finish before answering, as the former synchronous mutation did; the job is returned as it is then (still QUEUED or RUNNING if the wait ran out). Default 0: answer at once.`,
      }),
    },
    resolve: async (_root, args, context) => {
      const waitSeconds = args.waitSeconds ?? 0;
      if (waitSeconds < 0 || waitSeconds > maxAutofillWaitMs / 1000) {
        throw new ValidationError("Invalid waitSeconds", [
          { path: ["waitSeconds"], message: `must be between 0 and ${maxAutofillWaitMs / 1000}` },
        ]);
      }
      const job = await autofillResponse(context.app, context.actor, { responseId: String(args.responseId) });
      if (waitSeconds === 0) return job;
      return waitForAutofillJob(context.app, context.actor, job.id, { timeoutMs: waitSeconds * 1000 });
    },
  }),
}));
