import { FlowgateError } from "../errors.ts";

/**
 * Why credits could not be reserved: `balance_too_low` (the balance itself is below what is needed; only a
 * grant helps) or `held_by_sends_in_flight` (the balance would cover it, but sends still in flight hold part
 * of it; it is worth retrying once they settle, since a failed send gives its credits back).
 */
export const creditShortfalls = ["balance_too_low", "held_by_sends_in_flight"] as const;

/** One of {@link creditShortfalls}. */
export type CreditShortfall = (typeof creditShortfalls)[number];

/** The workspace's credit balance cannot pay for a send; nothing was sent and nothing was charged. */
export class InsufficientCreditsError extends FlowgateError {
  /** Always `"INSUFFICIENT_CREDITS"`. */
  readonly code = "INSUFFICIENT_CREDITS";
  /** Credits the operation needs. */
  readonly required: number;
  /** Credits available (the balance minus credits reserved by sends in flight). */
  readonly available: number;
  /** The balance (the ledger's sum), held credits included. */
  readonly balance: number;
  /** Credits held by sends still in flight (reserved, not yet charged or released). */
  readonly reservedCredits: number;
  /** Which of the two cases this is. */
  readonly shortfall: CreditShortfall;
  /**
   * Whether retrying the same call may succeed without anyone granting credits: true exactly when the
   * balance covers `required` and only held credits stand in the way.
   */
  readonly retryable: boolean;

  /**
   * @param required - Credits the operation needs.
   * @param account - The account when it was refused: its balance and the credits held by sends in flight.
   */
  constructor(required: number, account: { balance: number; reserved: number }) {
    const available = account.balance - account.reserved;
    const shortfall: CreditShortfall =
      account.balance >= required ? "held_by_sends_in_flight" : "balance_too_low";
    const needs = `this send needs ${required} credit${required === 1 ? "" : "s"}`;
    super(
      shortfall === "balance_too_low"
        ? `Insufficient credits: ${needs} and the balance is ${account.balance}. Nothing was sent and nothing was charged.`
        : `Insufficient credits: ${needs}; the balance is ${account.balance} but ${account.reserved} ${
            account.reserved === 1 ? "is" : "are"
          } held by sends still in flight, so ${available} ${available === 1 ? "is" : "are"} available. Nothing was sent and nothing was charged; retry once they settle.`,
    );
    this.required = required;
    this.available = available;
    this.balance = account.balance;
    this.reservedCredits = account.reserved;
    this.shortfall = shortfall;
    this.retryable = shortfall === "held_by_sends_in_flight";
  }
}

/**
 * The recipient email could not be dispatched. Nothing was charged; on a direct send the response was
 * deleted (an entity created by the request is kept), on `sendResponse` the response went back to
 * `PREFILL`. The call can be retried.
 */
export class EmailDeliveryError extends FlowgateError {
  /** Always `"EMAIL_DELIVERY_FAILED"`. */
  readonly code = "EMAIL_DELIVERY_FAILED";
  /** Always true: the request may be retried as it was. */
  readonly retryable = true;
  /** The entity of the request (kept, also when the request created it). */
  readonly entityId: string;
  /** The response that went back to `PREFILL` (sendResponse), or null when it was deleted (direct send). */
  readonly responseId: string | null;
  /** Why the mail server refused or could not be reached. */
  readonly reason: string;

  /**
   * @param message - What happened to the records of the request.
   * @param details - The entity kept, the response kept (if any) and the transport's reason.
   */
  constructor(message: string, details: { entityId: string; responseId: string | null; reason: string }) {
    super(message);
    this.entityId = details.entityId;
    this.responseId = details.responseId;
    this.reason = details.reason;
  }
}

/**
 * The workspace has sent as many emails this hour (UTC) as its hourly cap allows; nothing was created,
 * sent or charged. Retry after `retryAfterSeconds`.
 */
export class EmailHourlyCapError extends FlowgateError {
  /** Always `"EMAIL_HOURLY_CAP_EXCEEDED"`. */
  readonly code = "EMAIL_HOURLY_CAP_EXCEEDED";
  /** Emails a workspace may send per UTC hour (`FLOWGATE_EMAILS_PER_WORKSPACE_HOUR`). */
  readonly cap: number;
  /** Seconds until the next hour starts and the count begins again. */
  readonly retryAfterSeconds: number;

  /**
   * @param cap - The hourly cap.
   * @param retryAfterSeconds - Seconds until the count starts again.
   */
  constructor(cap: number, retryAfterSeconds: number) {
    super(
      `Hourly email cap reached: this workspace may send ${cap} email${cap === 1 ? "" : "s"} per hour (FLOWGATE_EMAILS_PER_WORKSPACE_HOUR). Nothing was sent and nothing was charged; retry in ${retryAfterSeconds} s.`,
    );
    this.cap = cap;
    this.retryAfterSeconds = retryAfterSeconds;
  }
}

/** Whether `value` is an {@link EmailHourlyCapError}. */
export function isEmailHourlyCapError(value: unknown): value is EmailHourlyCapError {
  return value instanceof EmailHourlyCapError;
}

/** Whether `value` is an {@link InsufficientCreditsError}. */
export function isInsufficientCreditsError(value: unknown): value is InsufficientCreditsError {
  return value instanceof InsufficientCreditsError;
}

/** Whether `value` is an {@link EmailDeliveryError}. */
export function isEmailDeliveryError(value: unknown): value is EmailDeliveryError {
  return value instanceof EmailDeliveryError;
}
