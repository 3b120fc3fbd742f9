import {
  createVerificationLink,
  listVerificationLinksOfSessionIds,
  resendSessionInvitation,
  revokeVerificationLink,
} from "@flowgate/application";
import { NotFoundError, verificationLinkStatuses } from "@flowgate/domain";
import { z } from "@hono/zod-openapi";
import {
  errorResponses,
  idParam,
  jsonResponse,
  optionalJsonBody,
  type RestApi,
  type RestContext,
  reply,
  restRoutes,
  SessionParams,
} from "./api.ts";
import { verifaErrors } from "./errors.ts";
import { presentSession } from "./presenters.ts";
import { presentIssuedVerificationLink, presentVerificationLink } from "./session-presenters.ts";
import { requireSession, Session } from "./sessions.ts";
import { listBody } from "./versions.ts";

// Verifa's one-time link and invitation endpoints (seed 002's menu) over the application's use cases;
// GraphQL twins in docs/rest.md.

/** A one-time verification link (GraphQL `VerificationLink`); its token is never returned again. */
export const VerificationLink = z
  .object({
    id: z.string().openapi({ example: "vlk_abc123" }),
    session_id: z.string(),
    status: z.enum(verificationLinkStatuses),
    max_uses: z.number().int(),
    uses: z.number().int(),
    expires_at: z.string(),
    revoked_at: z.string().nullable(),
    last_used_at: z.string().nullable(),
    sent_to: z.string().nullable(),
    created_at: z.string(),
  })
  .openapi("VerificationLink");

/** A link as created: with its `capture_url` and `token`, shown this once. */
export const IssuedVerificationLink = VerificationLink.extend({
  capture_url: z.string().openapi({ description: "The capture page for this token: send it to the person." }),
  token: z.string().openapi({ description: "The token (`fgv_…`); stored only hashed, shown this once." }),
}).openapi("CreatedVerificationLink");

const CreateLinkBody = z
  .object({
    expires_in_hours: z
      .number()
      .int()
      .optional()
      .openapi({ description: "Hours until it expires (1 – 720; default 24)." }),
    max_uses: z
      .number()
      .int()
      .optional()
      .openapi({ description: "Submissions it allows (1 – 100; default 1)." }),
  })
  .openapi("CreateVerificationLinkRequest");

const ResendInvitationBody = z
  .object({
    email: z
      .string()
      .optional()
      .openapi({ description: "Where to send it (stored as the invitee email); else the stored one." }),
    expires_in_hours: z
      .number()
      .int()
      .optional()
      .openapi({ description: "Hours until the link expires (default 24)." }),
  })
  .openapi("ResendInvitationRequest");

const InvitationSent = z
  .object({
    session: Session,
    link: VerificationLink,
    sent_to: z.string(),
  })
  .openapi("ResendInvitationResponse");

const LinkParams = SessionParams.extend({ link_id: idParam("Link ID (`vlk_*`).", "vlk_abc123") });

async function linksOf(c: RestContext, sessionId: string) {
  await requireSession(c, sessionId);
  const [links] = await listVerificationLinksOfSessionIds(c.get("app"), c.get("actor"), [sessionId]);
  return links ?? [];
}

/** Adds the one-time link and invitation routes. */
export function sessionLinkRoutes(api: RestApi): void {
  const route = restRoutes(api, ["Sessions"], verifaErrors);
  route(
    {
      method: "post",
      path: "/sessions/{session_id}/links",
      summary: "Generate a one-time verification link (GraphQL `createVerificationLink`)",
      description:
        "For a session that is created or in progress (409 otherwise). The `token` and `capture_url` are returned this once; only the token's hash is stored.",
      request: { params: SessionParams, body: optionalJsonBody(CreateLinkBody) },
      responses: {
        201: jsonResponse("One-time link created", IssuedVerificationLink),
        ...errorResponses(401, 403, 404, 409, 422),
      },
    },
    async (c) => {
      const body = c.req.valid("json") ?? {};
      const issued = await createVerificationLink(c.get("app"), c.get("actor"), {
        sessionId: c.req.valid("param").session_id,
        expiresInHours: body.expires_in_hours ?? null,
        maxUses: body.max_uses ?? null,
      });
      return reply(c, 201, presentIssuedVerificationLink(issued));
    },
  );

  route(
    {
      method: "get",
      path: "/sessions/{session_id}/links",
      summary: "List one-time links for a session (GraphQL `session { verificationLinks }`)",
      description: "Newest first, each with its status: `active`, `used`, `expired` or `revoked`.",
      request: { params: SessionParams },
      responses: {
        200: jsonResponse("The session's links", z.unknown()),
        ...errorResponses(401, 403, 404),
      },
    },
    async (c) => {
      const links = await linksOf(c, c.req.valid("param").session_id);
      const now = new Date();
      return reply(
        c,
        200,
        listBody(c, {
          data: links.map((link) => presentVerificationLink(link, now)),
          has_more: false,
          next_cursor: null,
        }),
      );
    },
  );

  route(
    {
      method: "post",
      path: "/sessions/{session_id}/links/{link_id}/revoke",
      summary: "Revoke a one-time link (GraphQL `revokeVerificationLink`)",
      description: "It stops working at once; revoking it again changes nothing.",
      request: { params: LinkParams },
      responses: {
        200: jsonResponse("The link, revoked", VerificationLink),
        ...errorResponses(401, 403, 404),
      },
    },
    async (c) => {
      const { session_id, link_id } = c.req.valid("param");
      // A link is addressed under its own session: another session's link is not found here.
      if (!(await linksOf(c, session_id)).some((link) => link.id === link_id)) {
        throw new NotFoundError("VerificationLink", link_id);
      }
      const link = await revokeVerificationLink(c.get("app"), c.get("actor"), { id: link_id });
      return reply(c, 200, presentVerificationLink(link));
    },
  );

  route(
    {
      method: "post",
      path: "/sessions/{session_id}/resend-invitation",
      summary: "Resend the invitation email (GraphQL `resendSessionInvitation`)",
      description:
        "Emails the person a fresh one-time link (outbox or SMTP). `email` becomes the session's invitee email; without it the stored one is used (422 on `email` when there is none). When the mail cannot be delivered: 500 `EMAIL_DELIVERY_FAILED`, the link is revoked, retry.",
      request: { params: SessionParams, body: optionalJsonBody(ResendInvitationBody) },
      responses: {
        200: jsonResponse("A fresh link was emailed", InvitationSent),
        ...errorResponses(401, 403, 404, 409, 422, 500),
      },
    },
    async (c) => {
      const body = c.req.valid("json") ?? {};
      const sent = await resendSessionInvitation(c.get("app"), c.get("actor"), {
        sessionId: c.req.valid("param").session_id,
        email: body.email ?? null,
        expiresInHours: body.expires_in_hours ?? null,
      });
      return reply(c, 200, {
        session: presentSession(sent.session),
        link: presentVerificationLink(sent.link),
        sent_to: sent.sentTo,
      });
    },
  );
}
