import type { CreatedAt, EnvironmentColumn, Generated, Timestamp } from "./common.ts";

/** Row of `verification_links`: a one-time link of a session; only the token's SHA-256 is kept. */
export interface VerificationLinksTable {
  id: string;
  workspace_id: string;
  environment: EnvironmentColumn;
  session_id: string;
  token_hash: string;
  max_uses: number;
  uses: Generated<number>;
  expires_at: Timestamp;
  revoked_at: Timestamp | null;
  last_used_at: Timestamp | null;
  sent_to: string | null;
  created_by: string | null;
  created_at: CreatedAt;
}
