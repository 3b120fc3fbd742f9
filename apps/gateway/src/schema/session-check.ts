import { getSessionCheck, retryCheck } from "@flowgate/application";
import type { Run, SessionCheck, SessionCheckAttempt } from "@flowgate/domain";
import { builder } from "../builder.ts";
import { recordErrors } from "./errors.ts";
import { RunRef } from "./run.ts";
import { SessionRef } from "./session.ts";

const SessionCheckStatus = builder.enumType("SessionCheckStatus", {
  description:
    "Where a verification check is: `running`, `retrying` (an attempt errored, the engine tries again), then `passed`, `failed` or `errored`.",
  values: ["running", "retrying", "passed", "failed", "errored"] as const,
});

const SessionCheckAttemptRef = builder.objectRef<SessionCheckAttempt>("SessionCheckAttempt").implement({
  description: "One execution of a verification check (the seed's verification attempt).",
  fields: (t) => ({
    id: t.exposeID("id", { description: "Attempt id (`att_…`)." }),
    checkId: t.exposeID("checkId", { description: "The check." }),
    number: t.exposeInt("number", { description: "1, 2, 3, … over the check's life, retries included." }),
    startedAt: t.expose("startedAt", { type: "DateTime", description: "When it started." }),
    completedAt: t.expose("completedAt", {
      type: "DateTime",
      nullable: true,
      description: "When it ended; null while it runs.",
    }),
    outcome: t.exposeString("outcome", {
      nullable: true,
      description: "`pass`, `fail` or `error`; null while it runs.",
    }),
    error: t.exposeString("error", { nullable: true, description: "Why it failed or errored." }),
    providerReference: t.exposeString("providerReference", {
      nullable: true,
      description: "The provider's reference for this execution.",
    }),
    output: t.expose("output", {
      type: "JSONObject",
      nullable: true,
      description: "What the provider returned.",
    }),
  }),
});

/** The GraphQL `SessionCheck` type. */
export const SessionCheckRef = builder.objectRef<SessionCheck>("SessionCheck").implement({
  description: "A verification check: one policy node of a session's workflow run, with its attempts.",
  fields: (t) => ({
    id: t.exposeID("id", { description: "Check id (`chk_…`)." }),
    sessionId: t.exposeID("sessionId", { description: "The session." }),
    runId: t.exposeID("runId", { description: "The run it belongs to." }),
    nodeId: t.exposeString("nodeId", { description: "The policy node of the run's graph." }),
    policy: t.exposeString("policy", { description: "The policy of the catalog it runs, e.g. `document`." }),
    status: t.field({ type: SessionCheckStatus, resolve: (c) => c.status, description: "Where it is." }),
    result: t.exposeString("result", {
      nullable: true,
      description: "`pass`, `fail` or `error` once it ended.",
    }),
    output: t.expose("output", {
      type: "JSONObject",
      nullable: true,
      description: "The output of its latest attempt (conditions read it as `<nodeId>.output.<key>`).",
    }),
    error: t.exposeString("error", { nullable: true, description: "Why it failed or errored." }),
    createdAt: t.expose("createdAt", { type: "DateTime", description: "When it first started." }),
    updatedAt: t.expose("updatedAt", { type: "DateTime", description: "When it last changed." }),
    attempts: t.field({
      type: [SessionCheckAttemptRef],
      description: "Every execution of the check, by number.",
      resolve: (check, _args, context) => context.loaders.checkAttempts.load(check.id),
    }),
  }),
});

builder.objectFields(SessionRef, (t) => ({
  checks: t.field({
    type: [SessionCheckRef],
    description: "The verification checks of the session's current run, in the order they started.",
    resolve: (session, _args, context) => context.loaders.checksOfSession.load(session.id),
  }),
  verificationAttempts: t.field({
    type: [SessionCheckAttemptRef],
    description: "Every attempt of every check of the session's current run, check by check.",
    resolve: async (session, _args, context) => {
      const checks = await context.loaders.checksOfSession.load(session.id);
      const attempts = await context.loaders.checkAttempts.loadMany(checks.map((check) => check.id));
      return attempts.flatMap((list) => (list instanceof Error ? [] : list));
    },
  }),
}));

builder.objectFields(RunRef, (t) => ({
  checks: t.field({
    type: [SessionCheckRef],
    description: "The verification checks of this run (runs of sessions only).",
    resolve: (run, _args, context) => context.loaders.checksOfRun.load(run.id),
  }),
}));

const RetryCheckPayload = builder
  .objectRef<{ check: SessionCheck; run: Run }>("RetryCheckPayload")
  .implement({
    description: "The check runs again, and its run continues from it.",
    fields: (t) => ({
      check: t.field({
        type: SessionCheckRef,
        resolve: (p) => p.check,
        description: "The check, as it was retried.",
      }),
      run: t.field({
        type: RunRef,
        resolve: (p) => p.run,
        description: "The run, running again from the check.",
      }),
    }),
  });

builder.queryFields((t) => ({
  sessionCheck: t.field({
    type: SessionCheckRef,
    nullable: true,
    description: "A verification check of the caller's workspace and environment, or null.",
    authScopes: { scope: "sessions:read" },
    args: { id: t.arg.id({ required: true, description: "Check id (`chk_…`)." }) },
    resolve: async (_root, args, context) =>
      (await getSessionCheck(context.app, context.actor, String(args.id))) ?? null,
  }),
}));

builder.mutationFields((t) => ({
  retryCheck: t.field({
    type: RetryCheckPayload,
    description:
      "Re-runs a failed or errored verification check and continues its run from it (the same path as `retryRun(fromNode)`); the run must have finished.",
    authScopes: { scope: "workflows:trigger" },
    errors: { types: recordErrors },
    args: {
      checkId: t.arg.id({ required: true, description: "Check id (`chk_…`)." }),
      reason: t.arg.string({ required: false, description: "Why; kept on the run's audit trail." }),
    },
    resolve: (_root, args, context) =>
      retryCheck(context.app, context.actor, { checkId: String(args.checkId), reason: args.reason }),
  }),
}));
