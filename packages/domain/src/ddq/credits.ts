import type { Environment } from "../environment.ts";
import type { Tenant } from "../records.ts";

/** Every kind of credit ledger entry. */
export const creditEntryKinds = ["grant", "charge", "refund", "adjustment"] as const;

/**
 * Kind of ledger entry: `grant` (credits bought or given, positive), `charge` (a billable action,
 * negative), `refund` (a charge given back, positive), `adjustment` (a correction, either sign).
 */
export type CreditEntryKind = (typeof creditEntryKinds)[number];

/** Billable actions and their price in credits. */
export const creditPrices = { send_ddq: 1 } as const;

/** A billable action. */
export type CreditAction = keyof typeof creditPrices;

/** Largest amount one grant or adjustment may move. */
export const maxCreditAmount = 1_000_000;

/** One entry of a workspace's append-only credit ledger; the balance is the sum of the amounts. */
export interface CreditLedgerEntry extends Tenant {
  id: string;
  kind: CreditEntryKind;
  /** Signed: positive adds credits, negative takes them. */
  amount: number;
  /** The balance right after this entry (never negative). */
  balanceAfter: number;
  /** The billable action of a charge. */
  action: CreditAction | null;
  /** Makes the entry happen at most once (a send's charge, a refund of a charge, a client's grant key). */
  idempotencyKey: string | null;
  /** The record the entry is about (a recipient send for charges, a charge for refunds). */
  referenceId: string | null;
  note: string | null;
  /** The API key that made it. */
  actor: string | null;
  createdAt: Date;
}

/** A workspace's credits in one environment. */
export interface CreditBalance extends Tenant {
  /** Sum of the ledger. */
  balance: number;
  /** Credits held by sends in flight (reserved, neither charged nor released yet). */
  reserved: number;
  /** `balance − reserved`: what new sends can use. */
  available: number;
}

/**
 * Whether sends in `environment` cost credits: live sends do, sandbox sends are free.
 *
 * @param environment - The caller's environment.
 */
export function sendsAreCharged(environment: Environment): boolean {
  return environment === "live";
}

/**
 * Whether a reservation of `amount` fits the account: the balance minus what is already reserved must cover
 * it, so the balance can never go negative once every reservation is charged.
 *
 * @param account - Current balance and reserved credits.
 * @param amount - Credits to reserve.
 */
export function canReserve(account: { balance: number; reserved: number }, amount: number): boolean {
  return account.balance - account.reserved >= amount;
}

/**
 * The idempotency key of a send's reservation and charge: one per recipient send, so retries and
 * concurrent settlements charge a send at most once.
 *
 * @param workflowSessionId - The send's recipient send.
 */
export function sendIdempotencyKey(workflowSessionId: string): string {
  return `send:${workflowSessionId}`;
}

/**
 * The idempotency key of a refund: one per charge, so a charge is refunded at most once.
 *
 * @param chargeEntryId - The charge refunded.
 */
export function refundIdempotencyKey(chargeEntryId: string): string {
  return `refund:${chargeEntryId}`;
}

/**
 * What is wrong with an amount for a ledger entry of `kind` written by an administrator, or null: grants
 * are whole numbers from 1 to 1,000,000; adjustments whole numbers from −1,000,000 to 1,000,000 except 0.
 *
 * @param kind - `grant` or `adjustment`.
 * @param amount - The amount.
 */
export function creditAmountProblem(kind: "grant" | "adjustment", amount: number): string | null {
  if (!Number.isInteger(amount)) return "must be a whole number of credits";
  if (kind === "grant") {
    return amount >= 1 && amount <= maxCreditAmount ? null : `must be from 1 to ${maxCreditAmount}`;
  }
  if (amount === 0) return "must not be 0";
  return Math.abs(amount) <= maxCreditAmount
    ? null
    : `must be from -${maxCreditAmount} to ${maxCreditAmount}`;
}
