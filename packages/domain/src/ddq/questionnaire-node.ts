import type { QuestionnaireNode } from "../graph/graph-schema.ts";
import type { Transition } from "../graph/routing.ts";
import type { LinkState } from "./recipient-send.ts";
import { hasBeenSubmitted, type ResponseStatus } from "./response-status.ts";

/** How a questionnaire node ends: its response was submitted, or its link expired (or was revoked) first. */
export const questionnaireOutcomes = ["submitted", "expired"] as const;

/** Outcome of a questionnaire node; each selects one of its routes. */
export type QuestionnaireOutcome = (typeof questionnaireOutcomes)[number];

/**
 * Transition out of a questionnaire node for its outcome.
 *
 * @param node - The questionnaire node.
 * @param outcome - What happened to the response.
 */
export function routeQuestionnaire(node: QuestionnaireNode, outcome: QuestionnaireOutcome): Transition {
  return { kind: "goto", nodeId: outcome === "submitted" ? node.routes.submitted : node.routes.expired };
}

/** A response linked to a run waiting at a questionnaire node, with the state of its link. */
export interface QuestionnaireWaitCandidate {
  responseId: string;
  status: ResponseStatus;
  /** The state of its latest link, or null when it was never sent (PREFILL). */
  link: LinkState | null;
}

/**
 * What a questionnaire node's wait comes to: `submitted` as soon as one linked response has been submitted;
 * `expired` when every linked response is unsubmitted and its link expired or was revoked; otherwise the
 * run keeps waiting (null). A PREFILL response (not sent yet) keeps the run waiting.
 *
 * @param candidates - The responses of the node's questionnaire linked to the run, oldest first.
 */
export function questionnaireNodeOutcome(
  candidates: readonly QuestionnaireWaitCandidate[],
): { outcome: QuestionnaireOutcome; responseId: string } | null {
  const submitted = candidates.find((candidate) => hasBeenSubmitted(candidate.status));
  if (submitted) return { outcome: "submitted", responseId: submitted.responseId };
  const last = candidates[candidates.length - 1];
  if (last && candidates.every((candidate) => candidate.link === "expired" || candidate.link === "revoked")) {
    return { outcome: "expired", responseId: last.responseId };
  }
  return null;
}

/**
 * When a questionnaire node's wait ends by itself if nobody acts: the moment the last of its links that are
 * still active expires (the run then takes `expired`, see {@link questionnaireNodeOutcome}). Null when the
 * wait cannot end by itself: no response is linked to the run yet, or one has not been sent (PREFILL).
 * The engine keeps a durable timer at this time, moved whenever a response is linked, sent or revoked.
 *
 * @param candidates - The responses of the node's questionnaire linked to the run, with their latest link's
 *   state and expiry (null when never sent).
 */
export function questionnaireWaitDeadline(
  candidates: readonly (QuestionnaireWaitCandidate & { expiresAt: Date | null })[],
): Date | null {
  let deadline: Date | null = null;
  for (const candidate of candidates) {
    if (candidate.link === null || candidate.expiresAt === null) return null;
    if (candidate.link === "active" && (deadline === null || candidate.expiresAt > deadline)) {
      deadline = candidate.expiresAt;
    }
  }
  return deadline;
}
