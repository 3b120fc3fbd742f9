import {
  type Executor,
  findLedgerEntry,
  findLedgerEntryByKey,
  findReservation,
  insertLedgerEntry,
  insertReservation,
  listCreditLedger,
  lockCreditAccount,
  type PageRequest,
  resolveReservation,
  sumCreditLedger,
  sumHeldReservations,
  updateCreditAccount,
} from "@flowgate/db";
import {
  ConflictError,
  type CreditAction,
  type CreditBalance,
  type CreditEntryKind,
  type CreditLedgerEntry,
  canReserve,
  creditAmountProblem,
  InsufficientCreditsError,
  lowCreditBalanceThreshold,
  NotFoundError,
  newId,
  refundIdempotencyKey,
  type Tenant,
  ValidationError,
  type ValidationIssue,
} from "@flowgate/domain";
import { inTransaction, recordWebhookEvent } from "@flowgate/engine";
import { requireScope } from "../access.ts";
import type { Actor } from "../actor.ts";
import { type Application, applicationDeps } from "../application.ts";

/** Longest note on a ledger entry. */
const maxNoteLength = 500;

/**
 * Holds `amount` credits for an operation in flight, inside the caller's transaction: locks the tenant's
 * account, checks that the balance minus what is already held covers it, and records a reservation under
 * `idempotencyKey`. Settle it with {@link settleReservation} or give it back with {@link releaseReservation};
 * with `expiresAt`, the reservation sweeper gives it back (or settles it, when its email went out) after then.
 *
 * @throws InsufficientCreditsError when the credits are not available.
 */
export async function reserveCredits(
  trx: Executor,
  tenant: Tenant,
  reservation: {
    amount: number;
    idempotencyKey: string;
    referenceId: string | null;
    expiresAt?: Date | null;
  },
): Promise<void> {
  const account = await lockCreditAccount(trx, tenant);
  if (!canReserve(account, reservation.amount)) {
    throw new InsufficientCreditsError(reservation.amount, account);
  }
  await insertReservation(trx, tenant, { id: newId("crs"), ...reservation });
  await updateCreditAccount(trx, tenant, {
    balance: account.balance,
    reserved: account.reserved + reservation.amount,
  });
}

/**
 * Turns a held reservation into a `charge` ledger entry (same idempotency key), inside the caller's
 * transaction. Idempotent: settling again returns the charge already made; a released reservation charges
 * nothing (returns undefined).
 */
export async function settleReservation(
  trx: Executor,
  tenant: Tenant,
  idempotencyKey: string,
  charge: { action: CreditAction; note: string | null; actor: string | null },
): Promise<CreditLedgerEntry | undefined> {
  const account = await lockCreditAccount(trx, tenant);
  const reservation = await findReservation(trx, tenant, idempotencyKey);
  if (reservation?.status !== "held") return findLedgerEntryByKey(trx, tenant, idempotencyKey);
  const entry = await insertLedgerEntry(trx, tenant, {
    id: newId("cle"),
    kind: "charge",
    amount: -reservation.amount,
    balanceAfter: account.balance - reservation.amount,
    action: charge.action,
    idempotencyKey,
    referenceId: reservation.reference_id,
    note: charge.note,
    actor: charge.actor,
  });
  await resolveReservation(trx, tenant, idempotencyKey, "settled", entry.id);
  await updateCreditAccount(trx, tenant, {
    balance: account.balance - reservation.amount,
    reserved: account.reserved - reservation.amount,
  });
  if (account.balance >= lowCreditBalanceThreshold && entry.balanceAfter < lowCreditBalanceThreshold) {
    // The charge that takes the balance under the threshold reports it, once per crossing.
    await recordWebhookEvent(trx, null, tenant, "credits.low_balance", {
      object: "credit_balance",
      balance: entry.balanceAfter,
      threshold: lowCreditBalanceThreshold,
      ledger_entry_id: entry.id,
    });
  }
  return entry;
}

/**
 * Gives a held reservation back, inside the caller's transaction. Idempotent: returns false when there is
 * no held reservation under the key.
 */
export async function releaseReservation(
  trx: Executor,
  tenant: Tenant,
  idempotencyKey: string,
): Promise<boolean> {
  const account = await lockCreditAccount(trx, tenant);
  const released = await resolveReservation(trx, tenant, idempotencyKey, "released");
  if (!released) return false;
  await updateCreditAccount(trx, tenant, {
    balance: account.balance,
    reserved: account.reserved - released.amount,
  });
  return true;
}

/**
 * The caller's credits: the ledger's sum, what sends in flight hold, and what is available.
 * Needs `credits:read`.
 */
export async function creditBalance(app: Application, actor: Actor): Promise<CreditBalance> {
  requireScope(actor, "credits:read");
  const { db } = applicationDeps(app);
  const [balance, reserved] = await Promise.all([sumCreditLedger(db, actor), sumHeldReservations(db, actor)]);
  return {
    workspaceId: actor.workspaceId,
    environment: actor.environment,
    balance,
    reserved,
    available: balance - reserved,
  };
}

/** A page of the caller's ledger, newest first. Needs `credits:read`. */
export async function creditLedger(
  app: Application,
  actor: Actor,
  page: PageRequest & { kind?: CreditEntryKind | undefined },
): Promise<CreditLedgerEntry[]> {
  requireScope(actor, "credits:read");
  const { db } = applicationDeps(app);
  return listCreditLedger(db, actor, page);
}

function noteIssues(note: string | null | undefined, required: boolean): ValidationIssue[] {
  const trimmed = note?.trim() ?? "";
  if (required && trimmed === "") return [{ path: ["note"], message: "is required" }];
  return trimmed.length > maxNoteLength
    ? [{ path: ["note"], message: `must have at most ${maxNoteLength} characters` }]
    : [];
}

