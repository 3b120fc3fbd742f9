import {
  createSession,
  followSessionStatus,
  listSessions,
  type SessionStatusEvent,
  submitExternalDecision,
  submitSession,
} from "@flowgate/application";
import { externalDecisions, type Run, type Session, sessionStatuses } from "@flowgate/domain";
import { GraphQLError } from "graphql";
import { builder } from "../builder.ts";
import { notFoundAsGraphQLError, recordErrors } from "./errors.ts";
import { keysetConnection } from "./pagination.ts";
import { RunRef } from "./run.ts";
import { WorkflowRef } from "./workflow.ts";

const IdentityInput = builder.inputType("IdentityInput", {
  description: "A person to verify, kept as an entity of type individual.",
  fields: (t) => ({
    firstName: t.string({ required: true, description: "First name." }),
    lastName: t.string({ required: true, description: "Last name." }),
    email: t.string({ required: false, description: "Email (also the session's invitee email)." }),
    phone: t.string({ required: false, description: "Phone number." }),
    jurisdiction: t.string({ required: false, description: "ISO 3166-1 alpha-2 country code." }),
  }),
});

/** The GraphQL `SessionStatus` enum. */
export const SessionStatusEnum = builder.enumType("SessionStatus", {
  description: "Where a verification session is in its life.",
  values: sessionStatuses,
});

const SessionResult = builder.enumType("SessionResult", {
  description: "The outcome of a completed session.",
  values: ["approved", "rejected", "needs_review"] as const,
});

const ExternalDecision = builder.enumType("ExternalDecision", {
  description:
    "How a run paused at an external gate proceeds: `continue` resumes it, `fail` applies the gate's on_fail action, `reject` rejects the session at once.",
  values: externalDecisions,
});

/** The GraphQL `Session` type. */
export const SessionRef = builder.objectRef<Session>("Session");

builder.node(SessionRef, {
  description: "A verification session: the subject's data and the workflow run that decides it.",
  authScopes: { scope: "sessions:read" },
  id: { resolve: (session) => session.id },
  isTypeOf: (value) => typeof value === "object" && value !== null && "submittedAt" in value,
  loadMany: async (ids, context) =>
    (await context.loaders.session.loadMany(ids)).map((s) => (s instanceof Error ? null : (s ?? null))),
  fields: (t) => ({
    status: t.field({ type: SessionStatusEnum, resolve: (s) => s.status, description: "Current status." }),
    result: t.field({
      type: SessionResult,
      nullable: true,
      resolve: (s) => s.result,
      description: "The outcome once completed.",
    }),
    workflowId: t.exposeID("workflowId", { nullable: true, description: "The workflow it runs." }),
    workflow: t.field({
      type: WorkflowRef,
      nullable: true,
      description: "The workflow it runs.",
      resolve: async (s, _args, context) =>
        s.workflowId ? ((await context.loaders.workflow.load(s.workflowId)) ?? null) : null,
    }),
    workflowRun: t.field({
      type: RunRef,
      nullable: true,
      description: "The session's workflow run, with the steps executed and their results.",
      resolve: async (s, _args, context) => (await context.loaders.runOfSession.load(s.id)) ?? null,
    }),
    referenceId: t.exposeString("referenceId", {
      nullable: true,
      description: "Your own identifier for it.",
    }),
    metadata: t.expose("metadata", {
      type: "JSONObject",
      description: "Free-form data; conditions read it as `session.<key>`.",
    }),
    createdAt: t.expose("createdAt", { type: "DateTime", description: "When it was created." }),
    updatedAt: t.expose("updatedAt", { type: "DateTime", description: "When it last changed." }),
    submittedAt: t.expose("submittedAt", {
      type: "DateTime",
      nullable: true,
      description: "When it was submitted.",
    }),
    completedAt: t.expose("completedAt", {
      type: "DateTime",
      nullable: true,
      description: "When it completed.",
    }),
    expiresAt: t.expose("expiresAt", {
      type: "DateTime",
      nullable: true,
      description: "When it expires unless it has completed by then.",
    }),
    tags: t.exposeStringList("tags", { description: "Its tags, in the order they were added." }),
    inviteeEmail: t.string({
      nullable: true,
      description: "The person's email, where invitations with a one-time link go.",
      resolve: (s) => s.inviteeEmail ?? null,
    }),
  }),
});

