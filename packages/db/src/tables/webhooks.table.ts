import type { ColumnType } from "kysely";
import type { CreatedAt, EnvironmentColumn, Generated, Timestamp } from "./common.ts";

/** Row of `webhook_endpoints`: a workspace's receiving URL; its secrets only as AES-256-GCM ciphertexts. */
export interface WebhookEndpointsTable {
  id: string;
  workspace_id: string;
  environment: EnvironmentColumn;
  url: string;
  description: string | null;
  /** JSON array of event types, or `["*"]`. */
  events: ColumnType<string[], string, string>;
  status: Generated<"enabled" | "disabled">;
  disabled_reason: string | null;
  disabled_at: Timestamp | null;
  consecutive_failures: Generated<number>;
  secret_encrypted: string;
  previous_secret_encrypted: string | null;
  previous_secret_expires_at: Timestamp | null;
  created_at: CreatedAt;
  updated_at: CreatedAt;
}

/** Row of `webhook_events`: the transactional outbox, one row per event with its body as delivered. */
export interface WebhookEventsTable {
  id: string;
  workspace_id: string;
  environment: EnvironmentColumn;
  type: string;
  session_id: string | null;
  payload: string;
  created_at: CreatedAt;
}

/** Row of `webhook_deliveries`: one event to one endpoint. */
export interface WebhookDeliveriesTable {
  id: string;
  workspace_id: string;
  environment: EnvironmentColumn;
  endpoint_id: string;
  event_id: string;
  event_type: string;
  session_id: string | null;
  status: Generated<"pending" | "succeeded" | "failed">;
  attempt_count: Generated<number>;
  next_attempt_at: Timestamp | null;
  last_status_code: number | null;
  delivered_at: Timestamp | null;
  created_at: CreatedAt;
  updated_at: CreatedAt;
}

/** Row of `webhook_attempts`: one HTTP attempt of a delivery. */
export interface WebhookAttemptsTable {
  delivery_id: string;
  attempt: number;
  started_at: Timestamp;
  duration_ms: number;
  status_code: number | null;
  response_body: string | null;
  error: string | null;
  next_attempt_at: Timestamp | null;
}
