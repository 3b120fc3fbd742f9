import {
  type Actor,
  type Application,
  addSessionTag,
  expireSession,
  listNodeRunsOfRuns,
  removeSessionTag,
  replaceSessionTags,
  reprocessSession,
  resumeSession,
  simulateSessionAction,
  updateSession,
} from "@flowgate/application";
import type { Run } from "@flowgate/domain";
import { z } from "@hono/zod-openapi";
import {
  errorResponses,
  jsonBody,
  jsonResponse,
  optionalJsonBody,
  type RestApi,
  reply,
  restRoutes,
  SessionParams,
} from "./api.ts";
import { verifaErrors } from "./errors.ts";
import { presentSession, presentWorkflowRun } from "./presenters.ts";
import { IssuedVerificationLink } from "./session-links.ts";
import { presentIssuedVerificationLink } from "./session-presenters.ts";
import { Session, WorkflowRun } from "./sessions.ts";

// Verifa's session management endpoints (seed 002's menu: update, tags, expire, resume, reprocess,
// simulate) over the application's use cases; GraphQL twins in docs/rest.md.

const UpdateSessionBody = z
  .object({
    reference_id: z
      .string()
      .nullable()
      .optional()
      .openapi({ description: "Your own identifier (1–200 characters; null clears it)." }),
    metadata: z.record(z.string(), z.unknown()).optional().openapi({ description: "Replaces the metadata." }),
    tags: z.array(z.string()).optional().openapi({ description: "Replaces the tags (at most 50)." }),
    expires_at: z.iso.datetime({ offset: true }).optional().openapi({
      description: "A new expiry, 60 seconds to 30 days from now; only while the session is open.",
    }),
  })
  .openapi("UpdateSessionRequest");

const TagBody = z
  .object({ tag: z.string().openapi({ description: "1–64 letters, digits, `_`, `-`, `.` or `:`." }) })
  .openapi("SessionTagRequest");

const TagsBody = z
  .object({ tags: z.array(z.string()).openapi({ description: "The new tags; an empty list clears them." }) })
  .openapi("SessionTagsRequest");

const ReasonBody = z
  .object({
    reason: z.string().max(1000).optional().openapi({ description: "Why; kept on the audit trail." }),
  })
  .openapi("ReasonRequest");

const ResumeBody = z
  .object({
    expires_in_seconds: z.number().int().optional().openapi({
      description: "Seconds until the resumed session expires (60 – 2592000; default 7 days).",
    }),
  })
  .openapi("ResumeSessionRequest");

const ResumedSession = z
  .object({
    session: Session,
    verification_link: IssuedVerificationLink.openapi({
      description: "A fresh one-time link (its earlier links are revoked); its token is shown this once.",
    }),
  })
  .openapi("ResumeSessionResponse");

const ReprocessedSession = z
  .object({
    session: Session,
    run: WorkflowRun,
    previous_run_id: z
      .string()
      .nullable()
      .openapi({ description: "The run it superseded (kept as history on the audit trail)." }),
  })
  .openapi("ReprocessSessionResponse");

const SimulateBody = z
  .object({
    action: z.string().min(1).openapi({
      description:
        "`complete_capture`, `expire`, or `pass_check(<node>)` / `fail_check(<node>)` / `error_check(<node>)`.",
      example: "complete_capture",
    }),
    node: z.string().optional().openapi({ description: "The policy node, when not written in `action`." }),
  })
  .openapi("SimulateSessionRequest");

const SimulatedSession = z
  .object({
    id: z.string(),
    action: z.string(),
    status: z.string().openapi({ description: "The session's new status after simulation." }),
    simulated: z.literal(true),
    run_id: z
      .string()
      .nullable()
      .openapi({ description: "The run it started (complete_capture) or re-ran from the check." }),
    session: Session,
  })
  .openapi("SimulateSessionResponse");

/** A run with its node runs, as seed 001 presents it. */
async function presentRun(app: Application, actor: Actor, run: Run) {
  const [nodeRuns] = await listNodeRunsOfRuns(app, actor, [run.id]);
  return presentWorkflowRun(run, nodeRuns ?? []);
}

