import type { ColumnType } from "kysely";
import type { CreatedAt, EnvironmentColumn, Generated, Timestamp } from "./common.ts";

/** Row of `autofill_jobs`: one `autofillResponse` request and what became of it. */
export interface AutofillJobsTable {
  id: string;
  workspace_id: string;
  environment: EnvironmentColumn;
  response_id: string;
  /** `QUEUED`, `RUNNING`, `SUCCEEDED` or `FAILED`. */
  status: string;
  provider: string;
  deterministic: boolean;
  /** The API key id that asked, or `recipient`. */
  requested_by: string;
  /** The answers filled with their annotations (JSON array of `{questionId, value, source}`). */
  filled: ColumnType<unknown[], string | undefined, string>;
  error: string | null;
  attempts: Generated<number>;
  /** The `response.autofill_completed` event it recorded. */
  response_event_id: string | null;
  created_at: CreatedAt;
  started_at: Timestamp | null;
  finished_at: Timestamp | null;
}
