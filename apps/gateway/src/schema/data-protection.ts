import {
  type AccessLogRow,
  type BulkOperation,
  bulkRedactSessions,
  type DataExportLink,
  exportAccessLog,
  exportIdentityData,
  exportSessionData,
  getAccessLogOfSessions,
  getBulkOperation,
  getBulkOperationFailures,
  getLegalHoldsOfSessions,
  getReportPdfUrl,
  getRetentionPolicy,
  type LegalHold,
  placeLegalHold,
  type RedactSessionResult,
  type RetentionPolicy,
  redactSession,
  releaseLegalHold,
  retentionPreview,
  setRetentionPolicy,
} from "@flowgate/application";
import { LegalHoldError, type SessionRedaction, ValidationError } from "@flowgate/domain";
import { builder } from "../builder.ts";
import { recordErrors } from "./errors.ts";
import { SessionRef, SessionStatusEnum } from "./session.ts";

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

const AccessLogEntryRef = builder.objectRef<AccessLogRow>("AccessLogEntry").implement({
  description:
    "One read of personal data through the API: who (the API key), what (the record and its personal fields, never their values) and when. Append-only.",
  fields: (t) => ({
    id: t.exposeID("id", { description: "Increasing id; the cursor of the audit export." }),
    keyId: t.exposeID("keyId", { description: "The API key that read (`key_…`)." }),
    recordType: t.exposeString("recordType", {
      description: "The kind of record read, e.g. `Session`, `Run`.",
    }),
    recordId: t.exposeID("recordId", { description: "The record read." }),
    sessionId: t.exposeID("sessionId", { nullable: true, description: "The session it belongs to, if any." }),
    fields: t.exposeStringList("fields", {
      description: "The personal fields read, as `table.column` of the personal-data definition.",
    }),
    channel: t.exposeString("channel", { description: "How: `graphql`, `export` or `report`." }),
    at: t.field({ type: "DateTime", description: "When.", resolve: (entry) => entry.createdAt }),
  }),
});

const AccessLogPageRef = builder
  .objectRef<{ entries: AccessLogRow[]; nextCursor: string | null }>("AccessLogPage")
  .implement({
    description: "A page of the access log's audit export, oldest first.",
    fields: (t) => ({
      entries: t.field({ type: [AccessLogEntryRef], resolve: (p) => p.entries, description: "The entries." }),
      nextCursor: t.exposeString("nextCursor", {
        nullable: true,
        description: "Pass as `after` for the next page; null on the last page.",
      }),
    }),
  });

builder.queryFields((t) => ({
  accessLog: t.field({
    type: AccessLogPageRef,
    description:
      "Audit export of the access log: every read of personal data in the caller's workspace and environment, oldest first. Needs `admin`.",
    authScopes: { scope: "admin" },
    errors: { types: [ValidationError] },
    args: {
      since: t.arg({ type: "DateTime", required: false, description: "From this time (inclusive)." }),
      until: t.arg({ type: "DateTime", required: false, description: "Until this time (exclusive)." }),
      after: t.arg.string({ required: false, description: "The `nextCursor` of the previous page." }),
      first: t.arg.int({ required: false, description: "Entries per page, 1–5000 (default 1000)." }),
    },
    resolve: (_root, args, context) =>
      exportAccessLog(context.app, context.actor, {
        since: args.since ?? null,
        until: args.until ?? null,
        after: args.after ?? null,
        first: args.first ?? null,
      }),
  }),
}));

