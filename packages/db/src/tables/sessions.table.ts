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
  /** When a redaction removed its personal data (and of its runs, checks, links, emails). */
  redacted_at: Timestamp | null;
  /** The key that redacted it, or `retention`. */
  redacted_by: string | null;
  redaction_reason: string | null;
}
