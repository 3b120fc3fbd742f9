import type { CreatedAt, EnvironmentColumn, Generated, JsonObjectDefault, Timestamp } from "./common.ts";

/**
 * Row of `email_sends`: one recipient email as a durable job (reserve → send → settle). `id` keys every
 * step and is the SMTP Message-ID, so a retry after a crash sends the same message and charges once.
 */
export interface EmailSendsTable {
  id: string;
  workspace_id: string;
  environment: EnvironmentColumn;
  kind: "send_workflow" | "send_response";
  status: "pending" | "sent" | "failed";
  workflow_session_id: string;
  entity_id: string;
  response_id: string | null;
  verification_session_id: string | null;
  message_id: string;
  /** The link token sealed with the server key while pending (never in plain text); null once finished. */
  sealed_token: string | null;
  /** The credit reservation's idempotency key (live sends). */
  reservation_key: string | null;
  revert: JsonObjectDefault;
  actor: string | null;
  credits_charged: Generated<number>;
  failure: string | null;
  attempts: Generated<number>;
  created_at: CreatedAt;
  sent_at: Timestamp | null;
  finished_at: Timestamp | null;
}

/** Row of `workspace_hourly_emails`: how many emails a workspace sent in one UTC hour (the hourly cap). */
export interface WorkspaceHourlyEmailsTable {
  workspace_id: string;
  hour: Timestamp;
  emails: Generated<number>;
}
