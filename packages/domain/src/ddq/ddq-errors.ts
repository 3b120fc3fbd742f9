import { FlowgateError } from "../errors.ts";

/** The workspace's credit balance cannot pay for a send; nothing was sent and nothing was charged. */
export class InsufficientCreditsError extends FlowgateError {
  /** Always `"INSUFFICIENT_CREDITS"`. */
  readonly code = "INSUFFICIENT_CREDITS";
  /** Credits the operation needs. */
  readonly required: number;
  /** Credits available (the balance minus credits reserved by sends in flight). */
  readonly available: number;

  /**
   * @param required - Credits the operation needs.
   * @param available - Credits available when it was refused.
   */
  constructor(required: number, available: number) {
    super(
      `Insufficient credits: this send needs ${required} credit${required === 1 ? "" : "s"} and ${available} ${
        available === 1 ? "is" : "are"
      } available. Nothing was sent and nothing was charged.`,
    );
    this.required = required;
    this.available = available;
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
