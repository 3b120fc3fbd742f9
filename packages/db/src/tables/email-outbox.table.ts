import type { CreatedAt, EnvironmentColumn } from "./common.ts";

/** Row of `email_outbox`: a message kept instead of sent (the embedded default email sender). */
export interface EmailOutboxTable {
  id: string;
  workspace_id: string;
  environment: EnvironmentColumn;
  workflow_session_id: string | null;
  to_address: string;
  subject: string;
  text_body: string;
  html_body: string;
  link_url: string | null;
  created_at: CreatedAt;
}
