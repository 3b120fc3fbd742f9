import { beginIdempotentRequest, finishIdempotentRequest, requestFingerprint } from "@flowgate/application";
import type { MiddlewareHandler } from "hono";
import type { RestEnv } from "./api.ts";
import { errorBody } from "./errors.ts";
import { inflectResponse } from "./inflection.ts";

/** The methods an `Idempotency-Key` applies to (the IETF draft: non-idempotent ones). */
const mutating = new Set(["POST", "PUT", "PATCH", "DELETE"]);

/**
 * `Idempotency-Key` on every REST POST/PUT/PATCH/DELETE (IETF `httpapi-idempotency-key-header`, Stripe's
 * practice). The first request with a key runs and its answer is stored for 24 h (per workspace and
 * environment); the same key with the same method, path and body replays that answer (header
 * `Idempotent-Replayed: true`); while the first is still running the key answers 409
 * `IDEMPOTENCY_KEY_IN_USE`; with another body 422 `IDEMPOTENCY_KEY_REUSED`. A 5xx answer is not stored,
 * so the client can retry with the same key (seed 003's "you may retry"). Runs after authentication.
 */
export function idempotency(): MiddlewareHandler<RestEnv> {
  return async (c, next) => {
    const key = c.req.header("idempotency-key");
    if (key === undefined || !mutating.has(c.req.method)) return next();
    const app = c.get("app");
    const actor = c.get("actor");
    // Read once: Hono caches the text, so the route's validator parses the same bytes.
    const body = await c.req.text();
    const fingerprint = requestFingerprint(c.req.method, c.req.path, body);
    const claim = await beginIdempotentRequest(app, actor, { key, fingerprint });
    const inflection = c.get("inflection");
    switch (claim.kind) {
      case "replay":
        return new Response(claim.body, {
          status: claim.status,
          headers: { "content-type": "application/json", "idempotent-replayed": "true" },
        });
      case "in_flight":
        return c.json(
          inflectResponse(
            errorBody(
              "IDEMPOTENCY_KEY_IN_USE",
              "A request with this Idempotency-Key is still being processed; retry once it has finished.",
            ),
            inflection,
          ) as object,
          409,
        );
      case "mismatch":
        return c.json(
          inflectResponse(
            errorBody(
              "IDEMPOTENCY_KEY_REUSED",
              "This Idempotency-Key was used for a different request (method, path or body); use a new key.",
            ),
            inflection,
          ) as object,
          422,
        );
      case "claimed":
        break;
    }
    try {
      await next();
    } catch (error) {
      await finishIdempotentRequest(app, actor, { key, fingerprint, status: 500, body: "" });
      throw error;
    }
    const answer = await c.res.clone().text();
    await finishIdempotentRequest(app, actor, { key, fingerprint, status: c.res.status, body: answer });
  };
}