const ExternalDecisionPayload = builder
  .objectRef<{ sessionId: string; decision: string; status: string; message: string }>(
    "ExternalDecisionPayload",
  )
  .implement({
    description: "The decision was accepted; the workflow resumes asynchronously.",
    fields: (t) => ({
      sessionId: t.exposeID("sessionId", { description: "The session." }),
      decision: t.exposeString("decision", { description: "The decision recorded." }),
      status: t.exposeString("status", { description: "Always `processing`." }),
      message: t.exposeString("message", { description: "A human-readable confirmation." }),
    }),
  });

const SubmitSessionPayload = builder
  .objectRef<{ session: Session; run: Run }>("SubmitSessionPayload")
  .implement({
    description: "The session was submitted and its workflow run started.",
    fields: (t) => ({
      session: t.field({
        type: SessionRef,
        resolve: (p) => p.session,
        description: "The session, now processing.",
      }),
      run: t.field({ type: RunRef, resolve: (p) => p.run, description: "The run that started." }),
    }),
  });

const SessionStatusEventRef = builder.objectRef<SessionStatusEvent>("SessionStatusEvent").implement({
  description: "A session's status at a point in time.",
  fields: (t) => ({
    sessionId: t.exposeID("sessionId", { description: "The session." }),
    status: t.exposeString("status", { description: "Its status." }),
    result: t.exposeString("result", { nullable: true, description: "Its result, once completed." }),
    at: t.exposeString("at", { description: "When it changed (ISO 8601)." }),
  }),
});

builder.queryFields((t) => ({
  session: t.field({
    type: SessionRef,
    nullable: true,
    description: "A session of the caller's workspace and environment, or null.",
    authScopes: { scope: "sessions:read" },
    args: { id: t.arg.id({ required: true, description: "Session id (`ses_…`)." }) },
    resolve: async (_root, { id }, context) => (await context.loaders.session.load(String(id))) ?? null,
  }),
  sessions: t.connection({
    type: SessionRef,
    description: "The sessions of the caller's workspace and environment, newest first.",
    authScopes: { scope: "sessions:read" },
    args: {
      status: t.arg({
        type: SessionStatusEnum,
        required: false,
        description: "Only sessions with this status.",
      }),
      tag: t.arg.string({ required: false, description: "Only sessions carrying this tag." }),
      createdFrom: t.arg({
        type: "DateTime",
        required: false,
        description: "Only sessions created at or after this instant.",
      }),
      createdTo: t.arg({
        type: "DateTime",
        required: false,
        description: "Only sessions created before this instant (it must be after `createdFrom`).",
      }),
    },
    resolve: (_root, args, context) => {
      if (args.createdFrom && args.createdTo && args.createdFrom.getTime() >= args.createdTo.getTime()) {
        throw new GraphQLError("createdTo must be after createdFrom", {
          extensions: { code: "BAD_USER_INPUT", field: "createdTo" },
        });
      }
      return keysetConnection(args, (page) =>
        listSessions(context.app, context.actor, {
          ...page,
          status: args.status ?? undefined,
          tag: args.tag ?? undefined,
          createdFrom: args.createdFrom ?? undefined,
          createdTo: args.createdTo ?? undefined,
        }),
      );
    },
  }),
}));

