import type { CreditAction, CreditEntryKind, CreditLedgerEntry, Tenant } from "@flowgate/domain";
import { type Selectable, sql } from "kysely";
import type { Executor } from "../database.ts";
import type { CreditLedgerTable, CreditReservationsTable } from "../tables/credits.table.ts";
import type { PageRequest } from "./pagination.ts";
import { inTenant } from "./tenant-filter.ts";

/** A tenant's credit account as locked for a change. */
export interface LockedCreditAccount {
  /** Sum of the ledger. */
  balance: number;
  /** Credits held by reservations. */
  reserved: number;
}

/**
 * Locks the tenant's credit account row for the rest of the transaction (creating it on first use), so
 * that credit changes of one tenant happen one at a time, and returns its balance and reserved credits.
 */
export async function lockCreditAccount(db: Executor, tenant: Tenant): Promise<LockedCreditAccount> {
  await db
    .insertInto("credit_accounts")
    .values({ workspace_id: tenant.workspaceId, environment: tenant.environment })
    .onConflict((oc) => oc.columns(["workspace_id", "environment"]).doNothing())
    .execute();
  const row = await db
    .selectFrom("credit_accounts")
    .select(["balance", "reserved"])
    .where(inTenant(tenant))
    .forUpdate()
    .executeTakeFirstOrThrow();
  return { balance: row.balance, reserved: row.reserved };
}

/** Writes a locked account's new balance and reserved credits (the table checks `0 <= reserved <= balance`). */
export async function updateCreditAccount(
  db: Executor,
  tenant: Tenant,
  account: LockedCreditAccount,
): Promise<void> {
  await db
    .updateTable("credit_accounts")
    .set({ balance: account.balance, reserved: account.reserved, updated_at: new Date() })
    .where(inTenant(tenant))
    .execute();
}

/** The tenant's account without locking it (zeros before first use). */
export async function findCreditAccount(db: Executor, tenant: Tenant): Promise<LockedCreditAccount> {
  const row = await db
    .selectFrom("credit_accounts")
    .select(["balance", "reserved"])
    .where(inTenant(tenant))
    .executeTakeFirst();
  return { balance: row?.balance ?? 0, reserved: row?.reserved ?? 0 };
}

/** The sum of the tenant's ledger: its balance, derived from the entries. */
export async function sumCreditLedger(db: Executor, tenant: Tenant): Promise<number> {
  const row = await db
    .selectFrom("credit_ledger")
    .select(sql<string>`coalesce(sum(amount), 0)`.as("total"))
    .where(inTenant(tenant))
    .executeTakeFirstOrThrow();
  return Number(row.total);
}

/** The sum of the tenant's held reservations. */
export async function sumHeldReservations(db: Executor, tenant: Tenant): Promise<number> {
  const row = await db
    .selectFrom("credit_reservations")
    .select(sql<string>`coalesce(sum(amount), 0)`.as("total"))
    .where(inTenant(tenant))
    .where("status", "=", "held")
    .executeTakeFirstOrThrow();
  return Number(row.total);
}

/** A ledger entry to append. */
export interface NewLedgerEntry {
  id: string;
  kind: CreditEntryKind;
  amount: number;
  balanceAfter: number;
  action: CreditAction | null;
  idempotencyKey: string | null;
  referenceId: string | null;
  note: string | null;
  actor: string | null;
}

/** Appends a ledger entry; a second entry with the same idempotency key violates a unique index. */
export async function insertLedgerEntry(
  db: Executor,
  tenant: Tenant,
  entry: NewLedgerEntry,
): Promise<CreditLedgerEntry> {
  const row = await db
    .insertInto("credit_ledger")
    .values({
      id: entry.id,
      workspace_id: tenant.workspaceId,
      environment: tenant.environment,
      kind: entry.kind,
      amount: entry.amount,
      balance_after: entry.balanceAfter,
      action: entry.action,
      idempotency_key: entry.idempotencyKey,
      reference_id: entry.referenceId,
      note: entry.note,
      actor: entry.actor,
    })
    .returningAll()
    .executeTakeFirstOrThrow();
  return toLedgerEntry(row);
}

/** The tenant's ledger entry with this idempotency key, if any. */
export async function findLedgerEntryByKey(
  db: Executor,
  tenant: Tenant,
  idempotencyKey: string,
): Promise<CreditLedgerEntry | undefined> {
  const row = await db
    .selectFrom("credit_ledger")
    .selectAll()
    .where(inTenant(tenant))
    .where("idempotency_key", "=", idempotencyKey)
    .executeTakeFirst();
  return row ? toLedgerEntry(row) : undefined;
}

