import {
  getRiskAssessmentsOfSessions,
  getSessionCheck,
  listAttemptsOfSessionChecks,
  listChecksOfSessions,
  listNodeRunsOfRuns,
  listWebhookDeliveriesOf,
  retryCheck,
} from "@flowgate/application";
import { NotFoundError, riskLevels, type SessionCheck } from "@flowgate/domain";
import { z } from "@hono/zod-openapi";
import {
  errorResponses,
  idParam,
  jsonResponse,
  optionalJsonBody,
  PageQuery,
  type RestApi,
  type RestContext,
  reply,
  replyPage,
  restRoutes,
  SessionParams,
} from "./api.ts";
import { verifaErrors } from "./errors.ts";
import { presentWorkflowRun } from "./presenters.ts";
import {
  presentCheck,
  presentCheckAttempt,
  presentRiskAssessment,
  presentWebhookDelivery,
} from "./session-presenters.ts";
import { requireSession, WorkflowRun } from "./sessions.ts";
import { listBody } from "./versions.ts";

// Verifa's verification checks, attempts, risk assessment and webhook deliveries of a session (seed
// 002's menu) over the application's use cases; GraphQL twins in docs/rest.md.

const CheckAttempt = z
  .object({
    id: z.string().openapi({ example: "att_abc123" }),
    check_id: z.string(),
    number: z.number().int().openapi({ description: "1, 2, 3, … over the check's life, retries included." }),
    started_at: z.string(),
    completed_at: z.string().nullable(),
    outcome: z.string().nullable().openapi({ description: "`pass`, `fail` or `error`; null while it runs." }),
    error: z.string().nullable(),
    provider_reference: z.string().nullable(),
    output: z.record(z.string(), z.unknown()).nullable(),
  })
  .openapi("VerificationAttempt");

const Check = z
  .object({
    id: z.string().openapi({ example: "chk_abc123" }),
    session_id: z.string(),
    run_id: z.string(),
    node_id: z.string(),
    policy: z.string().openapi({ example: "document" }),
    status: z.enum(["running", "retrying", "passed", "failed", "errored"]),
    result: z.string().nullable(),
    output: z.record(z.string(), z.unknown()).nullable(),
    error: z.string().nullable(),
    created_at: z.string(),
    updated_at: z.string(),
    attempts: z.array(CheckAttempt),
  })
  .openapi("VerificationCheck");

const RiskAssessment = z
  .object({
    id: z.string().openapi({ example: "rsk_abc123" }),
    session_id: z.string(),
    run_id: z.string(),
    score: z.number().int().openapi({ description: "0 (no risk seen) to 100." }),
    level: z.enum(riskLevels),
    signals: z.array(
      z.object({
        code: z.string(),
        description: z.string(),
        weight: z.number().int(),
        check_id: z.string(),
        node_id: z.string(),
      }),
    ),
    rules_version: z.string().openapi({ description: "The version of the rules that produced it." }),
    created_at: z.string(),
  })
  .openapi("RiskAssessment");

const RetryCheckBody = z
  .object({
    reason: z.string().max(1000).optional().openapi({ description: "Why; kept on the run's audit trail." }),
  })
  .openapi("RetryCheckRequest");

const RetriedCheck = z.object({ check: Check, run: WorkflowRun }).openapi("RetryCheckResponse");

const CheckParams = SessionParams.extend({ check_id: idParam("Check ID (`chk_*`).", "chk_abc123") });

/** The check of the path, under its session (another session's or workspace's check is not found). */
async function requireCheck(c: RestContext, sessionId: string, checkId: string): Promise<SessionCheck> {
  const check = await getSessionCheck(c.get("app"), c.get("actor"), checkId);
  if (!check || check.sessionId !== sessionId) throw new NotFoundError("Check", checkId);
  return check;
}

/** The checks of the session's current run with their attempts. */
async function checksWithAttempts(c: RestContext, sessionId: string) {
  await requireSession(c, sessionId);
  const app = c.get("app");
  const actor = c.get("actor");
  const [checks = []] = await listChecksOfSessions(app, actor, [sessionId]);
  const attempts = await listAttemptsOfSessionChecks(
    app,
    actor,
    checks.map((check) => check.id),
  );
  return checks.map((check, index) => ({ check, attempts: attempts[index] ?? [] }));
}

