import type { ColumnType } from "kysely";
import type { CreatedAt, EnvironmentColumn, Timestamp } from "./common.ts";

/** Row of `api_keys`: only the SHA-256 of a key is stored. */
export interface ApiKeysTable {
  id: string;
  workspace_id: string;
  environment: EnvironmentColumn;
  name: string;
  key_hash: string;
  prefix: string;
  scopes: string[];
  expires_at: Timestamp | null;
  revoked_at: Timestamp | null;
  last_used_at: Timestamp | null;
  /** The dated REST API version the key is pinned to (`Verifa-Version` overrides it per request). */
  api_version: ColumnType<string, string | undefined, string>;
  created_at: CreatedAt;
}
