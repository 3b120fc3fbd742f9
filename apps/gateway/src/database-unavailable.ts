import { type DatabaseUnavailableError, findDatabaseUnavailableError } from "@flowgate/application";
import { GraphQLError } from "graphql";
import { maskError as maskUnexpectedError, type YogaServerOptions } from "graphql-yoga";
import type { Logger } from "pino";

/** `extensions.code` of the error every GraphQL endpoint answers while the database is unavailable. */
export const databaseUnavailableCode = "DATABASE_UNAVAILABLE";

/** WebSocket close code of a graphql-ws connection refused while the database is unavailable (retryable). */
export const databaseUnavailableCloseCode = 4503;

/** Seconds a client should wait before retrying (the `Retry-After` header). */
const retryAfterSeconds = 1;

/**
 * The GraphQL error for a database outage: `extensions.code = "DATABASE_UNAVAILABLE"` and HTTP 503 with
 * `Retry-After`. `like` keeps the failing field's path and locations.
 */
export function databaseUnavailableGraphQLError(
  cause: DatabaseUnavailableError | undefined,
  like?: GraphQLError,
): GraphQLError {
  return new GraphQLError("The database is unavailable; retry shortly.", {
    ...(like ? { nodes: like.nodes, source: like.source, positions: like.positions, path: like.path } : {}),
    extensions: {
      code: databaseUnavailableCode,
      ...(cause ? { reason: cause.reason } : {}),
      http: { status: 503, headers: { "Retry-After": String(retryAfterSeconds) } },
    },
  });
}

/**
 * Yoga's error masking with one addition: an error caused by a `DatabaseUnavailableError` — thrown while
 * authenticating (context), resolving a field, or setting up a subscription, over HTTP, SSE or
 * graphql-ws — becomes {@link databaseUnavailableGraphQLError}; everything else is masked as before.
 */
export const maskGatewayError: NonNullable<
  Exclude<YogaServerOptions<object, object>["maskedErrors"], boolean | undefined>["maskError"]
> = (error, message, isDev) => {
  const unavailable = findDatabaseUnavailableError(error);
  if (unavailable)
    return databaseUnavailableGraphQLError(unavailable, error instanceof GraphQLError ? error : undefined);
  return maskUnexpectedError(error, message, isDev);
};

/** The log calls Yoga makes. */
interface YogaLogger {
  debug: (...args: unknown[]) => void;
  info: (...args: unknown[]) => void;
  warn: (...args: unknown[]) => void;
  error: (...args: unknown[]) => void;
}

/**
 * Routes Yoga's own log lines to pino, errors serialized safely. Errors that are only a database outage
 * go to `debug`: every request fails while it lasts, and the outage itself is logged once when it begins
 * and once when it ends.
 */
export function yogaLogger(logger: Pick<Logger, "debug" | "info" | "warn" | "error">): YogaLogger {
  const write =
    (level: "debug" | "info" | "warn" | "error") =>
    (...args: unknown[]) => {
      const error = args.find((arg) => arg instanceof Error);
      const text = args.filter((arg) => typeof arg === "string").join(" ") || "GraphQL server";
      if (error && level === "error" && findDatabaseUnavailableError(error)) {
        logger.debug({ err: error }, text);
      } else if (error) {
        logger[level]({ err: error }, text);
      } else {
        logger[level](text);
      }
    };
  return { debug: write("debug"), info: write("info"), warn: write("warn"), error: write("error") };
}
