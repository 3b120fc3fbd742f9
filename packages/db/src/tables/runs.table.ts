import type { ColumnType, Generated } from "kysely";
import type { CreatedAt, EnvironmentColumn, JsonObject, JsonObjectDefault, Timestamp } from "./common.ts";

/** Row of `runs`: one execution of a workflow version. `last_seq` numbers its events. */
export interface RunsTable {
  id: string;
  workspace_id: string;
  environment: EnvironmentColumn;
  session_id: string | null;
  workflow_id: string;
  workflow_version: number;
  status: string;
  final_status: string | null;
  graph_snapshot: JsonObject;
  current_node: string | null;
  paused_at_node: string | null;
  pending_signal: JsonObject | null;
  decision_metadata: JsonObject | null;
  trigger_payload: JsonObjectDefault;
  triggered_by: string | null;
  error_message: string | null;
  total_cost_cents: Generated<number>;
  step_count: Generated<number>;
  /** Attempt number (1-based) of the current node; reset when a node completes. */
  current_attempt: Generated<number>;
  last_seq: Generated<number>;
  /**
   * The seq of the `node.started` event that began the current node's current attempt (a node that does
   * I/O is started in one commit and completed in a later one); it describes the run only while it equals
   * `last_seq`.
   */
  node_started_seq: number | null;
  /** When that `node.started` was committed. */
  node_started_at: Timestamp | null;
  created_at: CreatedAt;
  started_at: Timestamp | null;
  completed_at: Timestamp | null;
  /** Set when the session was reprocessed: the run is kept as history, and the session's current run is another. */
  superseded_at: Timestamp | null;
}

/** Row of `node_runs`: one execution of one graph node within a run (`step` orders them). */
export interface NodeRunsTable {
  id: string;
  run_id: string;
  step: number;
  workflow_node_id: string;
  node_type: string;
  status: string;
  task_id: string | null;
  input_data: JsonObject | null;
  output_data: JsonObject | null;
  attempts: Generated<number>;
  result: string | null;
  routed_to: string | null;
  cost_cents: Generated<number>;
  error: string | null;
  created_at: CreatedAt;
  started_at: ColumnType<Date, Date | string, Date | string>;
  completed_at: Timestamp | null;
}

/** Row of `run_events`: `(run_id, seq)` is gapless per run. */
export interface RunEventsTable {
  run_id: string;
  seq: number;
  type: string;
  data: JsonObject;
  created_at: CreatedAt;
}

/** Row of `run_audit`: who did what to a run, and why. */
export interface RunAuditTable {
  id: string;
  run_id: string;
  action: string;
  actor: string | null;
  reason: string | null;
  data: JsonObjectDefault;
  created_at: CreatedAt;
}
