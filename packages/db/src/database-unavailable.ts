/**
 * Why the database cannot serve right now:
 * - `unreachable`: no connection could be opened (refused, reset, timed out, host not found);
 * - `connection_lost`: an open connection broke (server terminated it, network failure);
 * - `shutting_down` / `starting_up`: the server said so (`57P01`, `57P02`, `57P03`);
 * - `too_many_connections`: the server refused a new connection (`53300`);
 * - `pool_timeout`: every pooled connection stayed busy for the whole wait of a pool configured with one;
 * - `circuit_open`: an earlier failure marked the database unavailable and no probe succeeded since,
 *   so the request failed at once instead of trying.
 */
export type DatabaseUnavailableReason =
  | "unreachable"
  | "connection_lost"
  | "shutting_down"
  | "starting_up"
  | "too_many_connections"
  | "pool_timeout"
  | "circuit_open";

/**
 * The database cannot be reached or is restarting: a connection-level failure, not a problem with the
 * statement. Callers retry later (the gateway answers `DATABASE_UNAVAILABLE` with HTTP 503, workers back
 * off). Every connection-level error of the `pg` driver is turned into this one type by
 * {@link asDatabaseUnavailable}; its message never contains the connection string.
 */
export class DatabaseUnavailableError extends Error {
  override readonly name = "DatabaseUnavailableError";
  /** A stable machine-readable code. */
  readonly code = "DATABASE_UNAVAILABLE";
  readonly reason: DatabaseUnavailableReason;

  constructor(reason: DatabaseUnavailableReason, cause?: unknown) {
    super(`The database is unavailable (${reason.replaceAll("_", " ")}); retry shortly.`, { cause });
    this.reason = reason;
  }
}

/** Finds the {@link DatabaseUnavailableError} in an error's cause chain (GraphQL wraps errors too). */
export function findDatabaseUnavailableError(error: unknown): DatabaseUnavailableError | undefined {
  for (let current = error, depth = 0; current && depth < 8; depth++) {
    if (current instanceof DatabaseUnavailableError) return current;
    current = (current as { originalError?: unknown }).originalError ?? (current as Error).cause;
  }
  return undefined;
}

/** Whether `error`, or an error it was caused by, is a {@link DatabaseUnavailableError}. */
export function isDatabaseUnavailableError(error: unknown): boolean {
  return findDatabaseUnavailableError(error) !== undefined;
}

/** Socket-level error codes of Node that mean the server could not be reached or the connection broke. */
const socketErrorCodes: Record<string, DatabaseUnavailableReason> = {
  ECONNREFUSED: "unreachable",
  EHOSTUNREACH: "unreachable",
  ENETUNREACH: "unreachable",
  ENOTFOUND: "unreachable",
  EAI_AGAIN: "unreachable",
  ETIMEDOUT: "unreachable",
  ECONNRESET: "connection_lost",
  ECONNABORTED: "connection_lost",
  EPIPE: "connection_lost",
};

/**
 * Messages of `pg` and `pg-pool` errors that carry no code. They are matched exactly (not by keyword) so
 * that a statement error never passes for an outage.
 */
const driverMessages: [RegExp, DatabaseUnavailableReason][] = [
  [/^Connection terminated due to connection timeout$/, "unreachable"],
  // A client's own `connectionTimeoutMillis` destroys the socket with this error.
  [/^timeout expired$/, "unreachable"],
  [/^timeout exceeded when trying to connect$/, "pool_timeout"],
  [/^Connection terminated unexpectedly$/, "connection_lost"],
  [/^Client has encountered a connection error and is not queryable$/, "connection_lost"],
  [/^Connection terminated$/, "connection_lost"],
];

/**
 * Classifies a `pg` error: a connection-level failure gives its reason, anything else (a constraint
 * violation, a syntax error, a serialization failure) gives `undefined`. SQLSTATE class `08` (connection
 * exception), `57P01`–`57P03` (shutdown, crash, starting up) and `53300` (too many connections) count, as
 * do Node's socket errors (also inside an `AggregateError`, as Node reports a refused dual-stack
 * connect) and the driver's own connection messages.
 */
export function connectionFailureReason(error: unknown, depth = 0): DatabaseUnavailableReason | undefined {
  if (!error || typeof error !== "object" || depth > 4) return undefined;
  if (error instanceof DatabaseUnavailableError) return error.reason;
  const { code, message, errors, cause } = error as {
    code?: unknown;
    message?: unknown;
    errors?: unknown;
    cause?: unknown;
  };
  if (typeof code === "string") {
    if (code in socketErrorCodes) return socketErrorCodes[code];
    if (/^08[0-9A-Z]{3}$/.test(code)) return "connection_lost";
    if (code === "57P01" || code === "57P02") return "shutting_down";
    if (code === "57P03") return "starting_up";
    if (code === "53300") return "too_many_connections";
  }
  if (typeof message === "string") {
    for (const [pattern, reason] of driverMessages) if (pattern.test(message)) return reason;
  }
  if (Array.isArray(errors)) {
    for (const inner of errors) {
      const reason = connectionFailureReason(inner, depth + 1);
      if (reason) return reason;
    }
  }
  return connectionFailureReason(cause, depth + 1);
}

/**
 * Returns a {@link DatabaseUnavailableError} for a connection-level failure (keeping the original as its
 * `cause`), or `undefined` for any other error.
 */
export function asDatabaseUnavailable(error: unknown): DatabaseUnavailableError | undefined {
  if (error instanceof DatabaseUnavailableError) return error;
  const reason = connectionFailureReason(error);
  return reason ? new DatabaseUnavailableError(reason, error) : undefined;
}