builder.objectFields(SessionRef, (t) => ({
  reportPdfUrl: t.string({
    description:
      "A signed URL (valid 15 minutes, no API key needed) of the PDF verification report: the session, identity, each check with its result and attempts, the risk assessment, the decision trail and the workflow version with its graph. A redacted session's report shows the redaction. Each download is access-logged.",
    resolve: async (session, _args, context) => {
      const link = await getReportPdfUrl(context.app, context.actor, session.id);
      if (!link) throw new Error(`Session ${session.id} vanished`);
      return downloadUrl(link, context);
    },
  }),
  accessLog: t.field({
    type: [AccessLogEntryRef],
    description:
      "Who read this session's personal data (and its runs' and links'), newest first (the last 100 reads). Reads are written shortly after each response.",
    args: { last: t.arg.int({ required: false, description: "How many entries, 1–1000 (default 100)." }) },
    resolve: async (session, args, context) =>
      (await getAccessLogOfSessions(context.app, context.actor, [session.id], clamp(args.last ?? 100)))[0] ??
      [],
  }),
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

function clamp(value: number): number {
  return Math.min(1000, Math.max(1, Math.trunc(value)));
}

const DataExportRef = builder.objectRef<DataExportLink>("DataExport").implement({
  description:
    "A DSAR export (GDPR Art. 15): a ZIP of everything held about the subject — records as JSON, documents as files, the access log — at a signed URL that needs no API key and expires after 15 minutes. The request and each download are logged.",
  fields: (t) => ({
    id: t.id({ description: "Export id (`dsx_…`).", resolve: (e) => e.export.id }),
    subjectType: t.string({ description: "`session` or `identity`.", resolve: (e) => e.export.subjectType }),
    subjectId: t.id({ description: "The session or entity exported.", resolve: (e) => e.export.subjectId }),
    url: t.string({
      description: "The signed download URL of the ZIP, on the gateway that answered.",
      resolve: (e, _args, context) => downloadUrl(e, context),
    }),
    expiresAt: t.field({
      type: "DateTime",
      description: "When the URL stops working.",
      resolve: (e) => e.export.expiresAt,
    }),
    createdAt: t.field({
      type: "DateTime",
      description: "When it was requested.",
      resolve: (e) => e.export.createdAt,
    }),
  }),
});

builder.mutationFields((t) => ({
  exportSessionData: t.field({
    type: DataExportRef,
    description:
      "Exports everything held about a session (GDPR Art. 15 DSAR) as a ZIP at a signed, short-lived URL.",
    authScopes: { scope: "sessions:read" },
    errors: { types: recordErrors },
    args: { sessionId: t.arg.id({ required: true, description: "Session id (`ses_…`)." }) },
    resolve: (_root, args, context) =>
      exportSessionData(context.app, context.actor, { sessionId: String(args.sessionId) }),
  }),
  exportIdentityData: t.field({
    type: DataExportRef,
    description:
      "Exports everything held about an identity — an entity of type individual — and the verification sessions sent to it, as a ZIP at a signed, short-lived URL.",
    authScopes: { scope: "entities:read" },
    errors: { types: recordErrors },
    args: { identityId: t.arg.id({ required: true, description: "Entity id (`ent_…`) of an individual." }) },
    resolve: (_root, args, context) =>
      exportIdentityData(context.app, context.actor, { identityId: String(args.identityId) }),
  }),
}));

/**
 * A signed path as an absolute URL: on the origin the client called (HTTP), or on the configured public URL
 * (WebSocket operations, whose request is synthetic).
 */
function downloadUrl(link: { path: string; url: string }, context: object): string {
  const request = (context as { request?: Request }).request;
  const origin = request ? new URL(request.url).origin : null;
  return origin && origin !== "http://gateway.local" ? `${origin}${link.path}` : link.url;
}

const BulkOperationFailureRef = builder
  .objectRef<{ sessionId: string; status: "skipped" | "failed"; error: string | null }>(
    "BulkOperationFailure",
  )
  .implement({
    description: "A session a bulk operation skipped (legal hold, already redacted) or failed, with why.",
    fields: (t) => ({
      sessionId: t.exposeID("sessionId", { description: "The session." }),
      status: t.exposeString("status", { description: "`skipped` or `failed`." }),
      error: t.exposeString("error", {
        nullable: true,
        description: "Why, e.g. the legal hold that kept it.",
      }),
    }),
  });

const BulkOperationRef = builder.objectRef<BulkOperation>("BulkOperation").implement({
  description:
    "A durable bulk job (bulk redaction): poll it for progress. It survives worker crashes without redacting a session twice or skipping one.",
  fields: (t) => ({
    id: t.exposeID("id", { description: "Operation id (`blk_…`)." }),
    kind: t.exposeString("kind", { description: "What it does: `redact_sessions`." }),
    status: t.exposeString("status", { description: "`pending`, `running`, `completed` or `failed`." }),
    reason: t.exposeString("reason", { description: "Why (recorded on every redacted session)." }),
    total: t.exposeInt("total", { description: "Sessions it covers." }),
    processed: t.exposeInt("processed", {
      description: "Sessions done so far (succeeded + skipped + failed).",
    }),
    succeeded: t.exposeInt("succeeded", { description: "Sessions redacted." }),
    skipped: t.exposeInt("skipped", {
      description: "Sessions left alone: under legal hold or already redacted.",
    }),
    failed: t.exposeInt("failed", { description: "Sessions that could not be redacted (e.g. not found)." }),
    failures: t.field({
      type: [BulkOperationFailureRef],
      description: "The skipped and failed sessions with why (the first 100).",
      resolve: (operation, _args, context) =>
        getBulkOperationFailures(context.app, context.actor, operation.id),
    }),
    createdBy: t.exposeString("createdBy", { description: "The key that started it." }),
    createdAt: t.expose("createdAt", { type: "DateTime", description: "When it was started." }),
    startedAt: t.expose("startedAt", {
      type: "DateTime",
      nullable: true,
      description: "When a worker began.",
    }),
    completedAt: t.expose("completedAt", {
      type: "DateTime",
      nullable: true,
      description: "When it finished.",
    }),
  }),
});

const BulkSessionFilterInput = builder.inputType("BulkSessionFilter", {
  description:
    "Which sessions a bulk redaction takes (every condition applies; redacted sessions are left out).",
  fields: (t) => ({
    statuses: t.field({ type: [SessionStatusEnum], required: false, description: "Only these statuses." }),
    createdBefore: t.field({ type: "DateTime", required: false, description: "Created before this time." }),
    completedBefore: t.field({
      type: "DateTime",
      required: false,
      description: "Completed before this time.",
    }),
  }),
});

builder.queryFields((t) => ({
  bulkOperation: t.field({
    type: BulkOperationRef,
    nullable: true,
    description:
      "A bulk operation of the caller's workspace and environment, with its progress; null if none.",
    authScopes: { scope: "sessions:read" },
    args: { id: t.arg.id({ required: true, description: "Operation id (`blk_…`)." }) },
    resolve: async (_root, args, context) =>
      (await getBulkOperation(context.app, context.actor, String(args.id))) ?? null,
  }),
}));

builder.mutationFields((t) => ({
  bulkRedactSessions: t.field({
    type: BulkOperationRef,
    description:
      "Starts a durable bulk redaction of the given sessions, or of every session the filter matches; answers at once with the operation to poll. Sessions under legal hold are skipped (see `failures`).",
    authScopes: { scope: "sessions:write" },
    errors: { types: recordErrors },
    args: {
      sessionIds: t.arg.idList({ required: false, description: "The sessions (at most 100,000)." }),
      filter: t.arg({ type: BulkSessionFilterInput, required: false, description: "Or: which sessions." }),
      reason: t.arg.string({ required: true, description: "Why the data is removed (kept for audit)." }),
    },
    resolve: (_root, args, context) =>
      bulkRedactSessions(context.app, context.actor, {
        sessionIds: args.sessionIds ? args.sessionIds.map(String) : null,
        filter: args.filter
          ? {
              statuses: args.filter.statuses ?? undefined,
              createdBefore: args.filter.createdBefore ?? undefined,
              completedBefore: args.filter.completedBefore ?? undefined,
            }
          : null,
        reason: args.reason,
      }),
  }),
}));

const RetentionPolicyRef = builder.objectRef<RetentionPolicy>("RetentionPolicy").implement({
  description: "How long the workspace and environment keeps session data; applied by a durable daily job.",
  fields: (t) => ({
    redactAfterDays: t.exposeInt("redactAfterDays", {
      nullable: true,
      description: "Sessions are redacted this many days after a final status (completed, failed, expired).",
    }),
    deleteAbandonedAfterDays: t.exposeInt("deleteAbandonedAfterDays", {
      nullable: true,
      description: "Sessions never submitted are deleted this many days after creation.",
    }),
    updatedBy: t.exposeString("updatedBy", { nullable: true, description: "The key that set it." }),
    updatedAt: t.expose("updatedAt", { type: "DateTime", description: "When it was set." }),
  }),
});

const RetentionPreviewRef = builder
  .objectRef<{ at: Date; redact: number; delete: number }>("RetentionPreview")
  .implement({
    description: "What the next retention pass would do (sessions under legal hold are not counted).",
    fields: (t) => ({
      at: t.expose("at", { type: "DateTime", description: "The time the preview is for." }),
      redact: t.exposeInt("redact", { description: "Sessions it would redact." }),
      delete: t.exposeInt("delete", { description: "Abandoned sessions it would delete." }),
    }),
  });

builder.queryFields((t) => ({
  retentionPolicy: t.field({
    type: RetentionPolicyRef,
    nullable: true,
    description: "The retention policy of the caller's workspace and environment; null when none is set.",
    authScopes: { scope: "sessions:read" },
    resolve: async (_root, _args, context) => (await getRetentionPolicy(context.app, context.actor)) ?? null,
  }),
  retentionPreview: t.field({
    type: RetentionPreviewRef,
    description: "How many sessions the next retention pass would redact and delete.",
    authScopes: { scope: "sessions:read" },
    args: { at: t.arg({ type: "DateTime", required: false, description: "As of this time (default now)." }) },
    resolve: (_root, args, context) => retentionPreview(context.app, context.actor, { at: args.at ?? null }),
  }),
}));

builder.mutationFields((t) => ({
  setRetentionPolicy: t.field({
    type: RetentionPolicyRef,
    description:
      "Sets the retention policy of the caller's workspace and environment (null turns a rule off). Needs `admin`.",
    authScopes: { scope: "admin" },
    errors: { types: [ValidationError] },
    args: {
      redactAfterDays: t.arg.int({ required: false, description: "Days after a final status (1–36500)." }),
      deleteAbandonedAfterDays: t.arg.int({
        required: false,
        description: "Days after creation for sessions never submitted (1–36500).",
      }),
    },
    resolve: (_root, args, context) =>
      setRetentionPolicy(context.app, context.actor, {
        redactAfterDays: args.redactAfterDays ?? null,
        deleteAbandonedAfterDays: args.deleteAbandonedAfterDays ?? null,
      }),
  }),
}));
