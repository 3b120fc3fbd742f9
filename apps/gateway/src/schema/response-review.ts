import { transitionResponse } from "@flowgate/application";
import type { ResponseAction, ResponseEvent } from "@flowgate/domain";
import { builder } from "../builder.ts";
import { ResponseRef } from "./entity.ts";
import { recordErrors } from "./errors.ts";
import { ResponseStatusEnum } from "./response.ts";

const ResponseEventRef = builder.objectRef<ResponseEvent>("ResponseEvent").implement({
  description:
    "Something that happened to a response — a status change, a save, autofill — with who and when.",
  fields: (t) => ({
    id: t.exposeID("id", { description: "Event id (`rse_…`)." }),
    type: t.exposeString("type", {
      description:
        "`response.created`, `response.saved`, `response.sent`, `response.send_failed`, `response.submitted`, `response.review_started`, `response.changes_requested`, `response.resubmitted`, `response.reviewed`, `response.approved`, `response.rejected` or `response.autofill_completed`.",
    }),
    fromStatus: t.field({
      type: ResponseStatusEnum,
      nullable: true,
      resolve: (e) => e.fromStatus,
      description: "Status before.",
    }),
    toStatus: t.field({
      type: ResponseStatusEnum,
      nullable: true,
      resolve: (e) => e.toStatus,
      description: "Status after.",
    }),
    actor: t.exposeString("actor", {
      nullable: true,
      description: "Who: an API key id, or `recipient:<workflow session id>` for the magic-link recipient.",
    }),
    data: t.expose("data", {
      type: "JSONObject",
      description: "Details (note, questions saved, autofill summary, …).",
    }),
    createdAt: t.expose("createdAt", { type: "DateTime", description: "When." }),
  }),
});

builder.objectFields(ResponseRef, (t) => ({
  events: t.field({
    type: [ResponseEventRef],
    description: "What happened to it, oldest first: status changes with who and when, saves, autofill.",
    resolve: (r, _args, context) => context.loaders.ddq.responseEvents.load(r.id),
  }),
}));

type ReviewAction = Exclude<ResponseAction, "send" | "revert_send">;

const transitions: { field: string; action: ReviewAction; description: string }[] = [
  {
    field: "submitResponse",
    action: "submit",
    description:
      "Submits a DRAFT response on the recipient's behalf (DRAFT → SUBMITTED). Required visible questions must be answered and hidden ones not.",
  },
  {
    field: "startReview",
    action: "start_review",
    description: "Starts reviewing a SUBMITTED or RESUBMITTED response (→ UNDER_REVIEW).",
  },
  {
    field: "requestChanges",
    action: "request_changes",
    description:
      "Sends an UNDER_REVIEW response back to the recipient (→ CHANGES_REQUESTED); the note says what to change.",
  },
  {
    field: "resubmit",
    action: "resubmit",
    description:
      "Resubmits a CHANGES_REQUESTED response on the recipient's behalf (→ RESUBMITTED), with the same checks as submit.",
  },
  {
    field: "markReviewed",
    action: "mark_reviewed",
    description: "Marks an UNDER_REVIEW response reviewed (→ REVIEWED).",
  },
  {
    field: "approveResponse",
    action: "approve",
    description: "Approves an UNDER_REVIEW or REVIEWED response (→ APPROVED, final).",
  },
  {
    field: "rejectResponse",
    action: "reject",
    description: "Rejects an UNDER_REVIEW or REVIEWED response (→ REJECTED, final).",
  },
];

builder.mutationFields((t) => ({
  ...Object.fromEntries(
    transitions.map(({ field, action, description }) => [
      field,
      t.field({
        type: ResponseRef,
        description: `${description} Who and when are recorded in \`events\`.`,
        authScopes: { scope: "responses:write" },
        errors: { types: recordErrors },
        args: {
          responseId: t.arg.id({ required: true, description: "Response id (`rsp_…`)." }),
          note: t.arg.string({
            required: false,
            description: "A note recorded with the change (at most 2,000 characters).",
          }),
        },
        resolve: (_root, args, context) =>
          transitionResponse(context.app, context.actor, {
            responseId: String(args.responseId),
            action,
            note: args.note ?? null,
          }),
      }),
    ]),
  ),
}));
