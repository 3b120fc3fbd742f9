import { AsyncLocalStorage } from "node:async_hooks";
import { randomUUID } from "node:crypto";

/**
 * What is known about the HTTP request being served, filled in as it goes (the GraphQL plugin adds the
 * operation and the key) and logged once when the response ends. Every log line written while the request
 * is served — the engine's run transitions included — carries its `requestId` (see `createLogger`).
 */
export interface RequestLog {
  /** The caller's `X-Request-Id` when it is a plain token, else a new UUID; echoed in the response. */
  requestId: string;
  /** Name of the GraphQL operation (`anonymous` when it has none). */
  operationName?: string;
  /** `query`, `mutation` or `subscription`. */
  operationType?: string;
  /** Id of the API key that authenticated the request (never the key itself). */
  keyId?: string;
  /** How many errors the GraphQL result carried. */
  graphqlErrors?: number;
  /** The code of the query limit that refused the request (`QUERY_TOO_LARGE`, …), if one did. */
  refusedBy?: string;
}

/** The request each async continuation belongs to. */
export const requestContext = new AsyncLocalStorage<RequestLog>();

/** Header that carries the request id in and out. */
export const requestIdHeader = "x-request-id";

/**
 * The request id to use: the caller's, when it is 1–128 characters of letters, digits and `._:-` (so a
 * log line never carries anything else a client put there), else a new UUID.
 */
export function requestIdFrom(presented: string | string[] | undefined): string {
  const value = Array.isArray(presented) ? presented[0] : presented;
  return value && /^[A-Za-z0-9._:-]{1,128}$/.test(value) ? value : randomUUID();
}

/** The fields every log line written during a request carries: only its id (the rest is for its own line). */
export function requestLogFields(): { requestId?: string } {
  const current = requestContext.getStore();
  return current ? { requestId: current.requestId } : {};
}
