import {
  type AccessedRecord,
  type BulkOperation,
  bulkRedactSessions,
  exportSessionData,
  getBulkOperation,
  getBulkOperationFailures,
  getSession,
  recordPersonalDataAccess,
  redactSession,
  renderSessionReportPdf,
} from "@flowgate/application";
import { NotFoundError, ValidationError } from "@flowgate/domain";
import { z } from "@hono/zod-openapi";
import {
  errorResponses,
  idParam,
  jsonResponse,
  optionalJsonBody,
  type RestApi,
  reply,
  restRoutes,
  SessionParams,
} from "./api.ts";
import { verifaErrors } from "./errors.ts";
import { presentSession } from "./presenters.ts";

// Data protection (issue 13): redact a session, its PDF verification report, its DSAR export. REST twins
// of GraphQL `redactSession`, `Session.reportPdfUrl` and `exportSessionData`; see docs/data-protection.md.
// Kept apart from sessions.ts so that other session routes can be added there without touching these.

const RedactBody = z
  .object({
    reason: z.string().optional().openapi({
      description: "Why the data is removed (required here or as `?reason=`), kept on the audit trail.",
      example: "GDPR Art. 17 request 2026-118",
    }),
  })
  .openapi("RedactSessionRequest");

const RedactedSession = z
  .object({
    id: z.string(),
    status: z.string(),
    result: z.string().nullable(),
    workflow_id: z.string().nullable(),
    reference_id: z.null().openapi({ description: "Always null once redacted." }),
    metadata: z.record(z.string(), z.unknown()).openapi({ description: "Always `{}` once redacted." }),
    created_at: z.string(),
    updated_at: z.string(),
    submitted_at: z.string().nullable(),
    completed_at: z.string().nullable(),
    expires_at: z.string().nullable(),
    redacted: z.literal(true),
    redaction: z.object({
      at: z.string(),
      by: z.string().openapi({ description: "The API key id that redacted it, or `retention`." }),
      reason: z.string(),
    }),
    changed: z
      .boolean()
      .openapi({ description: "False when it had been redacted already (nothing changed)." }),
  })
  .openapi("RedactedSession");

const DataExport = z
  .object({
    id: z.string().openapi({ example: "dsx_abc123" }),
    subject_type: z.literal("session"),
    subject_id: z.string(),
    url: z.string().openapi({ description: "Signed download URL of the ZIP (no API key needed)." }),
    expires_at: z.string().openapi({ description: "When the URL stops working (15 minutes)." }),
    created_at: z.string(),
  })
  .openapi("DataExport");

const BulkRedactBody = z
  .object({
    session_ids: z
      .array(z.string())
      .optional()
      .openapi({
        description: "The sessions to redact (up to 100,000); or give `filter`.",
        example: ["ses_abc123"],
      }),
    filter: z
      .object({
        statuses: z
          .array(z.string())
          .optional()
          .openapi({ example: ["completed", "expired"] }),
        created_before: z.string().datetime({ offset: true }).optional(),
        completed_before: z.string().datetime({ offset: true }).optional(),
      })
      .optional()
      .openapi({ description: "Every not-yet-redacted session matching all given conditions." }),
    reason: z.string().openapi({ description: "Why, kept on each session's audit trail." }),
  })
  .openapi("BulkRedactRequest");

const BulkOperationBody = z
  .object({
    id: z.string().openapi({ example: "blk_abc123" }),
    kind: z.string(),
    status: z.enum(["pending", "running", "completed", "failed"]),
    reason: z.string(),
    total: z.number(),
    processed: z.number(),
    succeeded: z.number(),
    skipped: z.number().openapi({ description: "Sessions under legal hold (see `failures`)." }),
    failed: z.number(),
    failures: z.array(
      z.object({
        session_id: z.string(),
        status: z.enum(["skipped", "failed"]),
        error: z.string().nullable(),
      }),
    ),
    created_at: z.string(),
    started_at: z.string().nullable(),
    completed_at: z.string().nullable(),
  })
  .openapi("BulkOperation");

