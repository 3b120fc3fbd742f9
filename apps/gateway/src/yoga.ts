import type { Application } from "@flowgate/application";
import { createYoga, type YogaServerInstance } from "graphql-yoga";
import { presentedKey, requireActor } from "./auth.ts";
import type { GraphQLContext } from "./context.ts";
import { maskUnexpectedErrors } from "./error-masking.ts";
import { createLoaders } from "./loaders.ts";
import { schema } from "./schema/index.ts";

/** Options of {@link createGatewayYoga}. */
export interface GatewayYogaOptions {
  /** The application every resolver calls. */
  app: Application;
  /** Serve GraphiQL on GET (default true); `headers` prefills its request headers. */
  graphiql?: boolean | { headers?: Record<string, string> };
}

/** Builds the context of an authenticated caller. */
export async function createContext(app: Application, key: string | null): Promise<GraphQLContext> {
  const actor = await requireActor(app, key);
  return { app, actor, loaders: createLoaders(app, actor) };
}

/**
 * The Yoga server: GraphQL over HTTP at `/graphql` (with SSE subscriptions), GraphiQL on GET. Every
 * operation needs an API key; unexpected errors are masked.
 */
export function createGatewayYoga(
  options: GatewayYogaOptions,
): YogaServerInstance<Record<string, unknown>, GraphQLContext> {
  const graphiql = options.graphiql ?? true;
  return createYoga<Record<string, unknown>, GraphQLContext>({
    schema,
    graphqlEndpoint: "/graphql",
    landingPage: false,
    maskedErrors: { maskError: maskUnexpectedErrors },
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