builder.mutationFields((t) => ({
  createSession: t.field({
    type: SessionRef,
    description:
      "Creates a verification session in status `created`. With a `referenceId` that an open session (not completed, failed or expired) already has, returns that session instead, unless `forceNew`.",
    authScopes: { scope: "sessions:write" },
    errors: { types: recordErrors },
    args: {
      workflowId: t.arg.id({
        required: false,
        description: "The workflow to run on submit (default: the workspace's default).",
      }),
      referenceId: t.arg.string({ required: false, description: "Your own identifier for the session." }),
      forceNew: t.arg.boolean({
        required: false,
        description: "Create a new session even if an open session already has this `referenceId`.",
      }),
      expiresInSeconds: t.arg.int({
        required: false,
        description: "Seconds until the session expires if not completed (60 – 2592000; default 7 days).",
      }),
      metadata: t.arg({
        type: "JSONObject",
        required: false,
        description: "Free-form data, readable by conditions.",
      }),
      sandbox: t.arg({
        type: "JSONObject",
        required: false,
        description:
          'Sandbox only: simulated check outcomes keyed by node id or policy name, e.g. `{"aml": {"outcome": "pass", "output": {"score": 85}}}`.',
      }),
      inviteeEmail: t.arg.string({
        required: false,
        description: "The person's email, where `resendSessionInvitation` sends one-time links.",
      }),
      identityId: t.arg.id({
        required: false,
        description: "The identity it belongs to: an entity of type individual (or give `identity`).",
      }),
      identity: t.arg({
        type: IdentityInput,
        required: false,
        description: "A new identity (an individual entity) the session belongs to.",
      }),
      allowDuplicate: t.arg.boolean({
        required: false,
        description:
          "Open it although the identity has an open session with the same referenceId (refused otherwise).",
      }),
    },
    resolve: (_root, args, context) =>
      createSession(context.app, context.actor, {
        ...args,
        workflowId: args.workflowId ? String(args.workflowId) : null,
        identityId: args.identityId ? String(args.identityId) : null,
      }),
  }),
  submitSession: t.field({
    type: SubmitSessionPayload,
    description: "Submits a session and starts its workflow (its own or the default) asynchronously.",
    authScopes: { scope: "sessions:write" },
    errors: { types: recordErrors },
    args: {
      sessionId: t.arg.id({ required: true, description: "Session id (`ses_…`)." }),
      version: t.arg.int({
        required: false,
        description: "Run this version of the workflow instead of the current one.",
      }),
    },
    resolve: (_root, args, context) =>
      submitSession(context.app, context.actor, {
        sessionId: String(args.sessionId),
        version: args.version,
      }),
  }),
  submitExternalDecision: t.field({
    type: ExternalDecisionPayload,
    description:
      "Submits the decision for a session paused at an external gate (it must be `awaiting_external`).",
    authScopes: { scope: "sessions:write" },
    errors: { types: recordErrors },
    args: {
      sessionId: t.arg.id({ required: true, description: "Session id (`ses_…`)." }),
      decision: t.arg({
        type: ExternalDecision,
        required: true,
        description: "How the workflow should proceed.",
      }),
      metadata: t.arg({
        type: "JSONObject",
        required: false,
        description: "Metadata from the external system; stored on the run.",
      }),
    },
    resolve: (_root, args, context) =>
      submitExternalDecision(context.app, context.actor, {
        sessionId: String(args.sessionId),
        decision: args.decision,
        metadata: args.metadata ?? null,
      }),
  }),
}));

builder.subscriptionFields((t) => ({
  sessionStatus: t.field({
    type: SessionStatusEventRef,
    description:
      "The session's current status, then every change; completes once it is completed, failed or expired.",
    authScopes: { scope: "sessions:read" },
    args: { sessionId: t.arg.id({ required: true, description: "Session id (`ses_…`)." }) },
    subscribe: (_root, args, context) =>
      notFoundAsGraphQLError(followSessionStatus(context.app, context.actor, String(args.sessionId))),
    resolve: (event) => event,
  }),
}));
