import type { Application } from "@flowgate/application";
import { createYoga, type YogaServerInstance } from "graphql-yoga";
import type { Logger } from "pino";
import { AccessRecorder, instrumentPersonalFields, useAccessLog } from "./access-log.ts";
import { presentedKey, requireActor } from "./auth.ts";
import type { GraphQLContext } from "./context.ts";
import { yogaLogger } from "./database-unavailable.ts";
import { maskUnexpectedErrors } from "./error-masking.ts";
import { createLoaders } from "./loaders.ts";
import { renderOfflineGraphiQL } from "./pages/index.ts";
import { schema } from "./schema/index.ts";

/** Options of {@link createGatewayYoga}. */
export interface GatewayYogaOptions {
  /** The application every resolver calls. */
  app: Application;
  /** Serve GraphiQL on GET (default true); `headers` prefills its request headers. */
  graphiql?: boolean | { headers?: Record<string, string> };
  /** Where Yoga logs (default: its console logger). */
  logger?: Logger;
}

/** Builds the context of an authenticated caller. */
export async function createContext(app: Application, key: string | null): Promise<GraphQLContext> {
  const actor = await requireActor(app, key);
  return { app, actor, loaders: createLoaders(app, actor), access: new AccessRecorder() };
}

/**
 * The Yoga server: GraphQL over HTTP at `/graphql` (with SSE subscriptions), GraphiQL on GET. Every
 * operation needs an API key; unexpected errors are masked, and a database outage is answered with
 * `DATABASE_UNAVAILABLE` (HTTP 503).
 */
export function createGatewayYoga(
  options: GatewayYogaOptions,
): YogaServerInstance<Record<string, unknown>, GraphQLContext> {
  const graphiql = options.graphiql ?? true;
  return createYoga<Record<string, unknown>, GraphQLContext>({
    // Reads of personal fields are noted per request and written to the access log after the response.
    schema: instrumentPersonalFields(schema),
    plugins: [useAccessLog()],
    graphqlEndpoint: "/graphql",
    landingPage: false,
    // A missing scope is "Not authorized"; a database outage is DATABASE_UNAVAILABLE with HTTP 503; other
    // errors stay masked.
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
    context: ({ request }) =>
      createContext(
        options.app,
        presentedKey((name) => request.headers.get(name)),
      ),
  });
}
