/**
 * Base class of every expected domain failure. Each subclass carries a stable machine-readable
 * {@link FlowgateError.code} that the gateway maps to a typed GraphQL error.
 */
export abstract class FlowgateError extends Error {
  /** Stable machine-readable error code, e.g. `"NOT_FOUND"`. */
  abstract readonly code: string;

  /**
   * @param message - Human-readable description of the failure.
   * @param options - Standard error options (e.g. `cause`).
   */
  constructor(message: string, options?: ErrorOptions) {
    super(message, options);
    this.name = new.target.name;
  }
}

/**
 * A record does not exist, or belongs to another workspace or environment (which is reported the same
 * way, never as "forbidden").
 */
export class NotFoundError extends FlowgateError {
  /** Always `"NOT_FOUND"`. */
  readonly code = "NOT_FOUND";
  /** Kind of record that was looked up, e.g. `"Workflow"`. */
  readonly resource: string;
  /** Identifier that was looked up. */
  readonly id: string;

  /**
   * @param resource - Kind of record, e.g. `"Workflow"`.
   * @param id - Identifier that was not found.
   */
  constructor(resource: string, id: string) {
    super(`${resource} ${id} not found`);
    this.resource = resource;
    this.id = id;
  }
}

/** The request conflicts with the current state of a record (e.g. triggering a session that is processing). */
export class ConflictError extends FlowgateError {
  /** Always `"CONFLICT"`. */
  readonly code = "CONFLICT";
  /** Status the record was in when the request was refused, when known. */
  readonly currentStatus: string | null;

  /**
   * @param message - Human-readable explanation of the conflict.
   * @param currentStatus - Status the record was in, when relevant.
   */
  constructor(message: string, currentStatus?: string) {
    super(message);
    this.currentStatus = currentStatus ?? null;
  }
}

/**
 * The session's personal data was removed by a redaction: it can no longer be resumed, submitted, decided
 * or triggered (its audit skeleton stays readable).
 */
export class SessionRedactedError extends ConflictError {
  /** The redacted session. */
  readonly sessionId: string;
  /** When it was redacted. */
  readonly redactedAt: Date;

  /**
   * @param sessionId - The session.
   * @param redactedAt - When its data was removed.
   */
  constructor(sessionId: string, redactedAt: Date) {
    super(`Session ${sessionId} was redacted at ${redactedAt.toISOString()}; its data is gone`, "redacted");
    this.sessionId = sessionId;
    this.redactedAt = redactedAt;
  }
}

/** A legal hold keeps the session's data: it may not be redacted or deleted until the hold is released. */
export class LegalHoldError extends ConflictError {
  /** The held session. */
  readonly sessionId: string;
  /** The active hold (`hold_…`). */
  readonly holdId: string;
  /** Why the data must be kept. */
  readonly holdReason: string;

  /**
   * @param sessionId - The session.
   * @param holdId - The active hold.
   * @param holdReason - The hold's reason.
   */
  constructor(sessionId: string, holdId: string, holdReason: string) {
    super(`Session ${sessionId} is under legal hold ${holdId} (${holdReason}); release the hold first`);
    this.sessionId = sessionId;
    this.holdId = holdId;
    this.holdReason = holdReason;
  }
}

/** One problem found while validating input. */
export interface ValidationIssue {
  /** Path of the offending value from the input root, every segment a string, e.g. `["graph", "nodes", "2"]`. */
  path: string[];
  /** Human-readable description of the problem. */
  message: string;
  /** Id of the workflow graph node the issue belongs to, when there is one. */
  nodeId?: string;
}

/** Input was rejected; {@link ValidationError.issues} lists every problem found. */
export class ValidationError extends FlowgateError {
  /** Always `"VALIDATION"`. */
  readonly code = "VALIDATION";
  /** Every problem found, in input order. */
  readonly issues: ValidationIssue[];

  /**
   * @param message - Summary of what was being validated.
   * @param issues - The individual problems.
   */
  constructor(message: string, issues: ValidationIssue[]) {
    super(message);
    this.issues = issues;
  }
}

/**
 * The caller's API key lacks the scope an operation needs. Use cases throw it before reading or changing
 * anything; adapters answer it as "not authorized" (GraphQL) or 403 (REST).
 */
