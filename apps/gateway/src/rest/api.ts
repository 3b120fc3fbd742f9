import type { Actor, Application } from "@flowgate/application";
import { createRoute, type OpenAPIHono, type RouteConfig, type RouteHandler, z } from "@hono/zod-openapi";
import type { Context, MiddlewareHandler, TypedResponse } from "hono";
import { type ErrorPolicy, RestErrorBody } from "./errors.ts";
import { type Inflection, inflectResponse } from "./inflection.ts";
import { listBody } from "./versions.ts";

/** What the REST middleware puts on every request's context. */
export interface RestVariables {
  /** The application every route calls. */
  app: Application;
  /** The authenticated caller (set by the auth middleware before any route runs). */
  actor: Actor;
  /** The casing the caller asked for (`Key-Inflection`). */
  inflection: Inflection;
  /** How this route answers validation and status conflicts (see {@link ErrorPolicy}). */
  errorPolicy: ErrorPolicy;
  /** The API version the request is served in (`Verifa-Version`, else the key's pinned version). */
  apiVersion: string;
}

/** The Hono environment of the REST API. */
export type RestEnv = { Variables: RestVariables };
/** The REST API's router: resource files add their routes to it. */
export type RestApi = OpenAPIHono<RestEnv>;
/** A route handler's context. */
export type RestContext = Context<RestEnv>;

/**
 * Answers `body` (built in snake_case) with `status`, in the casing the caller asked for. Routes return
 * through this so that `Key-Inflection` applies everywhere.
 */
export function reply(c: RestContext, status: 200 | 201 | 202, body: unknown): TypedJson {
  return c.json(inflectResponse(body, c.get("inflection")) as object, status) as TypedJson;
}

/**
 * What a route returns: the casing is decided per request, so the body cannot be typed statically; the
 * OpenAPI document states the snake_case schema.
 */
type TypedJson = TypedResponse<any, any, "json">;

/** Sets the route family's {@link ErrorPolicy}; put it first in a route's `middleware`. */
export function errorPolicy(policy: ErrorPolicy): MiddlewareHandler<RestEnv> {
  return async (c, next) => {
    c.set("errorPolicy", policy);
    await next();
  };
}

/** A route of a {@link restRoutes} family: what `createRoute` takes, less the family's tags and middleware. */
export type RestRouteConfig = Omit<RouteConfig, "tags" | "middleware">;

/**
 * The route adder of one route family (a resource file's routes): every route it adds carries the
 * family's OpenAPI `tags` and answers errors by the family's {@link ErrorPolicy}. The tags are placed
 * right after `method` and `path`, where the routes wrote them, so the OpenAPI document keeps its order.
 */
export function restRoutes(api: RestApi, tags: string[], policy: ErrorPolicy) {
  const middleware = [errorPolicy(policy)];
  return <R extends RestRouteConfig>(route: R, handler: RouteHandler<R, RestEnv>): void => {
    const { method, path, ...rest } = route;
    api.openapi(createRoute({ method, path, tags, ...rest, middleware }), handler as never);
  };
}

const errorDescriptions: Record<number, string> = {
  400: "Invalid request (KYC Genie routes: also a status that does not allow the operation)",
  401: "Missing, unknown, revoked or expired API key",
  402: "Not enough credits; nothing was sent or charged",
  403: "The API key lacks the scope (`FORBIDDEN`), or a sandbox-only operation was called with a live key (`SANDBOX_ONLY`)",
  404: "Not found (also a record of another workspace)",
  409: "The record's current status does not allow the operation, or the idempotency key is in flight",
  422: "Invalid request: `fields` names each offending field; or an idempotency key reused with another body",
  429: "Too many requests (rate limit), or the workspace reached its hourly email cap (`EMAIL_HOURLY_CAP_EXCEEDED`: nothing was sent or charged; retry after `Retry-After` seconds)",
  500: "Unexpected error, or the email could not be dispatched (nothing charged; retry)",
};

/** OpenAPI entries for the error statuses a route can answer, all with the one error shape. */
export function errorResponses(...statuses: (keyof typeof errorDescriptions)[]) {
  return Object.fromEntries(
    statuses.map((status) => [
      status,
      {
        description: errorDescriptions[status] ?? "Error",
        content: { "application/json": { schema: RestErrorBody } },
      },
    ]),
  );
}

/** An OpenAPI JSON response entry. */
export function jsonResponse<T extends z.ZodType>(description: string, schema: T) {
  return { description, content: { "application/json": { schema } } };
}

/** An OpenAPI JSON request body entry (required). */
export function jsonBody<T extends z.ZodType>(schema: T) {
  return { required: true, content: { "application/json": { schema } } };
}

/** An OpenAPI JSON request body entry that may be left out (then validated as `{}`). */
export function optionalJsonBody<T extends z.ZodType>(schema: T) {
  return { required: false, content: { "application/json": { schema } } };
}

/** A path parameter that is an id, e.g. `session_id` = `ses_abc123`. */
export function idParam(description: string, example: string) {
  return z.string().min(1).openapi({ description, example });
}

/** The `{session_id}` path parameter. */
export const SessionParams = z.object({ session_id: idParam("Session ID (`ses_*`).", "ses_abc123") });

/** `?limit=&starting_after=`: a page of a list, newest first. */
export const PageQuery = z.object({
  limit: z.coerce.number().int().min(1).max(100).default(20).openapi({ description: "At most 100." }),
  starting_after: z
    .string()
    .optional()
    .openapi({ description: "The last id of the previous page (cursor)." }),
});

/**
 * Answers a page of a list, newest first: fetches one more than `query.limit` to know whether more exist,
 * presents the page and wraps it as the request's version does (`{ data, has_more, next_cursor }` or the
 * bare array: see `versions.ts`).
 */
export async function replyPage<T extends { id: string }>(
  c: RestContext,
  query: z.infer<typeof PageQuery>,
  fetch: (page: { limit: number; afterId: string | null }) => Promise<T[]>,
  present: (item: T) => unknown,
): Promise<TypedJson> {
  const rows = await fetch({ limit: query.limit + 1, afterId: query.starting_after ?? null });
  const page = rows.slice(0, query.limit);
  const hasMore = rows.length > query.limit;
  return reply(
    c,
    200,
    listBody(c, {
      data: page.map(present),
      has_more: hasMore,
      next_cursor: hasMore ? (page.at(-1)?.id ?? null) : null,
    }),
  );
}
