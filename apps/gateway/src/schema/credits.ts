import {
  adjustCredits,
  creditBalance,
  creditLedger,
  grantCredits,
  refundCharge,
} from "@flowgate/application";
import type { CreditBalance, CreditLedgerEntry } from "@flowgate/domain";
import { creditEntryKinds, type creditShortfalls, InsufficientCreditsError } from "@flowgate/domain";

import { builder } from "../builder.ts";
import { ErrorInterface, recordErrors } from "./errors.ts";
import { keysetConnection } from "./pagination.ts";

const CreditEntryKindEnum = builder.enumType("CreditEntryKind", {
  description:
    "`grant` (credits added), `charge` (a billable action, negative), `refund` (a charge given back), `adjustment` (a correction, either sign).",
  values: creditEntryKinds,
});

const CreditShortfallEnum = builder.enumType("CreditShortfall", {
  description: "Why a send could not reserve its credits.",
  values: {
    balance_too_low: { description: "The balance itself is below what the send needs; only a grant helps." },
    held_by_sends_in_flight: {
      description:
        "The balance covers the send, but sends still in flight hold part of it; retry once they settle (a failed send gives its credits back).",
    },
  } satisfies Record<(typeof creditShortfalls)[number], unknown>,
});

builder.objectType(InsufficientCreditsError, {
  name: "InsufficientCreditsError",
  description: "The workspace has too few credits for this send; nothing was sent and nothing was charged.",
  interfaces: [ErrorInterface],
  isTypeOf: (value) => value instanceof InsufficientCreditsError,
  fields: (t) => ({
    required: t.exposeInt("required", { description: "Credits the send needs." }),
    available: t.exposeInt("available", {
      description: "Credits available: the balance minus what sends in flight hold.",
    }),
    balance: t.exposeInt("balance", { description: "The balance, held credits included." }),
    reservedCredits: t.exposeInt("reservedCredits", {
      description: "Credits held by sends still in flight (reserved, not yet charged or given back).",
    }),
    shortfall: t.field({
      type: CreditShortfallEnum,
      description: "Balance too low, or credits held by sends in flight.",
      resolve: (error) => error.shortfall,
    }),
    retryable: t.exposeBoolean("retryable", {
      description:
        "Whether retrying the same call may succeed without a grant: true when only credits held by sends in flight stand in the way.",
    }),
  }),
});

const CreditBalanceRef = builder.objectRef<CreditBalance>("CreditBalance").implement({
  description: "The caller's credits in its workspace and environment.",
  fields: (t) => ({
    balance: t.exposeInt("balance", { description: "The sum of the ledger; never negative." }),
    reserved: t.exposeInt("reserved", { description: "Credits held by sends in flight." }),
    available: t.exposeInt("available", { description: "balance − reserved: what new sends can use." }),
    environment: t.exposeString("environment", {
      description: "`live` or `sandbox` (sandbox sends are free).",
    }),
  }),
});

const CreditLedgerEntryRef = builder.objectRef<CreditLedgerEntry>("CreditLedgerEntry").implement({
  description: "One entry of the append-only credit ledger.",
  fields: (t) => ({
    id: t.exposeID("id", { description: "Entry id (`cle_…`)." }),
    kind: t.field({ type: CreditEntryKindEnum, resolve: (e) => e.kind, description: "What kind of entry." }),
    amount: t.exposeInt("amount", { description: "Signed: positive adds credits, negative takes them." }),
    balanceAfter: t.exposeInt("balanceAfter", { description: "The balance right after this entry." }),
    action: t.exposeString("action", {
      nullable: true,
      description: "The billable action of a charge, e.g. `send_ddq`.",
    }),
    referenceId: t.exposeString("referenceId", {
      nullable: true,
      description: "What it is about: the workflow session of a charge, the charge of a refund.",
    }),
    note: t.exposeString("note", { nullable: true, description: "A note." }),
    actor: t.exposeString("actor", { nullable: true, description: "The API key that made it." }),
    createdAt: t.expose("createdAt", { type: "DateTime", description: "When." }),
  }),
});

builder.queryFields((t) => ({
  creditBalance: t.field({
    type: CreditBalanceRef,
    description: "The caller's credit balance (derived from the ledger), reserved and available credits.",
    authScopes: { scope: "credits:read" },
    resolve: (_root, _args, context) => creditBalance(context.app, context.actor),
  }),
  creditLedger: t.connection({
    type: CreditLedgerEntryRef,
    description: "The caller's credit ledger, newest first.",
    authScopes: { scope: "credits:read" },
    args: {
      kind: t.arg({ type: CreditEntryKindEnum, required: false, description: "Only entries of this kind." }),
    },
    resolve: (_root, args, context) =>
      keysetConnection(args, (page) =>
        creditLedger(context.app, context.actor, { ...page, kind: args.kind ?? undefined }),
      ),
  }),
}));

builder.mutationFields((t) => ({
  grantCredits: t.field({
    type: CreditLedgerEntryRef,
    description:
      "Adds credits to the caller's workspace and environment (a `grant` entry). Needs the `admin` scope. With idempotencyKey, a retry returns the grant already made.",
    authScopes: { scope: "admin" },
    errors: { types: recordErrors },
    args: {
      amount: t.arg.int({ required: true, description: "Credits to add (1 to 1,000,000)." }),
      note: t.arg.string({ required: false, description: "Why (at most 500 characters)." }),
      idempotencyKey: t.arg.string({ required: false, description: "Makes retries of this grant safe." }),
    },
    resolve: (_root, args, context) =>
      grantCredits(context.app, context.actor, {
        amount: args.amount,
        note: args.note ?? null,
        idempotencyKey: args.idempotencyKey ?? null,
      }),
  }),
  adjustCredits: t.field({
    type: CreditLedgerEntryRef,
    description:
      "Corrects the balance by a signed amount (an `adjustment` entry with a required note); it cannot take the balance below zero or below what sends in flight hold. Needs the `admin` scope.",
    authScopes: { scope: "admin" },
    errors: { types: recordErrors },
    args: {
      amount: t.arg.int({
        required: true,
        description: "Signed amount (not 0, at most 1,000,000 either way).",
      }),
      note: t.arg.string({ required: true, description: "Why (required, at most 500 characters)." }),
    },
    resolve: (_root, args, context) =>
      adjustCredits(context.app, context.actor, { amount: args.amount, note: args.note }),
  }),
  refundCredit: t.field({
    type: CreditLedgerEntryRef,
    description:
      "Gives a charge back (a `refund` entry of the same size); a charge is refunded at most once. Needs the `admin` scope.",
    authScopes: { scope: "admin" },
    errors: { types: recordErrors },
    args: {
      chargeId: t.arg.id({ required: true, description: "The charge's ledger entry id (`cle_…`)." }),
      note: t.arg.string({ required: false, description: "Why (at most 500 characters)." }),
    },
    resolve: (_root, args, context) =>
      refundCharge(context.app, context.actor, {
        chargeId: String(args.chargeId),
        note: args.note ?? null,
      }),
  }),
}));
