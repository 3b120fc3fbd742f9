import type { IssuedVerificationLink } from "@flowgate/application";
import {
  addSessionTag,
  expireSession,
  listSessionRunHistory,
  removeSessionTag,
  replaceSessionTags,
  reprocessSession,
  resumeSession,
  updateSession,
} from "@flowgate/application";
import type { Run, Session, SessionAuditEntry } from "@flowgate/domain";
import { builder } from "../builder.ts";
import { recordErrors } from "./errors.ts";
import { RunRef } from "./run.ts";
import { SessionRef } from "./session.ts";
import { IssuedVerificationLinkRef } from "./verification-link.ts";

const SessionAuditEntryRef = builder.objectRef<SessionAuditEntry>("SessionAuditEntry").implement({
  description:
    "A change to a session (update, tag.add, tag.remove, tag.replace, expire, resume, reprocess, …): who and why.",
  fields: (t) => ({
    id: t.exposeID("id", { description: "Entry id." }),
    action: t.exposeString("action", { description: "What was done." }),
    actor: t.exposeString("actor", {
      nullable: true,
      description: "The API key id that did it; null for the engine itself (its expiry timer).",
    }),
    reason: t.exposeString("reason", { nullable: true, description: "Why, as given by the actor." }),
    data: t.expose("data", { type: "JSONObject", description: "Details (fields changed, runs, tags, …)." }),
    createdAt: t.expose("createdAt", { type: "DateTime", description: "When." }),
  }),
});

builder.objectFields(SessionRef, (t) => ({
  auditTrail: t.field({
    type: [SessionAuditEntryRef],
    description: "Every change made to the session, oldest first.",
    resolve: (session, _args, context) => context.loaders.sessionAudit.load(session.id),
  }),
  runs: t.field({
    type: [RunRef],
    description:
      "Every run of the session, oldest first: runs a reprocess superseded (kept as history) and the current one (`workflowRun`).",
    resolve: (session, _args, context) => listSessionRunHistory(context.app, context.actor, session.id),
  }),
}));

const ReprocessSessionPayload = builder
  .objectRef<{ session: Session; run: Run; previousRunId: string | null }>("ReprocessSessionPayload")
  .implement({
    description: "The session's workflow runs again from the start; the earlier run is kept as history.",
    fields: (t) => ({
      session: t.field({
        type: SessionRef,
        resolve: (p) => p.session,
        description: "The session, now processing.",
      }),
      run: t.field({ type: RunRef, resolve: (p) => p.run, description: "The new run." }),
      previousRunId: t.exposeID("previousRunId", {
        nullable: true,
        description: "The run it superseded (still readable, in `Session.runs`).",
      }),
    }),
  });

const ResumeSessionPayload = builder
  .objectRef<{ session: Session; verificationLink: IssuedVerificationLink }>("ResumeSessionPayload")
  .implement({
    description:
      "The session is open again, with a new expiry and a fresh one-time link (its earlier links are revoked).",
    fields: (t) => ({
      session: t.field({ type: SessionRef, resolve: (p) => p.session, description: "The resumed session." }),
      verificationLink: t.field({
        type: IssuedVerificationLinkRef,
        resolve: (p) => p.verificationLink,
        description: "The fresh link, with its token (shown this once).",
      }),
    }),
  });

