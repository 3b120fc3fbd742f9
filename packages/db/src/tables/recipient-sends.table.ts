import type { ColumnType } from "kysely";
import type { CreatedAt, EnvironmentColumn, Timestamp } from "./common.ts";

/**
 * Row of `workflow_sessions` (the seed's name for the table of recipient sends): one send to a recipient with its
 * steps and magic link (the token is stored hashed).
 */
export interface RecipientSendsTable {
  id: string;
  workspace_id: string;
  environment: EnvironmentColumn;
  entity_id: string;
  response_id: string | null;
  verification_session_id: string | null;
  email: string;
  token_hash: string;
  steps: ColumnType<unknown, string, string>;
  expires_at: Timestamp;
  revoked_at: Timestamp | null;
  email_sent_at: Timestamp | null;
  completed_at: Timestamp | null;
  created_by: string | null;
  created_at: CreatedAt;
}