export class MissingScopeError extends FlowgateError {
  /** Always `"FORBIDDEN"`. */
  readonly code = "FORBIDDEN";
  /** The scopes of which the operation needs one, e.g. `["workflows:write"]`. */
  readonly required: readonly string[];

  /** @param required - The scopes of which one would be enough. */
  constructor(required: readonly string[]) {
    super(
      `Not authorized: this API key needs the ${required.map((scope) => `\`${scope}\``).join(" or ")} scope`,
    );
    this.required = required;
  }
}

/** A state machine refused a status change (e.g. a run going from `completed` back to `running`). */
export class InvalidTransitionError extends ConflictError {
  /** Kind of record whose status was changed, e.g. `"run"` or `"session"`. */
  readonly entity: string;
  /** Status the record is in. */
  readonly from: string;
  /** Status that was refused. */
  readonly to: string;

  /**
   * @param entity - Kind of record, e.g. `"run"`.
   * @param from - Current status.
   * @param to - Requested status.
   */
  constructor(entity: string, from: string, to: string) {
    super(`Cannot transition ${entity} from "${from}" to "${to}"`, from);
    this.entity = entity;
    this.from = from;
    this.to = to;
  }
}

/**
 * Marks code that must be unreachable; use it in the `default` branch of an exhaustive `switch` so the
 * compiler reports unhandled cases.
 *
 * @param value - The value that should have been narrowed to `never`.
 * @param message - Optional message for the thrown error.
 * @throws Error always.
 */
export function assertNever(value: never, message?: string): never {
  throw new Error(message ?? `Unexpected value: ${safeStringify(value)}`);
}

function safeStringify(value: unknown): string {
  try {
    return JSON.stringify(value) ?? String(value);
  } catch {
    return String(value);
  }
}

/** Whether `value` is any {@link FlowgateError}. */
export function isFlowgateError(value: unknown): value is FlowgateError {
  return value instanceof FlowgateError;
}

/** Whether `value` is a {@link NotFoundError}. */
export function isNotFoundError(value: unknown): value is NotFoundError {
  return value instanceof NotFoundError;
}

/** Whether `value` is a {@link ConflictError} (including {@link InvalidTransitionError}). */
export function isConflictError(value: unknown): value is ConflictError {
  return value instanceof ConflictError;
}

/** Whether `value` is a {@link ValidationError}. */
export function isValidationError(value: unknown): value is ValidationError {
  return value instanceof ValidationError;
}

/** Whether `value` is a {@link MissingScopeError}. */
export function isMissingScopeError(value: unknown): value is MissingScopeError {
  return value instanceof MissingScopeError;
}

/** Whether `value` is a {@link SessionRedactedError}. */
export function isSessionRedactedError(value: unknown): value is SessionRedactedError {
  return value instanceof SessionRedactedError;
}

/** Whether `value` is a {@link LegalHoldError}. */
export function isLegalHoldError(value: unknown): value is LegalHoldError {
  return value instanceof LegalHoldError;
}

/** Whether `value` is an {@link InvalidTransitionError}. */
export function isInvalidTransitionError(value: unknown): value is InvalidTransitionError {
  return value instanceof InvalidTransitionError;
}

/**
 * A sandbox key tried to create or rotate a live key. Keys of the sandbox (the one the demo prints and
 * GraphiQL may embed) can never lead to live access; use a live key with the `admin` scope.
 */
export class LiveKeyFromSandboxError extends FlowgateError {
  /** Always `"LIVE_KEY_FROM_SANDBOX"`. */
  readonly code = "LIVE_KEY_FROM_SANDBOX";
  /** What was refused. */
  readonly operation: "create" | "rotate";

  /** @param operation - What was refused. */
  constructor(operation: "create" | "rotate") {
    super(
      `A sandbox key cannot ${operation} a live key; use a live key with the admin scope. Nothing was changed.`,
    );
    this.operation = operation;
  }
}

/** Whether `value` is a {@link LiveKeyFromSandboxError}. */
export function isLiveKeyFromSandboxError(value: unknown): value is LiveKeyFromSandboxError {
  return value instanceof LiveKeyFromSandboxError;
}
