import type { IncomingMessage } from "node:http";
import { type Application, authenticateApiKey } from "@flowgate/application";
import { apiVersions, currentApiVersion, isApiVersion } from "@flowgate/domain";
import { OpenAPIHono } from "@hono/zod-openapi";
import { HTTPException } from "hono/http-exception";
import type { Logger } from "pino";
import { presentedKey, refusalMessages } from "../auth.ts";
import {
  chargeRequest,
  clientAddress,
  type GatewayRateLimit,
  type RateLimitOutcome,
  rateLimitedError,
  rateLimitHeaders,
} from "../rate-limit.ts";
import type { RestApi, RestContext, RestEnv } from "./api.ts";
import { dataProtectionRoutes, restAccessLog } from "./data-protection.ts";
import { errorBody, restErrorOf, verifaErrors, zodFields } from "./errors.ts";
import { idempotency } from "./idempotency.ts";
import { inflectResponse, normalizeRequest, requestedInflection } from "./inflection.ts";
import { recipientSendRoutes } from "./recipient-sends.ts";
import { referenceCsp, referenceHtml, referenceInit, referencePath, scalarBundle } from "./reference.ts";
import { sessionCheckRoutes } from "./session-checks.ts";
import { sessionLinkRoutes } from "./session-links.ts";
import { sessionManagementRoutes } from "./session-management.ts";
import { sessionRoutes } from "./sessions.ts";
import { workflowRoutes } from "./workflows.ts";
import { workspaceRoutes } from "./workspaces.ts";

/** Where the REST API is served. */
export const restBasePath = "/api/v1";

/** Options of {@link createRestApi}. */
export interface RestApiOptions {
  /** The application every route calls. */
  app: Application;
  /** Where unexpected errors are logged (never with request bodies). */
  logger?: Logger;
  /** The same per-key and per-address limits as GraphQL (none when null or left out). */
  rateLimit?: GatewayRateLimit | null;
}

/** The client address of a REST request (the Node request Hono's adapter passes as `env.incoming`). */
function restClientAddress(c: RestContext): string {
  return clientAddress((c.env as { incoming?: IncomingMessage } | undefined)?.incoming);
}

/** The 429 answer of a refused request, with `Retry-After` and the draft's `RateLimit` headers. */
function rateLimitedResponse(c: RestContext, outcome: RateLimitOutcome): Response {
  const error = rateLimitedError(outcome);
  const { http } = error.extensions as { http: { headers: Record<string, string> } };
  return errorJson(
    c,
    429,
    errorBody("RATE_LIMITED", error.message, [], {
      policy: outcome.policy.name,
      retry_after_seconds: outcome.decision.retryAfterSeconds,
    }),
    http.headers,
  );
}

function errorJson(
  c: RestContext,
  status: number,
  body: unknown,
  headers?: Record<string, string>,
): Response {
  return c.json(inflectResponse(body, c.get("inflection") ?? "snake") as object, status as 400, headers);
}

/** Paths served without an API key: the OpenAPI document and the reference page. */
function isPublic(path: string): boolean {
  const rest = path.slice(restBasePath.length);
  return rest === "/openapi.json" || rest === referencePath || rest.startsWith(`${referencePath}/`);
}

/**
 * The REST API under `/api/v1`: the seeds' routes over the same application use cases as GraphQL. Every
 * request is authenticated from `X-API-Key` or `Authorization: Bearer` into an actor, served in the
 * version of `Verifa-Version` (else the key's), with bodies in snake_case (or camelCase with
 * `Key-Inflection: camel`); errors have one shape (`errors.ts`). Adding a route: a `createRoute` in the
 * resource's file that calls a use case and answers through `reply`.
 */