function presentBulkOperation(
  operation: BulkOperation,
  failures: { sessionId: string; status: "skipped" | "failed"; error: string | null }[],
) {
  return {
    id: operation.id,
    kind: operation.kind,
    status: operation.status,
    reason: operation.reason,
    total: operation.total,
    processed: operation.processed,
    succeeded: operation.succeeded,
    skipped: operation.skipped,
    failed: operation.failed,
    failures: failures.map((f) => ({ session_id: f.sessionId, status: f.status, error: f.error })),
    created_at: operation.createdAt.toISOString(),
    started_at: operation.startedAt?.toISOString() ?? null,
    completed_at: operation.completedAt?.toISOString() ?? null,
  };
}

/** The personal columns each REST session read answers (as `table.column` of the personal-data definition). */
const sessionFields = ["sessions.reference_id", "sessions.metadata"] as const;
const runFields = ["runs.decision_metadata", "runs.error_message", "node_runs.output_data"] as const;

/**
 * The access log of REST reads: after a successful `GET` of sessions (one, a page, a workflow run), notes
 * who read which session's personal fields, one entry per request and record, written off the request
 * path like GraphQL's. Register it before the routes it observes.
 */
export function restAccessLog(api: RestApi): void {
  api.use("/sessions/*", async (c, next) => {
    await next();
    if (c.req.method !== "GET" || c.res.status !== 200) return;
    const rest = c.req.path.slice(c.req.path.indexOf("/sessions") + "/sessions".length);
    const [, sessionId, part] = rest.split("/");
    let records: AccessedRecord[] = [];
    if (sessionId && part === undefined) {
      records = [{ recordType: "Session", recordId: sessionId, sessionId, fields: sessionFields }];
    } else if (sessionId && part === "workflow-run") {
      const body = (await c.res.clone().json()) as { id?: string };
      if (body.id) records = [{ recordType: "Run", recordId: body.id, sessionId, fields: runFields }];
    }
    recordPersonalDataAccess(c.get("app"), c.get("actor"), records, "rest");
  });
  api.use("/sessions", async (c, next) => {
    await next();
    if (c.req.method !== "GET" || c.res.status !== 200) return;
    const body = (await c.res.clone().json()) as { data?: { id?: string }[] } | { id?: string }[];
    const items = Array.isArray(body) ? body : (body.data ?? []);
    const records = items.flatMap((item) =>
      item.id
        ? [{ recordType: "Session", recordId: item.id, sessionId: item.id, fields: sessionFields }]
        : [],
    );
    recordPersonalDataAccess(c.get("app"), c.get("actor"), records, "rest");
  });
}

