import type { CreatedAt, Generated, JsonObjectDefault, Timestamp } from "./common.ts";

/** Row of `jobs`: the engine's queue; at most one job per run. */
export interface JobsTable {
  id: string;
  kind: string;
  run_id: string | null;
  /** For session jobs (expiry): at most one per session. */
  session_id: string | null;
  /** For webhook jobs: the delivery it sends (at most one job per delivery). */
  webhook_delivery_id: string | null;
  /** A name the job is queued under at most once (`email.send:<snd_…>`, `credits.sweep`). */
  key: string | null;
  payload: JsonObjectDefault;
  run_at: CreatedAt;
  attempts: Generated<number>;
  locked_by: string | null;
  locked_until: Timestamp | null;
  last_error: string | null;
  created_at: CreatedAt;
}