export function createRestApi(options: RestApiOptions): RestApi {
  const api: RestApi = new OpenAPIHono<RestEnv>({
    // A request that fails its zod schema: 400/422 (per route family) naming every offending field.
    defaultHook: (result, c) => {
      if (result.success) return;
      const inflection = c.get("inflection") ?? "snake";
      return errorJson(
        c,
        (c.get("errorPolicy") ?? verifaErrors).validation,
        errorBody("VALIDATION", "Invalid request", zodFields(result.error.issues, inflection)),
      );
    },
  }).basePath(restBasePath);

  api.use("*", async (c, next) => {
    c.set("app", options.app);
    c.set("inflection", requestedInflection(c.req.header("key-inflection")));
    c.set("errorPolicy", verifaErrors);
    await next();
  });

  // Rate limits, before anything else runs: charged to the presented key, or to the address without one.
  const rateLimit = options.rateLimit ?? null;
  if (rateLimit) {
    api.use("*", async (c, next) => {
      if (isPublic(c.req.path)) return next();
      const outcome = await chargeRequest(rateLimit, {
        key: presentedKey((name) => c.req.header(name)),
        address: restClientAddress(c),
      });
      if (outcome && !outcome.decision.allowed) return rateLimitedResponse(c, outcome);
      await next();
      // A refusal of the address (a guessed key) already carries its own policy's headers.
      if (outcome && !c.res.headers.has("ratelimit-policy")) {
        for (const [name, value] of Object.entries(rateLimitHeaders(outcome))) c.res.headers.set(name, value);
      }
    });
  }

  api.use("*", async (c, next) => {
    if (isPublic(c.req.path)) return next();
    const outcome = await authenticateApiKey(
      options.app,
      presentedKey((name) => c.req.header(name)),
    );
    if (!outcome.ok) {
      // A refused key is charged to its address as well: guessing keys is limited like calling without one.
      if (rateLimit) {
        const refusal = await chargeRequest(rateLimit, { key: null, address: restClientAddress(c) });
        if (refusal && !refusal.decision.allowed) return rateLimitedResponse(c, refusal);
      }
      c.header("www-authenticate", 'Bearer realm="flowgate"');
      return errorJson(c, 401, errorBody("UNAUTHENTICATED", refusalMessages[outcome.reason]));
    }
    c.set("actor", outcome.actor);
    const requested = c.req.header("verifa-version")?.trim();
    if (requested !== undefined && requested !== "" && !isApiVersion(requested)) {
      return errorJson(
        c,
        400,
        errorBody("UNKNOWN_API_VERSION", `Unknown API version "${requested}"`, [], {
          supported_versions: [...apiVersions],
        }),
      );
    }
    const version = requested || outcome.apiKey.apiVersion || currentApiVersion;
    c.set("apiVersion", version);
    c.header("verifa-version", version);
    await next();
  });

  api.use("*", async (c, next) => (isPublic(c.req.path) ? next() : idempotency()(c, next)));

  // Under `Key-Inflection: camel` a camelCase body is accepted: renamed to snake_case before validation.
  api.use("*", async (c, next) => {
    if (c.get("inflection") === "camel" && (c.req.header("content-type") ?? "").includes("json")) {
      const body = await c.req.json().catch(() => undefined);
      // Hono's `json()` parses the cached text: replace the text the validator will read.
      // (Hono keeps promises in `bodyCache`, though its type says values.)
      if (body !== undefined) {
        (c.req.bodyCache as Record<string, unknown>).text = Promise.resolve(
          JSON.stringify(normalizeRequest(body, "camel")),
        );
      }
    }
    await next();
  });

  // Data protection: REST reads of sessions are access-logged (registered before the routes it observes).
  restAccessLog(api);
  workflowRoutes(api);
  sessionRoutes(api);
  sessionManagementRoutes(api);
  sessionLinkRoutes(api);
  sessionCheckRoutes(api);
  recipientSendRoutes(api);
  workspaceRoutes(api);
  dataProtectionRoutes(api);

  api.doc31("/openapi.json", {
    openapi: "3.1.0",
    info: {
      title: "Flowgate REST API",
      version: currentApiVersion,
      description:
        "The seeds' REST APIs (Verifa, KYC Genie, AITasker) over Flowgate's application layer. Authenticate with `X-API-Key` or `Authorization: Bearer`. Bodies are snake_case; `Key-Inflection: camel` answers camelCase. `Verifa-Version` picks a dated version (else the key's). `Idempotency-Key` makes POST/PUT/PATCH/DELETE safe to retry. Errors: `{ error: { code, message, fields, details } }`.",
    },
  });
  api.get(referencePath, (c) =>
    c.html(referenceHtml(restBasePath), 200, { "content-security-policy": referenceCsp }),
  );
  api.get(`${referencePath}/init.js`, (c) =>
    c.body(referenceInit(restBasePath), 200, { "content-type": "text/javascript; charset=utf-8" }),
  );
  api.get(`${referencePath}/scalar.js`, async (c) =>
    c.body(new Uint8Array(await scalarBundle()), 200, {
      "content-type": "text/javascript; charset=utf-8",
      "cache-control": "public, max-age=3600",
    }),
  );

  // Mounted with `route()`, a sub-app's notFound is not consulted: a catch-all route answers instead.
  api.all("*", (c) => errorJson(c, 404, errorBody("NOT_FOUND", `No route ${c.req.method} ${c.req.path}`)));
  api.onError((error, c) => {
    const inflection = c.get("inflection") ?? "snake";
    if (error instanceof HTTPException && error.status < 500) {
      // Hono's own refusals: malformed JSON, a body that is not JSON.
      return errorJson(c, 400, errorBody("INVALID_JSON", error.message || "Malformed JSON in request body"));
    }
    const answer = restErrorOf(error, c.get("errorPolicy") ?? verifaErrors, inflection);
    if (answer.status === 500 && answer.body.error.code === "INTERNAL") {
      options.logger?.error({ err: error, method: c.req.method, path: c.req.path }, "REST request failed");
    }
    return errorJson(c, answer.status, answer.body, answer.headers);
  });
  return api;
}
