import {
  type Executor,
  findSession,
  findVerificationLink,
  findVerificationLinkByTokenHash,
  insertVerificationLink,
  listVerificationLinksOfSessions,
  revokeVerificationLinkRow,
  updateSessionDetails,
} from "@flowgate/db";
import {
  assertVerificationLinkOptions,
  ConflictError,
  generateVerificationToken,
  hashLinkToken,
  InvitationEmailError,
  isValidEmail,
  NotFoundError,
  newId,
  type Session,
  type Tenant,
  ValidationError,
  type VerificationLink,
  VerificationLinkRefusedError,
  verificationLinkStatus,
} from "@flowgate/domain";
import { inTransaction } from "@flowgate/engine";
import { requireScope } from "../access.ts";
import type { Actor } from "../actor.ts";
import { type Application, applicationDeps } from "../application.ts";
import { groupByKey } from "../batch.ts";
import { lockUnredactedSession, sessionAudit } from "./session-records.ts";

/** A link as it is created: the token and URL are returned this once and never stored. */
export interface IssuedVerificationLink {
  link: VerificationLink;
  /** The token (`fgv_…`); only its hash is stored. */
  token: string;
  /** `<public URL>/verify/<token>`. */
  url: string;
}

/** Statuses in which a session still takes capture through a link. */
const capturable = new Set<Session["status"]>(["created", "in_progress"]);

/** Default lifetime of a link, in hours. */
export const defaultVerificationLinkHours = 24;

/** `<baseUrl>/verify/<token>`. */
export function verificationLinkUrl(baseUrl: string, token: string): string {
  return `${baseUrl.replace(/\/+$/, "")}/verify/${encodeURIComponent(token)}`;
}

/**
 * Creates a link for a session in the caller's transaction (the session is locked and open for capture).
 * Internal: `createVerificationLink`, `resumeSession` and `resendSessionInvitation` use it.
 */
export async function issueVerificationLink(
  trx: Executor,
  actor: Actor,
  session: Session,
  options: { expiresInHours: number; maxUses: number; sentTo?: string | null },
  baseUrl = "",
): Promise<IssuedVerificationLink> {
  assertVerificationLinkOptions(options);
  const token = generateVerificationToken();
  const link = await insertVerificationLink(trx, actor, {
    id: newId("vlk"),
    sessionId: session.id,
    tokenHash: hashLinkToken(token),
    maxUses: options.maxUses,
    expiresAt: new Date(Date.now() + options.expiresInHours * 3600_000),
    sentTo: options.sentTo ?? null,
    createdBy: actor.keyId,
  });
  return { link, token, url: verificationLinkUrl(baseUrl, token) };
}

function assertCapturable(session: Session): void {
  if (!capturable.has(session.status)) {
    throw new ConflictError(
      `Session ${session.id} is ${session.status}; links are issued only while it is created or in_progress (resume an expired one)`,
      session.status,
    );
  }
}

/**
 * Generates a one-time verification link for a session open for capture (the seed's "Generate a one-time
 * verification link"): `maxUses` submissions (default 1) within `expiresInHours` (default 24, at most 720).
 * The token is returned once and stored only as its SHA-256. Needs `sessions:write`.
 */
export async function createVerificationLink(
  app: Application,
  actor: Actor,
  input: {
    sessionId: string;
    expiresInHours?: number | null | undefined;
    maxUses?: number | null | undefined;
  },
): Promise<IssuedVerificationLink> {
  requireScope(actor, "sessions:write");
  const options = {
    expiresInHours: input.expiresInHours ?? defaultVerificationLinkHours,
    maxUses: input.maxUses ?? 1,
  };
  assertVerificationLinkOptions(options);
  const deps = applicationDeps(app);
  return inTransaction(deps, async (trx) => {
    const session = await lockUnredactedSession(trx, actor, input.sessionId);
    assertCapturable(session);
    const issued = await issueVerificationLink(trx, actor, session, options, deps.linkBaseUrl);
    await sessionAudit(trx, session.id, "link.create", actor.keyId, null, {
      verificationLinkId: issued.link.id,
      maxUses: options.maxUses,
      expiresAt: issued.link.expiresAt.toISOString(),
    });
    return issued;
  });
}

/** Revokes a verification link (revoking it again changes nothing). Needs `sessions:write`. */
export async function revokeVerificationLink(
  app: Application,
  actor: Actor,
  input: { id: string },
): Promise<VerificationLink> {
  requireScope(actor, "sessions:write");
  return inTransaction(applicationDeps(app), async (trx) => {
    const link = await findVerificationLink(trx, actor, input.id, { forUpdate: true });
    if (!link) throw new NotFoundError("VerificationLink", input.id);
    const revoked = await revokeVerificationLinkRow(trx, link.id, new Date());
    if (!link.revokedAt) {
      await sessionAudit(trx, link.sessionId, "link.revoke", actor.keyId, null, {
        verificationLinkId: link.id,
      });
    }
    return revoked;
  });
}

/** The links of each session, newest first, aligned with the ids. Needs `sessions:read`. */
export async function listVerificationLinksOfSessionIds(
  app: Application,
  actor: Actor,
  sessionIds: readonly string[],
): Promise<VerificationLink[][]> {
  requireScope(actor, "sessions:read");
  const links = await listVerificationLinksOfSessions(applicationDeps(app).db, actor, sessionIds);
  return groupByKey(sessionIds, links, (link) => link.sessionId);
}

