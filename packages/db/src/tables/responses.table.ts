import type { CreatedAt, EnvironmentColumn, JsonObject, JsonObjectDefault, Timestamp } from "./common.ts";

/** Row of `responses`: an entity's answers to one questionnaire version. */
export interface ResponsesTable {
  id: string;
  workspace_id: string;
  environment: EnvironmentColumn;
  name: string;
  entity_id: string;
  questionnaire_id: string;
  questionnaire_version: number;
  status: string;
  answers: JsonObjectDefault;
  answer_sources: JsonObjectDefault;
  ai_analysis: JsonObject | null;
  pending_verification: JsonObject | null;
  workflow_session_id: string | null;
  run_id: string | null;
  created_by: string | null;
  created_at: CreatedAt;
  updated_at: CreatedAt;
  sent_at: Timestamp | null;
  submitted_at: Timestamp | null;
}

/** Row of `response_events`: a status change or autofill of a response, with who and when. */
export interface ResponseEventsTable {
  id: string;
  response_id: string;
  type: string;
  from_status: string | null;
  to_status: string | null;
  actor: string | null;
  data: JsonObjectDefault;
  created_at: CreatedAt;
}