/** Adds the data-protection routes of sessions. */
export function dataProtectionRoutes(api: RestApi): void {
  const route = restRoutes(api, ["Data protection"], verifaErrors);
  route(
    {
      method: "delete",
      path: "/sessions/{session_id}",
      summary: "Redact a session's personal data (GraphQL `redactSession`)",
      description:
        "Removes every personal field of the session, its runs, checks and attempts, events, documents, links and webhook bodies; keeps the audit skeleton and marks the session redacted. Idempotent. A session under legal hold answers 409 naming the hold (`details.hold_id`).",
      request: {
        params: SessionParams,
        query: z.object({ reason: z.string().optional().openapi({ description: "Or in the body." }) }),
        body: optionalJsonBody(RedactBody),
      },
      responses: {
        200: jsonResponse("The session, redacted", RedactedSession),
        ...errorResponses(401, 403, 404, 409, 422),
      },
    },
    async (c) => {
      const body = c.req.valid("json") ?? {};
      const reason = body.reason ?? c.req.valid("query").reason;
      const sessionId = c.req.valid("param").session_id;
      // Another workspace's session is not found, whatever else is wrong with the request.
      if (!(await getSession(c.get("app"), c.get("actor"), sessionId))) {
        throw new NotFoundError("Session", sessionId);
      }
      if (reason === undefined) {
        throw new ValidationError("A reason is required", [
          { path: ["reason"], message: "give the reason in the body or as ?reason=" },
        ]);
      }
      const { session, changed } = await redactSession(c.get("app"), c.get("actor"), { sessionId, reason });
      return reply(c, 200, {
        ...presentSession(session),
        redacted: true,
        redaction: session.redaction
          ? {
              at: session.redaction.at.toISOString(),
              by: session.redaction.by,
              reason: session.redaction.reason,
            }
          : null,
        changed,
      });
    },
  );

  route(
    {
      method: "get",
      path: "/sessions/{session_id}/report.pdf",
      summary: "PDF verification report (GraphQL `Session.reportPdfUrl`)",
      description:
        "The session, identity, checks with results and attempts, risk, decision trail and workflow version, rendered now. A redacted session's report shows the redaction. The read is access-logged.",
      request: { params: SessionParams },
      responses: {
        200: {
          description: "The report",
          content: { "application/pdf": { schema: z.string().openapi({ format: "binary" }) } },
        },
        ...errorResponses(401, 403, 404),
      },
    },
    async (c) => {
      const sessionId = c.req.valid("param").session_id;
      const pdf = await renderSessionReportPdf(c.get("app"), c.get("actor"), sessionId);
      if (!pdf) throw new NotFoundError("Session", sessionId);
      return c.body(new Uint8Array(pdf), 200, {
        "content-type": "application/pdf",
        "content-disposition": `inline; filename="verification-report-${sessionId}.pdf"`,
        "cache-control": "no-store",
      }) as never;
    },
  );

  route(
    {
      method: "post",
      path: "/sessions/{session_id}/export",
      summary: "Export a session's data, GDPR Art. 15 (GraphQL `exportSessionData`)",
      description:
        "Prepares a ZIP of every record held about the session (JSON), its documents as files and its access log, and answers a signed URL valid for 15 minutes. The request and each download are logged.",
      request: { params: SessionParams },
      responses: {
        201: jsonResponse("The export and its download URL", DataExport),
        ...errorResponses(401, 403, 404),
      },
    },
    async (c) => {
      const link = await exportSessionData(c.get("app"), c.get("actor"), {
        sessionId: c.req.valid("param").session_id,
      });
      return reply(c, 201, {
        id: link.export.id,
        subject_type: link.export.subjectType,
        subject_id: link.export.subjectId,
        // On the origin the client called (as GraphQL answers it), so the link works behind any address.
        url: `${new URL(c.req.url).origin}${link.path}`,
        expires_at: link.export.expiresAt.toISOString(),
        created_at: link.export.createdAt.toISOString(),
      });
    },
  );

  route(
    {
      method: "post",
      path: "/sessions/bulk-redact",
      summary: "Bulk redact sessions (GraphQL `bulkRedactSessions`)",
      description:
        "Starts a durable bulk redaction of the listed sessions or of every session the filter matches and answers 202 with the operation at once; follow it with `GET /bulk-operations/{operation_id}`. Sessions under legal hold are skipped, naming the hold; a worker crash redacts nothing twice and skips nothing.",
      request: { body: { content: { "application/json": { schema: BulkRedactBody } }, required: true } },
      responses: {
        202: jsonResponse("The operation, started", BulkOperationBody),
        ...errorResponses(401, 403, 422),
      },
    },
    async (c) => {
      const body = c.req.valid("json");
      const filter = body.filter
        ? {
            ...(body.filter.statuses ? { statuses: body.filter.statuses as never } : {}),
            ...(body.filter.created_before ? { createdBefore: new Date(body.filter.created_before) } : {}),
            ...(body.filter.completed_before
              ? { completedBefore: new Date(body.filter.completed_before) }
              : {}),
          }
        : null;
      const operation = await bulkRedactSessions(c.get("app"), c.get("actor"), {
        sessionIds: body.session_ids ?? null,
        filter,
        reason: body.reason,
      });
      return reply(c, 202, presentBulkOperation(operation, []));
    },
  );

  route(
    {
      method: "get",
      path: "/bulk-operations/{operation_id}",
      summary: "A bulk operation's progress (GraphQL `bulkOperation`)",
      description: "Counts so far and the first 100 skipped or failed sessions with why.",
      request: { params: z.object({ operation_id: idParam("Bulk operation ID (`blk_*`).", "blk_abc123") }) },
      responses: {
        200: jsonResponse("The operation", BulkOperationBody),
        ...errorResponses(401, 403, 404),
      },
    },
    async (c) => {
      const id = c.req.valid("param").operation_id;
      const operation = await getBulkOperation(c.get("app"), c.get("actor"), id);
      if (!operation) throw new NotFoundError("BulkOperation", id);
      const failures = await getBulkOperationFailures(c.get("app"), c.get("actor"), id);
      return reply(c, 200, presentBulkOperation(operation, failures));
    },
  );
}
