import type { ColumnType } from "kysely";
import type { CreatedAt, EnvironmentColumn, JsonObject, JsonObjectDefault, Timestamp } from "./common.ts";

/** Row of `sessions`. */
export interface SessionsTable {
  id: string;
  workspace_id: string;
  environment: EnvironmentColumn;
  workflow_id: string | null;
  status: string;
  result: string | null;
  reference_id: string | null;
  metadata: JsonObjectDefault;
  sandbox: JsonObject | null;
  created_at: CreatedAt;
  updated_at: CreatedAt;
  submitted_at: Timestamp | null;
  completed_at: Timestamp | null;
  expires_at: Timestamp | null;
  /** Tags (GIN-indexed for `tags @> array[tag]`). */
  tags: ColumnType<string[], string[] | undefined, string[]>;
  /** Where `resendSessionInvitation` sends the person's link. */
  invitee_email: string | null;
  /** The identity (an `individual` entity) the session belongs to. */
  identity_id: string | null;
  /** When a redaction removed its personal data (and of its runs, checks, links, emails). */
  redacted_at: Timestamp | null;
  /** The key that redacted it, or `retention`. */
  redacted_by: string | null;
  redaction_reason: string | null;
}

/** Row of `session_audit`: who changed a session, how, and why. */
export interface SessionAuditTable {
  id: string;
  session_id: string;
  action: string;
  actor: string | null;
  reason: string | null;
  data: JsonObjectDefault;
  created_at: CreatedAt;
}
