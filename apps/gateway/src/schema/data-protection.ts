import {
  getLegalHoldsOfSessions,
  type LegalHold,
  placeLegalHold,
  type RedactSessionResult,
  redactSession,
  releaseLegalHold,
} from "@flowgate/application";
import { LegalHoldError, type SessionRedaction } from "@flowgate/domain";
import { builder } from "../builder.ts";
import { recordErrors } from "./errors.ts";
import { SessionRef } from "./session.ts";

const SessionRedactionRef = builder.objectRef<SessionRedaction>("SessionRedaction").implement({
  description: "When, by whom and why a session's personal data was removed.",
  fields: (t) => ({
    at: t.expose("at", { type: "DateTime", description: "When the data was removed." }),
    by: t.exposeString("by", { description: "The API key that redacted it (`key_…`), or `retention`." }),
    reason: t.exposeString("reason", { description: "Why." }),
  }),
});

const LegalHoldRef = builder.objectRef<LegalHold>("LegalHold").implement({
  description:
    "A legal hold: while active, the session's data cannot be redacted (alone, in bulk or by retention).",
  fields: (t) => ({
    id: t.exposeID("id", { description: "Hold id (`hld_…`)." }),
    sessionId: t.exposeID("sessionId", { description: "The held session." }),
    reason: t.exposeString("reason", { description: "Why the data must be kept." }),
    createdBy: t.exposeString("createdBy", { description: "The key that placed it." }),
    createdAt: t.expose("createdAt", { type: "DateTime", description: "When it was placed." }),
    active: t.boolean({
      description: "Whether it is in force.",
      resolve: (hold) => hold.releasedAt === null,
    }),
    releasedAt: t.expose("releasedAt", {
      type: "DateTime",
      nullable: true,
      description: "When it was released.",
    }),
    releasedBy: t.exposeString("releasedBy", { nullable: true, description: "The key that released it." }),
    releaseReason: t.exposeString("releaseReason", { nullable: true, description: "Why it was released." }),
  }),
});

builder.objectFields(SessionRef, (t) => ({
  redacted: t.boolean({
    description: "Whether a redaction removed the session's personal data (its audit skeleton stays).",
    resolve: (session) => session.redaction !== null,
  }),
  redaction: t.field({
    type: SessionRedactionRef,
    nullable: true,
    description: "When, by whom and why the session was redacted; null while its data is held.",
    resolve: (session) => session.redaction,
  }),
  legalHolds: t.field({
    type: [LegalHoldRef],
    description: "Every legal hold placed on the session, oldest first (active and released).",
    resolve: async (session, _args, context) =>
      (await getLegalHoldsOfSessions(context.app, context.actor, [session.id]))[0] ?? [],
  }),
}));

const RedactSessionPayload = builder.objectRef<RedactSessionResult>("RedactSessionPayload").implement({
  description: "The session's personal data is gone; the audit skeleton stays.",
  fields: (t) => ({
    session: t.field({ type: SessionRef, resolve: (p) => p.session, description: "The redacted session." }),
    changed: t.exposeBoolean("changed", {
      description: "False when it had been redacted before (redaction is idempotent).",
    }),
  }),
});

builder.mutationFields((t) => ({
  redactSession: t.field({
    type: RedactSessionPayload,
    description:
      "Removes the session's personal data (GDPR Art. 17) from the session, its runs, checks and attempts, events, links and emails, keeping the audit skeleton (ids, statuses, results, timestamps, who decided and why). Idempotent. A session under legal hold answers `LegalHoldError`.",
    authScopes: { scope: "sessions:write" },
    errors: { types: [...recordErrors, LegalHoldError] },
    args: {
      sessionId: t.arg.id({ required: true, description: "Session id (`ses_…`)." }),
      reason: t.arg.string({ required: true, description: "Why the data is removed (kept for audit)." }),
    },
    resolve: (_root, args, context) =>
      redactSession(context.app, context.actor, { sessionId: String(args.sessionId), reason: args.reason }),
  }),
  legalHold: t.field({
    type: LegalHoldRef,
    description: "Places a legal hold on a session: its data cannot be redacted until the hold is released.",
    authScopes: { scope: "sessions:write" },
    errors: { types: recordErrors },
    args: {
      sessionId: t.arg.id({ required: true, description: "Session id (`ses_…`)." }),
      reason: t.arg.string({ required: true, description: "Why the data must be kept." }),
    },
    resolve: (_root, args, context) =>
      placeLegalHold(context.app, context.actor, { sessionId: String(args.sessionId), reason: args.reason }),
  }),
  releaseLegalHold: t.field({
    type: LegalHoldRef,
    description: "Releases the session's active legal hold (the hold stays on record).",
    authScopes: { scope: "sessions:write" },
    errors: { types: recordErrors },
    args: {
      sessionId: t.arg.id({ required: true, description: "Session id (`ses_…`)." }),
      reason: t.arg.string({ required: false, description: "Why it is released." }),
    },
    resolve: (_root, args, context) =>
      releaseLegalHold(context.app, context.actor, {
        sessionId: String(args.sessionId),
        reason: args.reason ?? null,
      }),
  }),
}));
