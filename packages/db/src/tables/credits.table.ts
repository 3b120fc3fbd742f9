import type { CreatedAt, EnvironmentColumn, Generated, Timestamp } from "./common.ts";

/**
 * Row of `credit_accounts`: the lock that serializes a tenant's credit changes, with the ledger's sum and
 * the credits held by reservations (checked: `0 <= reserved <= balance`).
 */
export interface CreditAccountsTable {
  workspace_id: string;
  environment: EnvironmentColumn;
  balance: Generated<number>;
  reserved: Generated<number>;
  updated_at: CreatedAt;
}

/** Row of `credit_ledger`: append-only; `(workspace, environment, idempotency_key)` is unique. */
export interface CreditLedgerTable {
  id: string;
  workspace_id: string;
  environment: EnvironmentColumn;
  kind: "grant" | "charge" | "refund" | "adjustment";
  amount: number;
  balance_after: number;
  action: string | null;
  idempotency_key: string | null;
  reference_id: string | null;
  note: string | null;
  actor: string | null;
  created_at: CreatedAt;
}

/** Row of `credit_reservations`: credits held for a send in flight, then settled (charged) or released. */
export interface CreditReservationsTable {
  id: string;
  workspace_id: string;
  environment: EnvironmentColumn;
  amount: number;
  idempotency_key: string;
  status: "held" | "settled" | "released";
  reference_id: string | null;
  ledger_entry_id: string | null;
  created_at: CreatedAt;
  resolved_at: Timestamp | null;
  /** When the sweeper gives the reservation back if it is still held (null: never). */
  expires_at: Timestamp | null;
}