/** Adds the session management routes. */
export function sessionManagementRoutes(api: RestApi): void {
  const route = restRoutes(api, ["Sessions"], verifaErrors);
  route(
    {
      method: "patch",
      path: "/sessions/{session_id}",
      summary: "Update a session (GraphQL `updateSession`)",
      description:
        "Changes the fields given: `reference_id`, `metadata`, `tags`, `expires_at`. An expired session must be resumed first (409); the expiry changes only while the session is open. Records `session.updated`.",
      request: { params: SessionParams, body: jsonBody(UpdateSessionBody) },
      responses: {
        200: jsonResponse("The session, updated", Session),
        ...errorResponses(401, 403, 404, 409, 422),
      },
    },
    async (c) => {
      const body = c.req.valid("json");
      const session = await updateSession(c.get("app"), c.get("actor"), {
        id: c.req.valid("param").session_id,
        ...("reference_id" in body ? { referenceId: body.reference_id ?? null } : {}),
        ...("metadata" in body ? { metadata: body.metadata ?? null } : {}),
        ...("tags" in body ? { tags: body.tags ?? null } : {}),
        ...(body.expires_at !== undefined ? { expiresAt: new Date(body.expires_at) } : {}),
      });
      return reply(c, 200, presentSession(session));
    },
  );

  for (const [path, summary, description, change] of [
    [
      "/sessions/{session_id}/tags",
      "Add a tag to a session (GraphQL `addSessionTag`)",
      "No change when the session has the tag already.",
      addSessionTag,
    ],
    [
      "/sessions/{session_id}/tags/remove",
      "Remove a tag from a session (GraphQL `removeSessionTag`)",
      "No change when the session does not have the tag.",
      removeSessionTag,
    ],
  ] as const) {
    route(
      {
        method: "post",
        path,
        summary,
        description,
        request: { params: SessionParams, body: jsonBody(TagBody) },
        responses: {
          200: jsonResponse("Updated session with tags", Session),
          ...errorResponses(401, 403, 404, 422),
        },
      },
      async (c) => {
        const session = await change(c.get("app"), c.get("actor"), {
          sessionId: c.req.valid("param").session_id,
          tag: c.req.valid("json").tag,
        });
        return reply(c, 200, presentSession(session));
      },
    );
  }

  route(
    {
      method: "post",
      path: "/sessions/{session_id}/tags/replace",
      summary: "Replace all tags on a session (GraphQL `replaceSessionTags`)",
      description: "Duplicates are removed; at most 50 tags.",
      request: { params: SessionParams, body: jsonBody(TagsBody) },
      responses: {
        200: jsonResponse("Updated session with tags", Session),
        ...errorResponses(401, 403, 404, 422),
      },
    },
    async (c) => {
      const session = await replaceSessionTags(c.get("app"), c.get("actor"), {
        sessionId: c.req.valid("param").session_id,
        tags: c.req.valid("json").tags,
      });
      return reply(c, 200, presentSession(session));
    },
  );

  route(
    {
      method: "post",
      path: "/sessions/{session_id}/expire",
      summary: "Expire a session (GraphQL `expireSession`)",
      description:
        "Expires an open session now (created, in_progress, submitted or awaiting_external); a run waiting at a gate is cancelled. Written on the audit trail; records `session.expired`.",
      request: { params: SessionParams, body: optionalJsonBody(ReasonBody) },
      responses: {
        200: jsonResponse("The session, expired", Session),
        ...errorResponses(401, 403, 404, 409, 422),
      },
    },
    async (c) => {
      const body = c.req.valid("json") ?? {};
      const session = await expireSession(c.get("app"), c.get("actor"), {
        id: c.req.valid("param").session_id,
        reason: body.reason ?? null,
      });
      return reply(c, 200, presentSession(session));
    },
  );

  route(
    {
      method: "post",
      path: "/sessions/{session_id}/resume",
      summary: "Resume a session (GraphQL `resumeSession`)",
      description:
        "Re-opens a session that expired or was abandoned in capture and was never decided, with a new expiry and a fresh one-time link; a 409 otherwise. Records `session.resumed`.",
      request: { params: SessionParams, body: optionalJsonBody(ResumeBody) },
      responses: {
        200: jsonResponse("The session, open again, with a fresh link", ResumedSession),
        ...errorResponses(401, 403, 404, 409, 422),
      },
    },
    async (c) => {
      const body = c.req.valid("json") ?? {};
      const resumed = await resumeSession(c.get("app"), c.get("actor"), {
        id: c.req.valid("param").session_id,
        expiresInSeconds: body.expires_in_seconds ?? null,
      });
      return reply(c, 200, {
        session: presentSession(resumed.session),
        verification_link: presentIssuedVerificationLink(resumed.verificationLink),
      });
    },
  );

  route(
    {
      method: "post",
      path: "/sessions/{session_id}/reprocess",
      summary: "Reprocess a session (GraphQL `reprocessSession`)",
      description:
        "Runs a completed or failed session's workflow again from the start; the earlier run is kept as history. Records `session.reprocessed`. Needs `workflows:trigger`.",
      request: { params: SessionParams, body: optionalJsonBody(ReasonBody) },
      responses: {
        200: jsonResponse("The session, processing again, and its new run", ReprocessedSession),
        ...errorResponses(401, 403, 404, 409, 422),
      },
    },
    async (c) => {
      const body = c.req.valid("json") ?? {};
      const app = c.get("app");
      const actor = c.get("actor");
      const result = await reprocessSession(app, actor, {
        id: c.req.valid("param").session_id,
        reason: body.reason ?? null,
      });
      return reply(c, 200, {
        session: presentSession(result.session),
        run: await presentRun(app, actor, result.run),
        previous_run_id: result.previousRunId,
      });
    },
  );

  route(
    {
      method: "post",
      path: "/sessions/{session_id}/simulate",
      summary: "Simulate a session action, sandbox only (GraphQL `simulateSessionAction`)",
      description:
        "`complete_capture` submits the session; `pass_check(<node>)`, `fail_check(<node>)`, `error_check(<node>)` set a check's simulated outcome (re-running a finished run from that check); `expire` expires it. Webhooks fire as in the real flow. A live key gets 403 `SANDBOX_ONLY`.",
      request: { params: SessionParams, body: jsonBody(SimulateBody) },
      responses: {
        200: jsonResponse("Simulation applied", SimulatedSession),
        ...errorResponses(401, 403, 404, 409, 422),
      },
    },
    async (c) => {
      const body = c.req.valid("json");
      const result = await simulateSessionAction(c.get("app"), c.get("actor"), {
        sessionId: c.req.valid("param").session_id,
        action: body.action,
        node: body.node ?? null,
      });
      return reply(c, 200, {
        id: result.session.id,
        action: body.action,
        status: result.session.status,
        simulated: true,
        run_id: result.run?.id ?? null,
        session: presentSession(result.session),
      });
    },
  );
}
