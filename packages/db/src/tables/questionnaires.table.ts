import type { CreatedAt, EnvironmentColumn, JsonObject } from "./common.ts";

/** Row of `questionnaires`: a DDQ template of a workspace. */
export interface QuestionnairesTable {
  id: string;
  workspace_id: string;
  environment: EnvironmentColumn;
  name: string;
  description: string | null;
  current_version: number;
  created_at: CreatedAt;
  updated_at: CreatedAt;
}

/** Row of `questionnaire_versions`: an immutable definition (sections and questions). */
export interface QuestionnaireVersionsTable {
  questionnaire_id: string;
  version: number;
  definition: JsonObject;
  created_by: string | null;
  created_at: CreatedAt;
}