builder.mutationFields((t) => ({
  updateSession: t.field({
    type: SessionRef,
    description:
      "Updates a session's reference, metadata, tags or expiry (only the arguments given change). An expired session must be resumed first; the expiry changes only while the session is open.",
    authScopes: { scope: "sessions:write" },
    errors: { types: recordErrors },
    args: {
      id: t.arg.id({ required: true, description: "Session id (`ses_…`)." }),
      referenceId: t.arg.string({ required: false, description: "Your own identifier (null clears it)." }),
      metadata: t.arg({ type: "JSONObject", required: false, description: "Replaces the metadata." }),
      tags: t.arg.stringList({ required: false, description: "Replaces the tags." }),
      expiresAt: t.arg({
        type: "DateTime",
        required: false,
        description: "A new expiry, between 60 seconds and 30 days from now.",
      }),
    },
    resolve: (_root, args, context) =>
      updateSession(context.app, context.actor, {
        id: String(args.id),
        ...("referenceId" in args ? { referenceId: args.referenceId ?? null } : {}),
        ...("metadata" in args ? { metadata: args.metadata ?? null } : {}),
        ...("tags" in args ? { tags: args.tags ?? null } : {}),
        ...("expiresAt" in args ? { expiresAt: args.expiresAt ?? null } : {}),
      }),
  }),
  addSessionTag: t.field({
    type: SessionRef,
    description: "Adds a tag to a session (nothing changes when it has it already).",
    authScopes: { scope: "sessions:write" },
    errors: { types: recordErrors },
    args: {
      sessionId: t.arg.id({ required: true, description: "Session id (`ses_…`)." }),
      tag: t.arg.string({ required: true, description: "1–64 letters, digits, `_`, `-`, `.` or `:`." }),
    },
    resolve: (_root, args, context) =>
      addSessionTag(context.app, context.actor, { sessionId: String(args.sessionId), tag: args.tag }),
  }),
  removeSessionTag: t.field({
    type: SessionRef,
    description: "Removes a tag from a session (nothing changes when it does not have it).",
    authScopes: { scope: "sessions:write" },
    errors: { types: recordErrors },
    args: {
      sessionId: t.arg.id({ required: true, description: "Session id (`ses_…`)." }),
      tag: t.arg.string({ required: true, description: "The tag." }),
    },
    resolve: (_root, args, context) =>
      removeSessionTag(context.app, context.actor, { sessionId: String(args.sessionId), tag: args.tag }),
  }),
  replaceSessionTags: t.field({
    type: SessionRef,
    description: "Replaces all tags of a session; an empty list clears them.",
    authScopes: { scope: "sessions:write" },
    errors: { types: recordErrors },
    args: {
      sessionId: t.arg.id({ required: true, description: "Session id (`ses_…`)." }),
      tags: t.arg.stringList({ required: true, description: "The new tags (at most 50)." }),
    },
    resolve: (_root, args, context) =>
      replaceSessionTags(context.app, context.actor, { sessionId: String(args.sessionId), tags: args.tags }),
  }),
  expireSession: t.field({
    type: SessionRef,
    description:
      "Expires an open session now (created, in_progress, submitted or awaiting_external); a run waiting at a gate is cancelled. Written on the session's audit trail. An expired session refuses submit and trigger.",
    authScopes: { scope: "sessions:write" },
    errors: { types: recordErrors },
    args: {
      id: t.arg.id({ required: true, description: "Session id (`ses_…`)." }),
      reason: t.arg.string({ required: false, description: "Why; kept on the audit trail." }),
    },
    resolve: (_root, args, context) =>
      expireSession(context.app, context.actor, { id: String(args.id), reason: args.reason }),
  }),
  resumeSession: t.field({
    type: ResumeSessionPayload,
    description:
      "Re-opens a session that expired or was abandoned in capture and was never decided, with a new expiry (and a fresh one-time link); refused otherwise.",
    authScopes: { scope: "sessions:write" },
    errors: { types: recordErrors },
    args: {
      id: t.arg.id({ required: true, description: "Session id (`ses_…`)." }),
      expiresInSeconds: t.arg.int({
        required: false,
        description: "Seconds until the resumed session expires (60 – 2592000; default 7 days).",
      }),
    },
    resolve: (_root, args, context) =>
      resumeSession(context.app, context.actor, {
        id: String(args.id),
        expiresInSeconds: args.expiresInSeconds,
      }),
  }),
  reprocessSession: t.field({
    type: ReprocessSessionPayload,
    description:
      "Runs a completed or failed session's workflow again from the start; the earlier run is kept as history on the audit trail.",
    authScopes: { scope: "workflows:trigger" },
    errors: { types: recordErrors },
    args: {
      id: t.arg.id({ required: true, description: "Session id (`ses_…`)." }),
      reason: t.arg.string({ required: false, description: "Why; kept on the audit trails." }),
    },
    resolve: (_root, args, context) =>
      reprocessSession(context.app, context.actor, { id: String(args.id), reason: args.reason }),
  }),
}));
