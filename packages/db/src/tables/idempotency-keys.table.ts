import type { ColumnType } from "kysely";
import type { EnvironmentColumn, Timestamp } from "./common.ts";

/**
 * Row of `idempotency_keys`: an `Idempotency-Key` of a workspace and environment, the fingerprint of the
 * request that first used it, and — once that request finished — the response to replay. Rows live 24 h.
 */
export interface IdempotencyKeysTable {
  workspace_id: string;
  environment: EnvironmentColumn;
  key: string;
  request_hash: string;
  state: "in_flight" | "completed";
  response_status: number | null;
  response_body: string | null;
  created_at: ColumnType<Date, Date, never>;
  expires_at: Timestamp;
}
