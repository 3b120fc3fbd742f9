import { findDatabaseUnavailableError } from "@flowgate/application";
import {
  ConflictError,
  EmailDeliveryError,
  EmailHourlyCapError,
  InsufficientCreditsError,
  InvitationEmailError,
  LegalHoldError,
  LiveKeyFromSandboxError,
  MissingScopeError,
  NotFoundError,
  SandboxOnlyError,
  ValidationError,
} from "@flowgate/domain";
import { z } from "@hono/zod-openapi";
import { fieldPath, type Inflection } from "./inflection.ts";

/** One offending input field of a 400/422 answer. */
export const RestFieldIssue = z
  .object({
    field: z.string().openapi({ example: "session_id", description: "Path of the field, dot-separated." }),
    message: z.string().openapi({ example: "Required" }),
  })
  .openapi("FieldIssue");

/**
 * The one JSON shape of every REST error: a stable machine `code`, a `message` for people, the offending
 * `fields` (empty unless the input was invalid) and optional `details` (e.g. `current_status` on 409).
 */
export const RestErrorBody = z
  .object({
    error: z.object({
      code: z.string().openapi({ example: "NOT_FOUND", description: "Stable machine-readable code." }),
      message: z.string().openapi({ example: "Session ses_abc123 not found" }),
      fields: z.array(RestFieldIssue),
      details: z.record(z.string(), z.unknown()).optional(),
    }),
  })
  .openapi("Error");

/** A REST error body. */
export type RestErrorBody = z.infer<typeof RestErrorBody>;

/**
 * How a route family answers the errors whose status the seeds disagree on: Verifa and AITasker answer
 * invalid input with 422 and a status conflict with 409; KYC Genie (seed 003) answers both with 400.
 */
export interface ErrorPolicy {
  validation: 400 | 422;
  conflict: 400 | 409;
}

/** Verifa's (seeds 000–002) and AITasker's (seed 004) statuses. */
export const verifaErrors: ErrorPolicy = { validation: 422, conflict: 409 };
/** KYC Genie's statuses (seed 003): every validation or status problem is a 400. */
export const kycGenieErrors: ErrorPolicy = { validation: 400, conflict: 400 };

/** An error answer: its HTTP status, body, and headers to add (`Retry-After`). */
export interface RestErrorAnswer {
  status: 400 | 401 | 402 | 403 | 404 | 409 | 422 | 429 | 500 | 503;
  body: RestErrorBody;
  headers?: Record<string, string>;
}

/** Builds an error body. */
export function errorBody(
  code: string,
  message: string,
  fields: { field: string; message: string }[] = [],
  details?: Record<string, unknown>,
): RestErrorBody {
  return { error: { code, message, fields, ...(details ? { details } : {}) } };
}

/**
 * Maps a thrown error to its REST answer: the same domain errors GraphQL turns into its typed union
 * members (bodies in snake_case; the caller re-cases them). Anything unexpected is a masked 500 (`INTERNAL`), a database outage a 503.
 */
export function restErrorOf(error: unknown, policy: ErrorPolicy, inflection: Inflection): RestErrorAnswer {
  if (error instanceof NotFoundError) {
    return {
      status: 404,
      body: errorBody("NOT_FOUND", error.message, [], { resource: error.resource, id: error.id }),
    };
  }
  if (error instanceof ValidationError) {
    return {
      status: policy.validation,
      body: errorBody(
        "VALIDATION",
        error.message,
        error.issues.map((issue) => ({ field: fieldPath(issue.path, inflection), message: issue.message })),
      ),
    };
  }
  if (error instanceof LegalHoldError) {
    // Data protection: the hold that keeps the data is named, so that the caller can find and release it.
    return {
      status: policy.conflict,
      body: errorBody("CONFLICT", error.message, [], {
        current_status: error.currentStatus,
        hold_id: error.holdId,
        hold_reason: error.holdReason,
      }),
    };
  }
  if (error instanceof ConflictError) {
    return {
      status: policy.conflict,
      body: errorBody("CONFLICT", error.message, [], { current_status: error.currentStatus }),
    };
  }
  if (error instanceof MissingScopeError) {
    return {
      status: 403,
      body: errorBody("FORBIDDEN", error.message, [], { required_scopes: [...error.required] }),
    };
  }
  if (error instanceof LiveKeyFromSandboxError) {
    return {
      status: 403,
      body: errorBody(error.code, error.message, [], { operation: error.operation }),
    };
  }
  if (error instanceof EmailHourlyCapError) {
    return {
      status: 429,
      body: errorBody(error.code, error.message, [], {
        cap: error.cap,
        retry_after_seconds: error.retryAfterSeconds,
      }),
      headers: { "retry-after": String(error.retryAfterSeconds) },
    };
  }
  if (error instanceof SandboxOnlyError) {
    // Verifa: a simulation with a live key is a 403.
    return {
      status: 403,
      body: errorBody("SANDBOX_ONLY", error.message, [], { operation: error.operation }),
    };
  }
  if (error instanceof InvitationEmailError) {
    // The link was revoked and nothing else changed: safe to retry (a 5xx is not stored by idempotency).
    return {
      status: 500,
      body: errorBody("EMAIL_DELIVERY_FAILED", error.message, [], {
        retryable: true,
        session_id: error.sessionId,
        reason: error.reason,
      }),
    };
  }
  if (error instanceof InsufficientCreditsError) {
    return {
      status: 402,
      body: errorBody("INSUFFICIENT_CREDITS", error.message, [], {
        required: error.required,
        available: error.available,
      }),
    };
  }
  if (error instanceof EmailDeliveryError) {
    // Seed 003: 500, nothing charged, safe to retry.
    return {
      status: 500,
      body: errorBody("EMAIL_DELIVERY_FAILED", error.message, [], {
        retryable: true,
        entity_id: error.entityId,
        response_id: error.responseId,
      }),
    };
  }
  if (findDatabaseUnavailableError(error)) {
    return {
      status: 503,
      body: errorBody("DATABASE_UNAVAILABLE", "The database is unavailable; retry shortly.", [], {
        retryable: true,
      }),
    };
  }
  return { status: 500, body: errorBody("INTERNAL", "Unexpected error") };
}

/** A zod failure of a request part as the offending fields. */
export function zodFields(
  issues: readonly { path: readonly PropertyKey[]; message: string }[],
  inflection: Inflection,
): { field: string; message: string }[] {
  return issues.map((issue) => ({
    field: fieldPath(issue.path.map(String), inflection) || "(body)",
    message: issue.message,
  }));
}
