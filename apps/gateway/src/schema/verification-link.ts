import {
  createVerificationLink,
  type IssuedVerificationLink,
  resendSessionInvitation,
  revokeVerificationLink,
} from "@flowgate/application";
import {
  InvitationEmailError,
  type Session,
  type VerificationLink,
  verificationLinkStatus,
  verificationLinkStatuses,
} from "@flowgate/domain";
import { builder } from "../builder.ts";
import { ErrorInterface, recordErrors } from "./errors.ts";
import { SessionRef } from "./session.ts";

builder.objectType(InvitationEmailError, {
  name: "InvitationEmailError",
  description:
    "The invitation email could not be delivered; its link was revoked and nothing else changed. Retry the call.",
  interfaces: [ErrorInterface],
  isTypeOf: (value) => value instanceof InvitationEmailError,
  fields: (t) => ({
    sessionId: t.exposeID("sessionId", { description: "The session." }),
    reason: t.exposeString("reason", { description: "Why the mail server refused or could not be reached." }),
    retryable: t.exposeBoolean("retryable", { description: "Always true." }),
  }),
});

const VerificationLinkStatus = builder.enumType("VerificationLinkStatus", {
  description: "`active` works; `used` has no uses left; `expired`; `revoked`.",
  values: verificationLinkStatuses,
});

/** The GraphQL `VerificationLink` type. */
export const VerificationLinkRef = builder.objectRef<VerificationLink>("VerificationLink").implement({
  description:
    "A one-time link to the capture page (`/verify/<token>`) for the person being verified. Its token is stored only hashed and shown once, when it is created.",
  fields: (t) => ({
    id: t.exposeID("id", { description: "Link id (`vlk_…`)." }),
    sessionId: t.exposeID("sessionId", { description: "The session it opens." }),
    status: t.field({
      type: VerificationLinkStatus,
      description: "Whether it works now.",
      resolve: (link) => verificationLinkStatus(link, new Date()),
    }),
    maxUses: t.exposeInt("maxUses", { description: "How many submissions it allows." }),
    uses: t.exposeInt("uses", { description: "How many it has had." }),
    expiresAt: t.expose("expiresAt", { type: "DateTime", description: "When it stops working." }),
    revokedAt: t.expose("revokedAt", {
      type: "DateTime",
      nullable: true,
      description: "When it was revoked.",
    }),
    lastUsedAt: t.expose("lastUsedAt", {
      type: "DateTime",
      nullable: true,
      description: "When it was last used.",
    }),
    sentTo: t.exposeString("sentTo", { nullable: true, description: "The address it was emailed to." }),
    createdAt: t.expose("createdAt", { type: "DateTime", description: "When it was created." }),
  }),
});

/** A link as created: with its token and URL, shown this once. */
export const IssuedVerificationLinkRef = builder
  .objectRef<IssuedVerificationLink>("CreatedVerificationLink")
  .implement({
    description: "A new one-time link with its token and URL; they are not stored and are shown this once.",
    fields: (t) => ({
      link: t.field({ type: VerificationLinkRef, resolve: (p) => p.link, description: "The link." }),
      token: t.exposeString("token", { description: "The token (`fgv_…`); keep it secret." }),
      url: t.exposeString("url", { description: "The capture page's URL for this token." }),
    }),
  });

builder.objectFields(SessionRef, (t) => ({
  verificationLinks: t.field({
    type: [VerificationLinkRef],
    description: "The session's one-time links, newest first, with their status.",
    resolve: (session, _args, context) => context.loaders.verificationLinks.load(session.id),
  }),
}));

const SessionInvitationPayload = builder
  .objectRef<{ session: Session; link: VerificationLink; sentTo: string }>("SessionInvitationPayload")
  .implement({
    description: "A fresh one-time link was emailed to the person.",
    fields: (t) => ({
      session: t.field({ type: SessionRef, resolve: (p) => p.session, description: "The session." }),
      link: t.field({
        type: VerificationLinkRef,
        resolve: (p) => p.link,
        description: "The link that was sent.",
      }),
      sentTo: t.exposeString("sentTo", { description: "Where it was sent." }),
    }),
  });

builder.mutationFields((t) => ({
  createVerificationLink: t.field({
    type: IssuedVerificationLinkRef,
    description:
      "Generates a one-time link to the capture page for a session that is created or in progress. The token is returned once.",
    authScopes: { scope: "sessions:write" },
    errors: { types: recordErrors },
    args: {
      sessionId: t.arg.id({ required: true, description: "Session id (`ses_…`)." }),
      expiresInHours: t.arg.int({
        required: false,
        description: "Hours until it expires (1 – 720; default 24).",
      }),
      maxUses: t.arg.int({ required: false, description: "Submissions it allows (1 – 100; default 1)." }),
    },
    resolve: (_root, args, context) =>
      createVerificationLink(context.app, context.actor, {
        sessionId: String(args.sessionId),
        expiresInHours: args.expiresInHours,
        maxUses: args.maxUses,
      }),
  }),
  revokeVerificationLink: t.field({
    type: VerificationLinkRef,
    description: "Revokes a one-time link: it stops working at once.",
    authScopes: { scope: "sessions:write" },
    errors: { types: recordErrors },
    args: { id: t.arg.id({ required: true, description: "Link id (`vlk_…`)." }) },
    resolve: (_root, args, context) =>
      revokeVerificationLink(context.app, context.actor, { id: String(args.id) }),
  }),
  resendSessionInvitation: t.field({
    type: SessionInvitationPayload,
    description:
      "Emails the person a fresh one-time link (outbox or SMTP). `email` becomes the session's invitee email; without it the stored one is used.",
    authScopes: { scope: "sessions:write" },
    errors: { types: [...recordErrors, InvitationEmailError] },
    args: {
      sessionId: t.arg.id({ required: true, description: "Session id (`ses_…`)." }),
      email: t.arg.string({
        required: false,
        description: "Where to send it (stored as the invitee email).",
      }),
      expiresInHours: t.arg.int({
        required: false,
        description: "Hours until the link expires (default 24).",
      }),
    },
    resolve: (_root, args, context) =>
      resendSessionInvitation(context.app, context.actor, {
        sessionId: String(args.sessionId),
        email: args.email,
        expiresInHours: args.expiresInHours,
      }),
  }),
}));
