import {
  getRunsOfSessions,
  getSession,
  listNodeRunsOfRuns,
  listSessions,
  openSession,
  submitExternalDecision,
  submitSession,
} from "@flowgate/application";
import { externalDecisions, NotFoundError, sessionStatuses } from "@flowgate/domain";
import { z } from "@hono/zod-openapi";
import {
  errorResponses,
  jsonBody,
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
import { presentSession, presentWorkflowRun } from "./presenters.ts";

// Verifa's session endpoints (seeds 001 and 002 and the session menu); GraphQL twins in docs/rest.md.

/** The session object (GraphQL `Session`). */
export const Session = z
  .object({
    id: z.string(),
    status: z.enum(sessionStatuses),
    result: z.string().nullable(),
    workflow_id: z.string().nullable(),
    reference_id: z.string().nullable(),
    metadata: z.record(z.string(), z.unknown()),
    tags: z.array(z.string()),
    invitee_email: z.string().nullable(),
    identity_id: z
      .string()
      .nullable()
      .openapi({ description: "The identity (an entity of type individual) it belongs to." }),
    is_sandbox: z.boolean(),
    created_at: z.string(),
    updated_at: z.string(),
    submitted_at: z.string().nullable(),
    completed_at: z.string().nullable(),
    expires_at: z.string().nullable(),
  })
  .openapi("Session");

/** Seed 001's workflow run object. */
export const WorkflowRun = z
  .object({
    id: z.string().openapi({ example: "wfr_abc123" }),
    session_id: z.string().nullable(),
    workflow_id: z.string(),
    status: z.string().openapi({ description: "`paused` while waiting for an external gate decision." }),
    created_at: z.string(),
    final_status: z.string().nullable(),
    graph_snapshot: z.record(z.string(), z.unknown()).nullable(),
    paused_at_node: z.string().nullable(),
    current_node: z.string().nullable(),
    node_results: z.record(z.string(), z.record(z.string(), z.unknown())).nullable(),
    started_at: z.string().nullable(),
    completed_at: z.string().nullable(),
    duration_ms: z.number().int().nullable(),
  })
  .openapi("WorkflowRun");

const IdentityBody = z
  .object({
    first_name: z.string(),
    last_name: z.string(),
    email: z.string().optional(),
    phone: z.string().optional(),
    jurisdiction: z.string().optional().openapi({ description: "ISO 3166-1 alpha-2 country code." }),
  })
  .openapi("IdentityInput");

/** `POST /sessions` body (GraphQL `createSession` arguments). */
export const CreateSessionBody = z
  .object({
    workflow_id: z.string().optional().openapi({ description: "Workflow to run; else the default one." }),
    reference_id: z.string().max(200).optional().openapi({ description: "Your own identifier." }),
    metadata: z.record(z.string(), z.unknown()).optional(),
    expires_in_seconds: z.number().int().min(60).max(2_592_000).optional(),
    sandbox: z.record(z.string(), z.unknown()).optional().openapi({
      description: "Sandbox keys only: simulated outcomes per node id or policy name.",
    }),
    force_new: z.boolean().optional().openapi({
      description:
        "Create a new session even if an open session already has this `reference_id` (by default that session is returned, with 200).",
    }),
    invitee_email: z.string().optional().openapi({
      description: "The person's email, where `POST /sessions/{id}/resend-invitation` sends one-time links.",
    }),
    identity_id: z.string().optional().openapi({
      description: "The identity it belongs to: an entity of type individual (or give `identity`).",
    }),
    identity: IdentityBody.optional().openapi({
      description: "A new identity (an individual entity) the session belongs to.",
    }),
    allow_duplicate: z.boolean().optional().openapi({
      description:
        "Open it although the identity has an open session with the same `reference_id` (a 409 otherwise).",
    }),
  })
  .openapi("CreateSessionRequest");

const ExternalDecisionBody = z
  .object({
    decision: z.enum(externalDecisions).openapi({ description: "How the workflow should proceed." }),
    metadata: z.record(z.string(), z.unknown()).nullable().optional(),
  })
  .openapi("ExternalDecisionRequest");

const ExternalDecisionAccepted = z
  .object({
    session_id: z.string(),
    decision: z.string(),
    status: z.string(),
    message: z.string(),
  })
  .openapi("ExternalDecisionResponse");

const SubmitBody = z.object({ version: z.number().int().min(1).optional() }).openapi("SubmitSessionRequest");

const SessionResult = z
  .object({
    session_id: z.string(),
    status: z.string(),
    result: z.string().nullable(),
    completed_at: z.string().nullable(),
  })
  .openapi("SessionResult");

/** The session of the path, or `NotFoundError` (also for another workspace's session). */
export async function requireSession(c: RestContext, id: string) {
  const session = await getSession(c.get("app"), c.get("actor"), id);
  if (!session) throw new NotFoundError("Session", id);
  return session;
}

/** Adds the session routes. */
export function sessionRoutes(api: RestApi): void {
  const route = restRoutes(api, ["Sessions"], verifaErrors);
  route(
    {
      method: "get",
      path: "/sessions",
      summary: "List sessions (GraphQL `sessions`)",
      request: {
        query: PageQuery.extend({
          status: z.enum(sessionStatuses).optional(),
          tag: z.string().optional().openapi({ description: "Only sessions carrying this tag." }),
          identity_id: z.string().optional().openapi({ description: "Only sessions of this identity." }),
        }),
      },
      responses: {
        200: jsonResponse("A page of sessions, newest first", z.unknown()),
        ...errorResponses(401, 422),
      },
    },
    async (c) => {
      const query = c.req.valid("query");
      return replyPage(
        c,
        query,
        (page) =>
          listSessions(c.get("app"), c.get("actor"), {
            ...page,
            status: query.status,
            tag: query.tag,
            identityId: query.identity_id,
          }),
        presentSession,
      );
    },
  );

  route(
    {
      method: "post",
      path: "/sessions",
      summary: "Create a verification session (GraphQL `createSession`)",
      request: { body: jsonBody(CreateSessionBody) },
      responses: {
        201: jsonResponse("The session, created", Session),
        200: jsonResponse("The open session that already has this `reference_id`", Session),
        ...errorResponses(401, 404, 422),
      },
    },
    async (c) => {
      const body = c.req.valid("json");
      const { session, created } = await openSession(c.get("app"), c.get("actor"), {
        workflowId: body.workflow_id ?? null,
        referenceId: body.reference_id ?? null,
        metadata: body.metadata ?? null,
        expiresInSeconds: body.expires_in_seconds ?? null,
        sandbox: body.sandbox ?? null,
        forceNew: body.force_new ?? null,
        inviteeEmail: body.invitee_email ?? null,
        identityId: body.identity_id ?? null,
        identity: body.identity
          ? {
              firstName: body.identity.first_name,
              lastName: body.identity.last_name,
              email: body.identity.email ?? null,
              phone: body.identity.phone ?? null,
              jurisdiction: body.identity.jurisdiction ?? null,
            }
          : null,
        allowDuplicate: body.allow_duplicate ?? null,
      });
      return reply(c, created ? 201 : 200, presentSession(session));
    },
  );

  route(
    {
      method: "get",
      path: "/sessions/{session_id}",
      summary: "Get a session (GraphQL `session`)",
      request: { params: SessionParams },
      responses: { 200: jsonResponse("The session", Session), ...errorResponses(401, 404) },
    },
    async (c) => reply(c, 200, presentSession(await requireSession(c, c.req.valid("param").session_id))),
  );

  route(
    {
      method: "get",
      path: "/sessions/{session_id}/result",
      summary: "Get session result (GraphQL `session { status result completedAt }`)",
      request: { params: SessionParams },
      responses: { 200: jsonResponse("The session's result", SessionResult), ...errorResponses(401, 404) },
    },
    async (c) => {
      const session = await requireSession(c, c.req.valid("param").session_id);
      return reply(c, 200, {
        session_id: session.id,
        status: session.status,
        result: session.result,
        completed_at: session.completedAt?.toISOString() ?? null,
      });
    },
  );

  route(
    {
      method: "post",
      path: "/sessions/{session_id}/submit",
      summary: "Submit a session for verification (GraphQL `submitSession`)",
      request: {
        params: SessionParams,
        body: optionalJsonBody(SubmitBody),
      },
      responses: {
        200: jsonResponse("The session, now processing", Session),
        ...errorResponses(401, 404, 409, 422),
      },
    },
    async (c) => {
      const body = c.req.valid("json") ?? {};
      const { session } = await submitSession(c.get("app"), c.get("actor"), {
        sessionId: c.req.valid("param").session_id,
        version: body.version ?? null,
      });
      return reply(c, 200, presentSession(session));
    },
  );

  route(
    {
      method: "get",
      path: "/sessions/{session_id}/workflow-run",
      summary: "Get session workflow run (seed 001; GraphQL `session { workflowRun }`)",
      request: { params: SessionParams },
      responses: { 200: jsonResponse("Workflow run details", WorkflowRun), ...errorResponses(401, 404) },
    },
    async (c) => {
      const { session_id } = c.req.valid("param");
      const app = c.get("app");
      const actor = c.get("actor");
      await requireSession(c, session_id);
      const [run] = await getRunsOfSessions(app, actor, [session_id]);
      if (!run) throw new NotFoundError("WorkflowRun", `of session ${session_id}`);
      const [nodeRuns] = await listNodeRunsOfRuns(app, actor, [run.id]);
      return reply(c, 200, presentWorkflowRun(run, nodeRuns ?? []));
    },
  );

  route(
    {
      method: "post",
      path: "/sessions/{session_id}/external-decision",
      summary: "Submit external gate decision (seed 002; GraphQL `submitExternalDecision`)",
      request: { params: SessionParams, body: jsonBody(ExternalDecisionBody) },
      responses: {
        200: jsonResponse("Decision accepted. The workflow will resume shortly.", ExternalDecisionAccepted),
        ...errorResponses(401, 404, 409, 422),
      },
    },
    async (c) => {
      const body = c.req.valid("json");
      const accepted = await submitExternalDecision(c.get("app"), c.get("actor"), {
        sessionId: c.req.valid("param").session_id,
        decision: body.decision,
        metadata: body.metadata ?? null,
      });
      return reply(c, 200, {
        session_id: accepted.sessionId,
        decision: accepted.decision,
        status: accepted.status,
        message: accepted.message,
      });
    },
  );
}
