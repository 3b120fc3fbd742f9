import { InvalidTransitionError } from "../errors.ts";

/** Every status of a questionnaire response (DESIGN §5). */
export const responseStatuses = [
  "PREFILL",
  "DRAFT",
  "SUBMITTED",
  "UNDER_REVIEW",
  "CHANGES_REQUESTED",
  "RESUBMITTED",
  "REVIEWED",
  "APPROVED",
  "REJECTED",
] as const;

/**
 * Status of a response: `PREFILL` (the workspace fills it before sending), `DRAFT` (sent; the recipient
 * fills it), `SUBMITTED`, `UNDER_REVIEW`, `CHANGES_REQUESTED` (back to the recipient), `RESUBMITTED`,
 * `REVIEWED`, and the final `APPROVED` / `REJECTED`.
 */
export type ResponseStatus = (typeof responseStatuses)[number];

/** What can happen to a response; each action is one row of {@link responseActions}. */
export type ResponseAction =
  | "send"
  | "revert_send"
  | "submit"
  | "start_review"
  | "request_changes"
  | "resubmit"
  | "mark_reviewed"
  | "approve"
  | "reject";

/**
 * The transition table: for each action, the statuses it applies to and the status it leads to.
 * `revert_send` undoes `send` when the recipient email could not be dispatched.
 */
export const responseActions: Readonly<
  Record<ResponseAction, { from: readonly ResponseStatus[]; to: ResponseStatus }>
> = {
  send: { from: ["PREFILL"], to: "DRAFT" },
  revert_send: { from: ["DRAFT"], to: "PREFILL" },
  submit: { from: ["DRAFT"], to: "SUBMITTED" },
  start_review: { from: ["SUBMITTED", "RESUBMITTED"], to: "UNDER_REVIEW" },
  request_changes: { from: ["UNDER_REVIEW"], to: "CHANGES_REQUESTED" },
  resubmit: { from: ["CHANGES_REQUESTED"], to: "RESUBMITTED" },
  mark_reviewed: { from: ["UNDER_REVIEW"], to: "REVIEWED" },
  approve: { from: ["UNDER_REVIEW", "REVIEWED"], to: "APPROVED" },
  reject: { from: ["UNDER_REVIEW", "REVIEWED"], to: "REJECTED" },
};

/** Allowed status changes, derived from {@link responseActions}. Final statuses allow nothing. */
export const responseStatusTransitions: Readonly<Record<ResponseStatus, readonly ResponseStatus[]>> =
  Object.fromEntries(
    responseStatuses.map((from) => [
      from,
      [
        ...new Set(
          Object.values(responseActions)
            .filter((action) => action.from.includes(from))
            .map((action) => action.to),
        ),
      ],
    ]),
  ) as Record<ResponseStatus, ResponseStatus[]>;

/**
 * Whether a response may change from `from` to `to`.
 *
 * @param from - Current status.
 * @param to - Requested status.
 */
export function canTransitionResponse(from: ResponseStatus, to: ResponseStatus): boolean {
  return responseStatusTransitions[from].includes(to);
}

/**
 * The status a response in `status` goes to through `action`.
 *
 * @param status - Current status.
 * @param action - What happens.
 * @throws InvalidTransitionError with entity `"response"` (a conflict carrying the current status).
 */
export function applyResponseAction(status: ResponseStatus, action: ResponseAction): ResponseStatus {
  const rule = responseActions[action];
  if (!rule.from.includes(status)) throw new InvalidTransitionError("response", status, rule.to);
  return rule.to;
}

/** Whether a response in `status` is final (`APPROVED` or `REJECTED`). */
export function isFinalResponseStatus(status: ResponseStatus): boolean {
  return responseStatusTransitions[status].length === 0;
}

/**
 * Whether answers may be changed in `status`: the workspace (API key) may edit PREFILL, DRAFT and
 * CHANGES_REQUESTED responses; the recipient (magic link) DRAFT and CHANGES_REQUESTED ones.
 *
 * @param status - Current status.
 * @param by - Who edits.
 */
export function canEditAnswers(status: ResponseStatus, by: "workspace" | "recipient"): boolean {
  if (status === "DRAFT" || status === "CHANGES_REQUESTED") return true;
  return by === "workspace" && status === "PREFILL";
}

/**
 * The action a recipient's "submit" performs in `status`: `submit` for a DRAFT, `resubmit` after changes
 * were requested, or null when the response cannot be submitted.
 *
 * @param status - Current status.
 */
export function recipientSubmitAction(status: ResponseStatus): "submit" | "resubmit" | null {
  if (status === "DRAFT") return "submit";
  if (status === "CHANGES_REQUESTED") return "resubmit";
  return null;
}

/**
 * Whether a response in `status` has been submitted at least once (what a questionnaire node waits for).
 *
 * @param status - Current status.
 */
export function hasBeenSubmitted(status: ResponseStatus): boolean {
  return status !== "PREFILL" && status !== "DRAFT";
}

/**
 * Whether `value` is a known {@link ResponseStatus}.
 *
 * @param value - Value to check.
 */
export function isResponseStatus(value: unknown): value is ResponseStatus {
  return typeof value === "string" && (responseStatuses as readonly string[]).includes(value);
}