/**
 * Adds credits to the caller's workspace and environment (a `grant` entry). With `idempotencyKey`, a retry
 * returns the grant already made instead of granting twice. Needs `admin`.
 *
 * @throws ValidationError for an amount that is not a whole number from 1 to 1,000,000.
 * @throws ConflictError when the idempotency key was used for another amount.
 */
export async function grantCredits(
  app: Application,
  actor: Actor,
  input: { amount: number; note?: string | null | undefined; idempotencyKey?: string | null | undefined },
): Promise<CreditLedgerEntry> {
  requireScope(actor, "admin");
  const deps = applicationDeps(app);
  const issues = noteIssues(input.note, false);
  const problem = creditAmountProblem("grant", input.amount);
  if (problem) issues.unshift({ path: ["amount"], message: problem });
  const clientKey = input.idempotencyKey?.trim() || null;
  if (clientKey !== null && clientKey.length > 200) {
    issues.push({ path: ["idempotencyKey"], message: "must have at most 200 characters" });
  }
  if (issues.length > 0) throw new ValidationError("Invalid credit grant", issues);
  const key = clientKey === null ? null : `grant:${clientKey}`;
  return inTransaction(deps, async (trx) => {
    const account = await lockCreditAccount(trx, actor);
    if (key !== null) {
      const existing = await findLedgerEntryByKey(trx, actor, key);
      if (existing) {
        if (existing.amount !== input.amount) {
          throw new ConflictError(
            `Idempotency key "${clientKey}" was already used for a grant of ${existing.amount} credits`,
          );
        }
        return existing;
      }
    }
    const entry = await insertLedgerEntry(trx, actor, {
      id: newId("cle"),
      kind: "grant",
      amount: input.amount,
      balanceAfter: account.balance + input.amount,
      action: null,
      idempotencyKey: key,
      referenceId: null,
      note: input.note?.trim() || null,
      actor: actor.keyId,
    });
    await updateCreditAccount(trx, actor, {
      balance: account.balance + input.amount,
      reserved: account.reserved,
    });
    return entry;
  });
}

/**
 * Corrects the caller's balance by a signed amount (an `adjustment` entry, with a required note). The
 * balance cannot go below zero, nor below the credits held by sends in flight. Needs `admin`.
 *
 * @throws ValidationError for a bad amount or note, or an adjustment the balance cannot absorb.
 */
export async function adjustCredits(
  app: Application,
  actor: Actor,
  input: { amount: number; note: string },
): Promise<CreditLedgerEntry> {
  requireScope(actor, "admin");
  const deps = applicationDeps(app);
  const issues = noteIssues(input.note, true);
  const problem = creditAmountProblem("adjustment", input.amount);
  if (problem) issues.unshift({ path: ["amount"], message: problem });
  if (issues.length > 0) throw new ValidationError("Invalid credit adjustment", issues);
  return inTransaction(deps, async (trx) => {
    const account = await lockCreditAccount(trx, actor);
    const balance = account.balance + input.amount;
    if (balance < account.reserved) {
      throw new ValidationError("Invalid credit adjustment", [
        {
          path: ["amount"],
          message: `would take the balance from ${account.balance} to ${balance}, below zero or below the ${account.reserved} credits reserved by sends in flight`,
        },
      ]);
    }
    const entry = await insertLedgerEntry(trx, actor, {
      id: newId("cle"),
      kind: "adjustment",
      amount: input.amount,
      balanceAfter: balance,
      action: null,
      idempotencyKey: null,
      referenceId: null,
      note: input.note.trim(),
      actor: actor.keyId,
    });
    await updateCreditAccount(trx, actor, { balance, reserved: account.reserved });
    return entry;
  });
}

/**
 * Gives a charge back (a `refund` entry of the same size). A charge is refunded at most once. Needs `admin`.
 *
 * @throws NotFoundError when the charge is not in the caller's ledger.
 * @throws ValidationError when the entry is not a charge.
 * @throws ConflictError when it was already refunded.
 */
export async function refundCharge(
  app: Application,
  actor: Actor,
  input: { chargeId: string; note?: string | null | undefined },
): Promise<CreditLedgerEntry> {
  requireScope(actor, "admin");
  const deps = applicationDeps(app);
  const issues = noteIssues(input.note, false);
  if (issues.length > 0) throw new ValidationError("Invalid refund", issues);
  return inTransaction(deps, async (trx) => {
    const account = await lockCreditAccount(trx, actor);
    const charge = await findLedgerEntry(trx, actor, input.chargeId);
    if (!charge) throw new NotFoundError("CreditLedgerEntry", input.chargeId);
    if (charge.kind !== "charge") {
      throw new ValidationError("Invalid refund", [
        { path: ["chargeId"], message: `is a ${charge.kind} entry; only charges can be refunded` },
      ]);
    }
    const key = refundIdempotencyKey(charge.id);
    const existing = await findLedgerEntryByKey(trx, actor, key);
    if (existing) throw new ConflictError(`Charge ${charge.id} was already refunded by ${existing.id}`);
    const amount = -charge.amount;
    const entry = await insertLedgerEntry(trx, actor, {
      id: newId("cle"),
      kind: "refund",
      amount,
      balanceAfter: account.balance + amount,
      action: charge.action,
      idempotencyKey: key,
      referenceId: charge.id,
      note: input.note?.trim() || null,
      actor: actor.keyId,
    });
    await updateCreditAccount(trx, actor, { balance: account.balance + amount, reserved: account.reserved });
    return entry;
  });
}