/** A ledger entry of the tenant by id. */
export async function findLedgerEntry(
  db: Executor,
  tenant: Tenant,
  id: string,
): Promise<CreditLedgerEntry | undefined> {
  const row = await db
    .selectFrom("credit_ledger")
    .selectAll()
    .where("id", "=", id)
    .where(inTenant(tenant))
    .executeTakeFirst();
  return row ? toLedgerEntry(row) : undefined;
}

/** A page of the tenant's ledger, newest first, optionally one kind. */
export async function listCreditLedger(
  db: Executor,
  tenant: Tenant,
  page: PageRequest & { kind?: CreditEntryKind | undefined },
): Promise<CreditLedgerEntry[]> {
  let query = db.selectFrom("credit_ledger").selectAll().where(inTenant(tenant));
  if (page.kind) query = query.where("kind", "=", page.kind);
  if (page.afterId) query = query.where("id", "<", page.afterId);
  if (page.beforeId) query = query.where("id", ">", page.beforeId);
  const rows = await query
    .orderBy("id", page.beforeId ? "asc" : "desc")
    .limit(page.limit)
    .execute();
  return rows.map(toLedgerEntry);
}

/** A reservation as stored. */
export type CreditReservation = Selectable<CreditReservationsTable>;

/** Holds `amount` credits under an idempotency key (unique per tenant). */
export async function insertReservation(
  db: Executor,
  tenant: Tenant,
  row: {
    id: string;
    amount: number;
    idempotencyKey: string;
    referenceId: string | null;
    /** When the sweeper gives it back if still held (default: never). */
    expiresAt?: Date | null;
  },
): Promise<void> {
  await db
    .insertInto("credit_reservations")
    .values({
      id: row.id,
      workspace_id: tenant.workspaceId,
      environment: tenant.environment,
      amount: row.amount,
      idempotency_key: row.idempotencyKey,
      status: "held",
      reference_id: row.referenceId,
      expires_at: row.expiresAt ?? null,
    })
    .execute();
}

/** A held reservation whose time is up, with its tenant (for the sweeper). */
export interface ExpiredReservation {
  tenant: Tenant;
  idempotencyKey: string;
}

/** Up to `limit` held reservations of any tenant that expired before `now`, oldest first. */
export async function listExpiredReservations(
  db: Executor,
  now: Date,
  limit: number,
): Promise<ExpiredReservation[]> {
  const rows = await db
    .selectFrom("credit_reservations")
    .select(["workspace_id", "environment", "idempotency_key"])
    .where("status", "=", "held")
    .where("expires_at", "<", now)
    .orderBy("expires_at")
    .limit(limit)
    .execute();
  return rows.map((row) => ({
    tenant: { workspaceId: row.workspace_id, environment: row.environment },
    idempotencyKey: row.idempotency_key,
  }));
}

/**
 * Moves a held reservation to `settled` or `released` and returns it; returns undefined when there is no
 * held reservation with that key (already resolved, or never made), so resolving is idempotent.
 */
export async function resolveReservation(
  db: Executor,
  tenant: Tenant,
  idempotencyKey: string,
  status: "settled" | "released",
  ledgerEntryId: string | null = null,
): Promise<CreditReservation | undefined> {
  return db
    .updateTable("credit_reservations")
    .set({ status, resolved_at: new Date(), ledger_entry_id: ledgerEntryId })
    .where(inTenant(tenant))
    .where("idempotency_key", "=", idempotencyKey)
    .where("status", "=", "held")
    .returningAll()
    .executeTakeFirst();
}

/** A reservation of the tenant by idempotency key, whatever its status. */
export async function findReservation(
  db: Executor,
  tenant: Tenant,
  idempotencyKey: string,
): Promise<CreditReservation | undefined> {
  return db
    .selectFrom("credit_reservations")
    .selectAll()
    .where(inTenant(tenant))
    .where("idempotency_key", "=", idempotencyKey)
    .executeTakeFirst();
}

function toLedgerEntry(row: Selectable<CreditLedgerTable>): CreditLedgerEntry {
  return {
    id: row.id,
    workspaceId: row.workspace_id,
    environment: row.environment,
    kind: row.kind,
    amount: row.amount,
    balanceAfter: row.balance_after,
    action: row.action as CreditAction | null,
    idempotencyKey: row.idempotency_key,
    referenceId: row.reference_id,
    note: row.note,
    actor: row.actor,
    createdAt: row.created_at,
  };
}
