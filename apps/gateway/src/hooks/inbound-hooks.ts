import { type Application, findDatabaseUnavailableError, receiveInboundTrigger } from "@flowgate/application";
import { ConflictError, InboundAuthenticationError, NotFoundError, ValidationError } from "@flowgate/domain";
import type { HttpBindings } from "@hono/node-server";
import { type Context, Hono } from "hono";
import { bodyLimit } from "hono/body-limit";
import {
  chargeRequest,
  clientAddress,
  type GatewayRateLimit,
  type RateLimitOutcome,
  rateLimitHeaders,
} from "../rate-limit.ts";
import { errorBody, type RestErrorAnswer } from "../rest/errors.ts";

/** Largest body a `/hooks/:token` POST may have (the 256 KiB payload limit, and room for whitespace). */
export const maxInboundHookBodyBytes = 256 * 1024 + 1024;

/**
 * The inbound trigger route, `POST /hooks/:token`: no API key; the trigger's Standard Webhooks signature
 * or bearer token authenticates it (see `receiveInboundTrigger`). Answers 202 `{ run_id, status,
 * triggered_by, replayed: false }` for a new run, 200 with `replayed: true` when the `webhook-id` already
 * started one, 401 for a bad credential, 404 for an unknown or revoked URL, 422 `VALIDATION` naming
 * `payload.<field>` for a payload the workflow's schema refuses, 409 when the workflow is inactive, and
 * 413 for a body over {@link maxInboundHookBodyBytes}. With `rateLimit`, each URL has the bucket an API key
 * would have (named by its token's hash), and a POST refused as 401 or 404 also costs its client address
 * (so guessing tokens or secrets is limited like guessing keys); over the limit it answers 429.
 */
export function createInboundHookRoutes(
  app: Application,
  rateLimit?: GatewayRateLimit | null,
): Hono<{ Bindings: HttpBindings }> {
  const hooks = new Hono<{ Bindings: HttpBindings }>();
  hooks.post(
    "/hooks/:token",
    bodyLimit({
      maxSize: maxInboundHookBodyBytes,
      onError: (c) =>
        c.json(
          errorBody("PAYLOAD_TOO_LARGE", `The body must be at most ${maxInboundHookBodyBytes} bytes`),
          413,
        ),
    }),
    async (c) => {
      if (rateLimit) {
        const outcome = await chargeRequest(rateLimit, { key: `hook:${c.req.param("token")}`, address: "" });
        if (outcome && !outcome.decision.allowed) return tooMany(c, outcome);
      }
      const headers: Record<string, string> = {};
      c.req.raw.headers.forEach((value, name) => {
        headers[name] = value;
      });
      try {
        const outcome = await receiveInboundTrigger(app, {
          token: c.req.param("token"),
          headers,
          body: await c.req.text(),
        });
        return c.json(
          {
            run_id: outcome.run.id,
            status: outcome.run.status,
            triggered_by: outcome.triggerId,
            replayed: outcome.replayed,
          },
          outcome.replayed ? 200 : 202,
          { "cache-control": "no-store" },
        );
      } catch (error) {
        const answer = hookErrorOf(error);
        if (rateLimit && (answer.status === 401 || answer.status === 404)) {
          const outcome = await chargeRequest(rateLimit, {
            key: null,
            address: clientAddress(c.env?.incoming),
          });
          if (outcome && !outcome.decision.allowed) return tooMany(c, outcome);
        }
        return c.json(answer.body, answer.status);
      }
    },
  );
  hooks.all("/hooks/:token", (c) =>
    c.json(errorBody("METHOD_NOT_ALLOWED", "Inbound trigger URLs take POST only"), 405, { allow: "POST" }),
  );
  return hooks;
}

/** The 429 answer of a rate-limited POST, with `Retry-After` and the RateLimit headers. */
function tooMany(c: Context<{ Bindings: HttpBindings }>, outcome: RateLimitOutcome) {
  const { policy, decision } = outcome;
  return c.json(
    errorBody(
      "RATE_LIMITED",
      `Too many requests (${policy.name}); retry in ${decision.retryAfterSeconds} s.`,
      [],
      {
        retry_after_seconds: decision.retryAfterSeconds,
      },
    ),
    429,
    { "Retry-After": String(decision.retryAfterSeconds), ...rateLimitHeaders(outcome) },
  );
}

/** A refusal of a hook POST as its status and the REST error body (fields keep their dotted paths). */
function hookErrorOf(error: unknown): { status: RestErrorAnswer["status"]; body: RestErrorAnswer["body"] } {
  if (error instanceof InboundAuthenticationError) {
    return { status: 401, body: errorBody("UNAUTHENTICATED", error.message) };
  }
  if (error instanceof NotFoundError) {
    return { status: 404, body: errorBody("NOT_FOUND", "No inbound trigger at this URL") };
  }
  if (error instanceof ValidationError) {
    return {
      status: 422,
      body: errorBody(
        "VALIDATION",
        error.message,
        error.issues.map((issue) => ({ field: issue.path.join("."), message: issue.message })),
      ),
    };
  }
  if (error instanceof ConflictError) {
    return {
      status: 409,
      body: errorBody("CONFLICT", error.message, [], { current_status: error.currentStatus }),
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
