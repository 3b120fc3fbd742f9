import type { Environment } from "../environment.ts";
import type { AutofilledAnswer } from "./autofill.ts";

/** Every status of an autofill job, in the order a job goes through them. */
export const autofillJobStatuses = ["QUEUED", "RUNNING", "SUCCEEDED", "FAILED"] as const;

/**
 * Status of an autofill job: `QUEUED` (waiting for a worker), `RUNNING` (a worker calls the provider),
 * `SUCCEEDED` (the answers were applied) or `FAILED` (the provider failed or the response could no longer
 * be edited; the answers are unchanged and `error` says why).
 */
export type AutofillJobStatus = (typeof autofillJobStatuses)[number];

/** Whether a job of this status is still to finish (a response has at most one such job). */
export function isAutofillJobActive(status: AutofillJobStatus): boolean {
  return status === "QUEUED" || status === "RUNNING";
}

/**
 * One `autofillResponse` request, run in the background by an engine worker (`afj_…`). The provider is
 * called outside any transaction; its answers are applied, and the response event
 * `response.autofill_completed` and its webhook recorded, in one transaction, once.
 */
export interface AutofillJob {
  id: string;
  workspaceId: string;
  environment: Environment;
  responseId: string;
  status: AutofillJobStatus;
  /** The provider that runs (ran) it, e.g. `builtin` or `chat-completions:<model>`. */
  provider: string;
  /** Whether that provider is deterministic. */
  deterministic: boolean;
  /** Who asked: the API key id, or `recipient`. */
  requestedBy: string;
  /** The answers filled, with their annotations (empty until it succeeds). */
  filled: AutofilledAnswer[];
  /** Why it failed (the answers were left unchanged), or null. */
  error: string | null;
  /** How many times a worker picked it up (more than one after a worker crashed mid-job). */
  attempts: number;
  /** The `response.autofill_completed` event it recorded (`rse_…`), once finished. */
  responseEventId: string | null;
  createdAt: Date;
  startedAt: Date | null;
  finishedAt: Date | null;
}
