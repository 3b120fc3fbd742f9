import type { CreatedAt, EnvironmentColumn, JsonObject, Timestamp } from "./common.ts";

/** Row of `session_checks`: one policy node of a session's run. */
export interface SessionChecksTable {
  id: string;
  workspace_id: string;
  environment: EnvironmentColumn;
  session_id: string;
  run_id: string;
  node_id: string;
  policy: string;
  status: string;
  result: string | null;
  output: JsonObject | null;
  error: string | null;
  created_at: CreatedAt;
  updated_at: CreatedAt;
}

/** Row of `session_check_attempts`: one execution of a check, keyed by its `node.started` seq. */
export interface SessionCheckAttemptsTable {
  id: string;
  check_id: string;
  number: number;
  started_seq: number;
  started_at: Timestamp;
  completed_at: Timestamp | null;
  outcome: string | null;
  error: string | null;
  provider_reference: string | null;
  output: JsonObject | null;
}
