import type { CreatedAt, EnvironmentColumn, JsonObject } from "./common.ts";

/** Row of `session_risk_assessments`: a run's risk under one rules version. */
export interface SessionRiskAssessmentsTable {
  id: string;
  workspace_id: string;
  environment: EnvironmentColumn;
  session_id: string;
  run_id: string;
  rules_version: string;
  score: number;
  level: string;
  /** The signals, a JSON array (typed loosely as the jsonb column helper). */
  signals: JsonObject | string;
  created_at: CreatedAt;
}