/** Adds the check, attempt, risk and webhook delivery routes of sessions. */
export function sessionCheckRoutes(api: RestApi): void {
  const route = restRoutes(api, ["Sessions"], verifaErrors);
  route(
    {
      method: "get",
      path: "/sessions/{session_id}/checks",
      summary: "List verification checks (GraphQL `session { checks }`)",
      description: "The checks of the session's current run, in the order they started, with their attempts.",
      request: { params: SessionParams },
      responses: { 200: jsonResponse("The session's checks", z.unknown()), ...errorResponses(401, 403, 404) },
    },
    async (c) => {
      const checks = await checksWithAttempts(c, c.req.valid("param").session_id);
      return reply(
        c,
        200,
        listBody(c, {
          data: checks.map(({ check, attempts }) => presentCheck(check, attempts)),
          has_more: false,
          next_cursor: null,
        }),
      );
    },
  );

  route(
    {
      method: "get",
      path: "/sessions/{session_id}/checks/{check_id}",
      summary: "Get a verification check (GraphQL `sessionCheck`)",
      request: { params: CheckParams },
      responses: { 200: jsonResponse("The check", Check), ...errorResponses(401, 403, 404) },
    },
    async (c) => {
      const { session_id, check_id } = c.req.valid("param");
      const check = await requireCheck(c, session_id, check_id);
      const [attempts] = await listAttemptsOfSessionChecks(c.get("app"), c.get("actor"), [check.id]);
      return reply(c, 200, presentCheck(check, attempts ?? []));
    },
  );

  route(
    {
      method: "post",
      path: "/sessions/{session_id}/checks/{check_id}/retry",
      summary: "Retry a failed verification check (GraphQL `retryCheck`)",
      description:
        "Re-runs a failed or errored check and continues its run from it (the same path as `retryRun(fromNode)`); the run must have finished (409 otherwise). Needs `workflows:trigger`.",
      request: { params: CheckParams, body: optionalJsonBody(RetryCheckBody) },
      responses: {
        200: jsonResponse("The check runs again; its run continues from it", RetriedCheck),
        ...errorResponses(401, 403, 404, 409, 422),
      },
    },
    async (c) => {
      const { session_id, check_id } = c.req.valid("param");
      const body = c.req.valid("json") ?? {};
      const app = c.get("app");
      const actor = c.get("actor");
      await requireCheck(c, session_id, check_id);
      const { check, run } = await retryCheck(app, actor, { checkId: check_id, reason: body.reason ?? null });
      const [[attempts = []], [nodeRuns = []]] = await Promise.all([
        listAttemptsOfSessionChecks(app, actor, [check.id]),
        listNodeRunsOfRuns(app, actor, [run.id]),
      ]);
      return reply(c, 200, { check: presentCheck(check, attempts), run: presentWorkflowRun(run, nodeRuns) });
    },
  );

  route(
    {
      method: "get",
      path: "/sessions/{session_id}/attempts",
      summary: "List verification attempts (GraphQL `session { verificationAttempts }`)",
      description: "Every attempt of every check of the session's current run, check by check.",
      request: { params: SessionParams },
      responses: {
        200: jsonResponse("The session's attempts", z.unknown()),
        ...errorResponses(401, 403, 404),
      },
    },
    async (c) => {
      const checks = await checksWithAttempts(c, c.req.valid("param").session_id);
      return reply(
        c,
        200,
        listBody(c, {
          data: checks.flatMap(({ attempts }) => attempts.map(presentCheckAttempt)),
          has_more: false,
          next_cursor: null,
        }),
      );
    },
  );

  route(
    {
      method: "get",
      path: "/sessions/{session_id}/risk-assessment",
      summary: "Get session risk assessment (GraphQL `session { riskAssessment }`)",
      description:
        "The risk of the session's current run (score 0–100, level, signals), stored when the run ended with the version of the rules; 404 before.",
      request: { params: SessionParams },
      responses: {
        200: jsonResponse("The risk assessment", RiskAssessment),
        ...errorResponses(401, 403, 404),
      },
    },
    async (c) => {
      const { session_id } = c.req.valid("param");
      await requireSession(c, session_id);
      const [assessment] = await getRiskAssessmentsOfSessions(c.get("app"), c.get("actor"), [session_id]);
      if (!assessment) throw new NotFoundError("RiskAssessment", `of session ${session_id}`);
      return reply(c, 200, presentRiskAssessment(assessment));
    },
  );

  route(
    {
      method: "get",
      path: "/sessions/{session_id}/webhook-deliveries",
      summary: "List webhook deliveries for a session (GraphQL `session { webhookDeliveries }`)",
      description: "Deliveries of events about the session, newest first. Needs `webhooks:read`.",
      request: { params: SessionParams, query: PageQuery },
      responses: {
        200: jsonResponse("A page of deliveries, newest first", z.unknown()),
        ...errorResponses(401, 403, 404, 422),
      },
    },
    async (c) => {
      const { session_id } = c.req.valid("param");
      const query = c.req.valid("query");
      await requireSession(c, session_id);
      return replyPage(
        c,
        query,
        (page) => listWebhookDeliveriesOf(c.get("app"), c.get("actor"), { sessionId: session_id }, page),
        presentWebhookDelivery,
      );
    },
  );
}