/**
 * Emails the person a fresh one-time link (the seed's "Resend the invitation email") through the
 * application's email sender (the outbox table, or SMTP when configured). `email`, when given, becomes the
 * session's invitee email; otherwise the stored one is used (a `ValidationError` on `email` when there is
 * none). The link is committed first; when delivery fails it is revoked and `InvitationEmailError` says
 * the call can be retried. Needs `sessions:write`.
 */
export async function resendSessionInvitation(
  app: Application,
  actor: Actor,
  input: { sessionId: string; email?: string | null | undefined; expiresInHours?: number | null | undefined },
): Promise<{ session: Session; link: VerificationLink; sentTo: string }> {
  requireScope(actor, "sessions:write");
  if (input.email !== undefined && input.email !== null && !isValidEmail(input.email)) {
    throw new ValidationError("Invalid email", [
      { path: ["email"], message: "is not a valid email address" },
    ]);
  }
  const deps = applicationDeps(app);
  const prepared = await inTransaction(deps, async (trx) => {
    let session = await lockUnredactedSession(trx, actor, input.sessionId);
    assertCapturable(session);
    const to = input.email ?? session.inviteeEmail ?? null;
    if (!to) {
      throw new ValidationError("No invitee email", [
        { path: ["email"], message: "the session has no invitee email: give one" },
      ]);
    }
    if (to !== session.inviteeEmail)
      session = await updateSessionDetails(trx, session.id, { inviteeEmail: to });
    const issued = await issueVerificationLink(
      trx,
      actor,
      session,
      { expiresInHours: input.expiresInHours ?? defaultVerificationLinkHours, maxUses: 1, sentTo: to },
      deps.linkBaseUrl,
    );
    await sessionAudit(trx, session.id, "invitation.send", actor.keyId, null, {
      verificationLinkId: issued.link.id,
      to,
    });
    return { session, issued, to };
  });
  const { session, issued, to } = prepared;
  try {
    await deps.email.send({
      to,
      subject: "Action required: verify your identity",
      text: invitationText(issued.url, issued.link.expiresAt),
      html: invitationHtml(issued.url, issued.link.expiresAt),
      tenant: { workspaceId: actor.workspaceId, environment: actor.environment },
      workflowSessionId: null,
      linkUrl: issued.url,
    });
  } catch (error) {
    const reason = error instanceof Error ? error.message : String(error);
    await inTransaction(deps, async (trx) => {
      await revokeVerificationLinkRow(trx, issued.link.id, new Date());
      await sessionAudit(trx, session.id, "invitation.failed", actor.keyId, reason, {
        verificationLinkId: issued.link.id,
      });
    });
    throw new InvitationEmailError(session.id, reason);
  }
  return { session, link: issued.link, sentTo: to };
}

/** What authenticating a verification token gives. */
export interface VerificationLinkAccess {
  link: VerificationLink;
  session: Session;
}

/**
 * The link and session a verification token opens, or `VerificationLinkRefusedError` (unknown tokens are
 * `invalid`; then revoked, used up, expired, or its session expired). The token is the holder's whole authority; the session is
 * read in the link's own workspace and environment.
 *
 * @param db - Database or transaction.
 * @param token - The token as presented.
 * @param options - `forUpdate` locks the link (for the submit that uses it).
 */
export async function requireVerificationLink(
  db: Executor,
  token: string,
  options: { forUpdate?: boolean } = {},
): Promise<VerificationLinkAccess> {
  const link = token ? await findVerificationLinkByTokenHash(db, hashLinkToken(token), options) : undefined;
  if (!link) throw new VerificationLinkRefusedError("invalid");
  const status = verificationLinkStatus(link, new Date());
  if (status !== "active") throw new VerificationLinkRefusedError(status);
  const tenant: Tenant = { workspaceId: link.workspaceId, environment: link.environment };
  const session = await findSession(db, tenant, link.sessionId, options);
  if (!session) throw new VerificationLinkRefusedError("invalid");
  // A link lasts no longer than its session: an expired session's links are expired too (until resumed).
  if (session.status === "expired") throw new VerificationLinkRefusedError("expired");
  // A redaction revokes the session's links; a link read in the redaction's own moment is refused too.
  if (session.redaction) throw new VerificationLinkRefusedError("revoked");
  return { link, session };
}

function invitationText(url: string, expiresAt: Date): string {
  return [
    "Hello,",
    "",
    "You have been asked to verify your identity. Open this secure link on your phone or computer:",
    url,
    "",
    `The link works once and expires on ${expiresAt.toISOString().slice(0, 16).replace("T", " ")} UTC. Please do not forward it.`,
    "",
    "If you were not expecting this message, you can ignore it.",
  ].join("\n");
}

function invitationHtml(url: string, expiresAt: Date): string {
  const escaped = url.replaceAll("&", "&amp;").replaceAll('"', "&quot;").replaceAll("<", "&lt;");
  const expires = `${expiresAt.toISOString().slice(0, 16).replace("T", " ")} UTC`;
  return `<!doctype html>
<html lang="en">
<body style="font-family: -apple-system, Segoe UI, Roboto, Helvetica, Arial, sans-serif; color: #1f2933; line-height: 1.5;">
  <p>Hello,</p>
  <p>You have been asked to verify your identity.</p>
  <p><a href="${escaped}" style="display: inline-block; padding: 10px 18px; background: #2f5bea; color: #ffffff; border-radius: 6px; text-decoration: none;">Verify now</a></p>
  <p style="font-size: 14px;">Or copy this link into your browser:<br><a href="${escaped}">${escaped}</a></p>
  <p style="font-size: 14px;">The link works once and expires on <strong>${expires}</strong>. Please do not forward it.</p>
</body>
</html>
`;
}
