import type { ColumnType } from "kysely";
import type { CreatedAt, EnvironmentColumn, Generated, JsonObject, Timestamp } from "./common.ts";

/** Row of `workflow_schedules`: a cron schedule of a workspace workflow. */
export interface WorkflowSchedulesTable {
  id: string;
  workspace_id: string;
  environment: EnvironmentColumn;
  workflow_id: string;
  cron: string;
  timezone: string;
  payload: JsonObject;
  catch_up: "skip" | "run_once";
  status: Generated<"active" | "paused">;
  /** The next fire time; null while paused or when the expression has no more. */
  next_fire_at: Timestamp | null;
  last_fired_at: Timestamp | null;
  last_run_id: string | null;
  last_error: string | null;
  created_by: string | null;
  created_at: CreatedAt;
  updated_at: CreatedAt;
}

/** Row of `schedule_fires`: one fire of a schedule, unique per schedule and fire time. */
export interface ScheduleFiresTable {
  schedule_id: string;
  fire_at: Timestamp;
  run_id: string | null;
  /** Due times it stands for that started no run of their own. */
  missed: Generated<number>;
  error: string | null;
  created_at: CreatedAt;
}

/** Row of `inbound_triggers`: a `/hooks/:token` URL; its secret only encrypted, its bearer token only hashed. */
export interface InboundTriggersTable {
  id: string;
  workspace_id: string;
  environment: EnvironmentColumn;
  workflow_id: string;
  token: string;
  auth: "signature" | "bearer";
  secret_encrypted: string | null;
  token_hash: string | null;
  status: Generated<"active" | "revoked">;
  last_triggered_at: Timestamp | null;
  revoked_at: Timestamp | null;
  created_by: string | null;
  created_at: CreatedAt;
  updated_at: ColumnType<Date, Date | string | undefined, Date | string>;
}

/** Row of `inbound_trigger_messages`: a `webhook-id` a trigger accepted, with the run it started. */
export interface InboundTriggerMessagesTable {
  trigger_id: string;
  message_id: string;
  run_id: string | null;
  created_at: CreatedAt;
}
