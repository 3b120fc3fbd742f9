import type { IncomingMessage } from "node:http";
import type { Application } from "@flowgate/application";
import { GraphQLError } from "graphql";
import { createYoga, type Plugin, type YogaServerInstance } from "graphql-yoga";
import type { Logger } from "pino";
import { AccessRecorder, instrumentPersonalFields, useAccessLog } from "./access-log.ts";
import { presentedKey, requireActor } from "./auth.ts";
import { useCompiledQueries } from "./compiled-execution.ts";
import type { GraphQLContext } from "./context.ts";
import { yogaLogger } from "./database-unavailable.ts";
import { maskUnexpectedErrors } from "./error-masking.ts";
import { createLoaders } from "./loaders.ts";
import { useRequestLog } from "./observability/request-log-plugin.ts";
import { renderOfflineGraphiQL } from "./pages/index.ts";
import { type QueryLimits, queryLimitPlugins } from "./query-limits.ts";
import {
  chargeRefusedKey,
  clientAddress,
  type GatewayRateLimit,
  type RateLimitSubject,
  rateLimitPlugin,
} from "./rate-limit.ts";
import { schema } from "./schema/index.ts";

/** Options of {@link createGatewayYoga}. */
export interface GatewayYogaOptions {
  /** The application every resolver calls. */
  app: Application;
  /** Serve GraphiQL on GET (default true); `headers` prefills its request headers. */
  graphiql?: boolean | { headers?: Record<string, string> };
  /** Where Yoga logs (default: its console logger). */
  logger?: Logger;
  /** Envelop/Yoga plugins both GraphQL endpoints add (request log, metrics, tracing). */
  plugins?: Plugin[];
  /** Bounds of documents and bodies (the settings' `queryLimits`), enforced on every endpoint. */
  queryLimits: QueryLimits;
  /** Rate limits per API key and per client address (none when null or left out). */
  rateLimit?: GatewayRateLimit | null;
}

/** Who pays for an API request: its key, or its address without one. */
function apiSubject(request: Request, serverContext: { req?: IncomingMessage }): RateLimitSubject {
  return {
    key: presentedKey((name) => request.headers.get(name)),
    address: clientAddress(serverContext.req),
  };
}

/**
 * Builds the context of an authenticated caller. With `rateLimit`, a refused key also costs its client
 * address a token (guessing keys is limited like calling without one), and a 429 replaces the 401 once
 * the address is over its limit.
 */
export async function createContext(
  app: Application,
  key: string | null,
  rateLimit?: { limits: GatewayRateLimit; address: string } | null,
): Promise<GraphQLContext> {
  let actor: Awaited<ReturnType<typeof requireActor>>;
  try {
    actor = await requireActor(app, key);
  } catch (error) {
    if (rateLimit && key && error instanceof GraphQLError && error.extensions.code === "UNAUTHENTICATED") {
      throw (await chargeRefusedKey(rateLimit.limits, rateLimit.address)) ?? error;
    }
    throw error;
  }
  return {
    app,
    actor,
    loaders: createLoaders(app, actor),
    access: new AccessRecorder(),
  };
}

/**
 * The Yoga server: GraphQL over HTTP at `/graphql` (with SSE subscriptions), GraphiQL on GET. Every
 * operation needs an API key and keeps to the query limits; unexpected errors are masked, and a database outage is answered with
 * `DATABASE_UNAVAILABLE` (HTTP 503).
 */
export function createGatewayYoga(
  options: GatewayYogaOptions,
): YogaServerInstance<Record<string, unknown>, GraphQLContext> {
  const graphiql = options.graphiql ?? true;
  return createYoga<Record<string, unknown>, GraphQLContext>({
    // Reads of personal fields are noted per request and written to the access log after the response.
    schema: instrumentPersonalFields(schema),
    graphqlEndpoint: "/graphql",
    landingPage: false,
    // Depth, aliases, tokens, directives, cost and body size are bounded before any resolver runs.
    // Requests are charged to their key (or address) before their body is read, then bounded.
    plugins: [
      ...(options.rateLimit ? [rateLimitPlugin(options.rateLimit, apiSubject)] : []),
      ...queryLimitPlugins(options.queryLimits),
      useRequestLog(),
      useAccessLog(),
      ...(options.plugins ?? []),
      // Last, so that every other plugin's onExecute has run: repeated queries execute compiled.
      useCompiledQueries(),
    ],
    // A missing scope is "Not authorized"; a database outage is DATABASE_UNAVAILABLE with HTTP 503; other
    // errors stay masked.
    // The body limits are queryLimitPlugins' (Yoga's own would wrap every body in one more stream).
    maxRequestBodySize: false,
    maskedErrors: { maskError: maskUnexpectedErrors },
    ...(options.logger ? { logging: yogaLogger(options.logger) } : {}),
    // GraphiQL's code is served by the gateway itself (no CDN), see pages/graphiql.ts.
    renderGraphiQL: renderOfflineGraphiQL,
    graphiql:
      graphiql === false
        ? false
        : {
            title: "Flowgate",
            subscriptionsProtocol: "WS",
            ...(typeof graphiql === "object" && graphiql.headers
              ? { headers: JSON.stringify(graphiql.headers) }
              : {}),
          },
    context: ({ request, req }: { request: Request; req?: IncomingMessage }) =>
      createContext(
        options.app,
        presentedKey((name) => request.headers.get(name)),
        options.rateLimit ? { limits: options.rateLimit, address: clientAddress(req) } : null,
      ),
  });
}
