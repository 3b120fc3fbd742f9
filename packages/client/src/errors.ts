/** One GraphQL error as the server sent it. */
export interface GraphQLErrorEntry {
  message: string;
  path?: readonly (string | number)[];
  extensions?: Record<string, unknown>;
}

/**
 * A request the server answered with GraphQL errors or a non-2xx status (a refused key or link, a
 * malformed operation, a masked unexpected error). Expected failures of mutations are not thrown: they
 * are union members of the result (`NotFoundError`, `ValidationError`, …).
 */
export class GraphQLRequestError extends Error {
  override readonly name = "GraphQLRequestError";
  /** HTTP status of the answer (0 when the request never got one). */
  readonly status: number;
  /** The GraphQL errors, in the order the server sent them. */
  readonly errors: readonly GraphQLErrorEntry[];

  constructor(status: number, errors: readonly GraphQLErrorEntry[], message?: string) {
    super(message ?? errors.map((e) => e.message).join("; ") ?? `HTTP ${status}`);
    this.status = status;
    this.errors = errors;
  }

  /** The `extensions.code` of the first error (`UNAUTHENTICATED`, `LINK_EXPIRED`, …), if any. */
  get code(): string | undefined {
    const code = this.errors[0]?.extensions?.code;
    return typeof code === "string" ? code : undefined;
  }
}

/** Whether `error` is a {@link GraphQLRequestError}. */
export function isGraphQLRequestError(error: unknown): error is GraphQLRequestError {
  return error instanceof GraphQLRequestError;
}

/** Why a magic link was refused (`LINK_MISSING`, `LINK_INVALID`, `LINK_EXPIRED`, `LINK_REVOKED`). */
export type LinkRefusalCode = "LINK_MISSING" | "LINK_INVALID" | "LINK_EXPIRED" | "LINK_REVOKED";

/** The refusal code when `error` is the recipient endpoint's 401 for a bad link, else null. */
export function linkRefusalCode(error: unknown): LinkRefusalCode | null {
  if (!isGraphQLRequestError(error)) return null;
  const code = error.code;
  switch (code) {
    case "LINK_MISSING":
    case "LINK_INVALID":
    case "LINK_EXPIRED":
    case "LINK_REVOKED":
      return code;
    default:
      return null;
  }
}

/** A subscription the server refused with GraphQL errors (bad arguments, missing scope, unknown run). */
export class SubscriptionError extends Error {
  override readonly name = "SubscriptionError";
  /** The GraphQL errors of the refusal. */
  readonly errors: readonly GraphQLErrorEntry[];

  constructor(errors: readonly GraphQLErrorEntry[]) {
    super(errors.map((e) => e.message).join("; ") || "subscription refused");
    this.errors = errors;
  }
}
