import type { ColumnType } from "kysely";
import type { CreatedAt, EnvironmentColumn, Generated, JsonObjectDefault, Timestamp } from "./common.ts";

/** Row of `legal_holds`: a session that may not be redacted or deleted while the hold is active. */
export interface LegalHoldsTable {
  id: string;
  workspace_id: string;
  environment: EnvironmentColumn;
  session_id: string;
  reason: string;
  created_by: string;
  created_at: CreatedAt;
  released_at: Timestamp | null;
  released_by: string | null;
  release_reason: string | null;
}

/** Row of `access_log`: one read of personal data (append-only; a trigger refuses updates). */
export interface AccessLogTable {
  /** Identity column; `bigint` is read back as a string. */
  id: ColumnType<string, never, never>;
  workspace_id: string;
  environment: EnvironmentColumn;
  key_id: string;
  record_type: string;
  record_id: string;
  session_id: string | null;
  fields: string[];
  channel: string;
  created_at: CreatedAt;
}

/** Row of `data_exports`: a DSAR export asked for, and its downloads. */
export interface DataExportsTable {
  id: string;
  workspace_id: string;
  environment: EnvironmentColumn;
  subject_type: "session" | "identity";
  subject_id: string;
  requested_by: string;
  created_at: CreatedAt;
  expires_at: Timestamp;
  downloaded_at: Timestamp | null;
  download_count: Generated<number>;
}

/** Row of `bulk_operations`: a durable bulk job with its counts. */
export interface BulkOperationsTable {
  id: string;
  workspace_id: string;
  environment: EnvironmentColumn;
  kind: string;
  status: "pending" | "running" | "completed" | "failed";
  reason: string;
  filter: JsonObjectDefault;
  total: Generated<number>;
  processed: Generated<number>;
  succeeded: Generated<number>;
  skipped: Generated<number>;
  failed: Generated<number>;
  created_by: string;
  created_at: CreatedAt;
  started_at: Timestamp | null;
  completed_at: Timestamp | null;
}

/** Row of `bulk_operation_items`: one session of a bulk job, `pending` until done in its own transaction. */
export interface BulkOperationItemsTable {
  operation_id: string;
  position: number;
  session_id: string;
  status: "pending" | "succeeded" | "skipped" | "failed";
  error: string | null;
  done_at: Timestamp | null;
}

/** Row of `retention_policies`: how long a workspace and environment keeps session data. */
export interface RetentionPoliciesTable {
  workspace_id: string;
  environment: EnvironmentColumn;
  redact_after_days: number | null;
  delete_abandoned_after_days: number | null;
  updated_by: string | null;
  updated_at: CreatedAt;
}
