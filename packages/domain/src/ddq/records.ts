import type { Tenant } from "../records.ts";
import type { AnswerSources, Answers } from "./answers.ts";
import type { QuestionnaireDefinition } from "./questionnaire-definition.ts";
import type { VerificationChecks } from "./recipient-send.ts";
import type { ResponseStatus } from "./response-status.ts";

/** A questionnaire (DDQ template) of a workspace: named, with immutable numbered versions. */
export interface Questionnaire extends Tenant {
  id: string;
  name: string;
  description: string | null;
  /** The version new responses use. */
  currentVersion: number;
  createdAt: Date;
  updatedAt: Date;
}

/** One immutable version of a questionnaire's content; responses keep the version they started on. */
export interface QuestionnaireVersion {
  questionnaireId: string;
  version: number;
  definition: QuestionnaireDefinition;
  createdBy: string | null;
  createdAt: Date;
}

/** A response: an entity's answers to one questionnaire version. */
export interface DdqResponse extends Tenant {
  id: string;
  name: string;
  entityId: string;
  questionnaireId: string;
  questionnaireVersion: number;
  status: ResponseStatus;
  answers: Answers;
  /** Autofill annotations by question id (cleared on send). */
  answerSources: AnswerSources;
  /** Analysis data an AI provider attached (cleared on send). */
  aiAnalysis: Record<string, unknown> | null;
  /** Verification checks stored at prefill, requested when the response is sent. */
  pendingVerification: VerificationChecks | null;
  /** The recipient send of the latest send. */
  workflowSessionId: string | null;
  /** A run waiting at a questionnaire node for this response. */
  runId: string | null;
  createdBy: string | null;
  createdAt: Date;
  updatedAt: Date;
  sentAt: Date | null;
  submittedAt: Date | null;
}

/** Types of response events. */
export type ResponseEventType =
  | "response.created"
  | "response.saved"
  | "response.sent"
  | "response.send_failed"
  | "response.submitted"
  | "response.review_started"
  | "response.changes_requested"
  | "response.resubmitted"
  | "response.reviewed"
  | "response.approved"
  | "response.rejected"
  | "response.autofill_completed";

/** Something that happened to a response: a status change or autofill, with who and when. */
export interface ResponseEvent {
  id: string;
  responseId: string;
  type: ResponseEventType;
  fromStatus: ResponseStatus | null;
  toStatus: ResponseStatus | null;
  /** An API key id, or `recipient:<recipient send id>` for the magic-link recipient. */
  actor: string | null;
  data: Record<string, unknown>;
  createdAt: Date;
}

/** A message kept by the embedded outbox email sender instead of being sent. */
export interface OutboxEmail extends Tenant {
  id: string;
  workflowSessionId: string | null;
  to: string;
  subject: string;
  text: string;
  html: string;
  linkUrl: string | null;
  createdAt: Date;
}
