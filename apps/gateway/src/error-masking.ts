import { isMissingScopeError, isValidationError } from "@flowgate/domain";
import { GraphQLError } from "graphql";
import { maskGatewayError } from "./database-unavailable.ts";

/**
 * The gateway's error masking: a use case's `MissingScopeError` (the key lacks a scope the application
 * requires) is answered as "Not authorized" with code `FORBIDDEN` and the scopes needed, like the schema's
 * own scope checks; everything else goes through `maskGatewayError` (database outages answered as
 * `DATABASE_UNAVAILABLE`, the rest masked). A `ValidationError` thrown where the field's result has no
 * place for it (queries) is answered with code `VALIDATION` and its issues.
 *
 * @param error - What a resolver threw, usually wrapped in a GraphQLError.
 * @param message - The masked message.
 * @param isDev - Whether to include details.
 */
export function maskUnexpectedErrors(error: unknown, message: string, isDev?: boolean): Error {
  const original = error instanceof GraphQLError ? error.originalError : error;
  if (isMissingScopeError(original)) {
    return new GraphQLError(original.message, {
      ...(error instanceof GraphQLError
        ? { nodes: error.nodes, source: error.source, positions: error.positions, path: error.path }
        : {}),
      extensions: { code: "FORBIDDEN", required: original.required },
    });
  }
  if (isValidationError(original)) {
    // A field without ValidationError in its result (a query such as `node(id)`) still names the field.
    return new GraphQLError(original.message, {
      ...(error instanceof GraphQLError
        ? { nodes: error.nodes, source: error.source, positions: error.positions, path: error.path }
        : {}),
      extensions: { code: original.code, issues: original.issues },
    });
  }
  return maskGatewayError(error, message, isDev);
}
