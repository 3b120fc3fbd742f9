import { type Application, getRecipientQuestionnaireVersions, recipientActor } from "@flowgate/application";
import DataLoader from "dataloader";
import { createYoga, type Plugin, type YogaServerInstance } from "graphql-yoga";
import type { Logger } from "pino";
import type { GraphQLContext } from "../context.ts";
import { yogaLogger } from "../database-unavailable.ts";
import { parseVersionKey } from "../ddq-loaders.ts";
import { maskUnexpectedErrors } from "../error-masking.ts";
import { createLoaders } from "../loaders.ts";
import { useRequestLog } from "../observability/request-log-plugin.ts";
import { type QueryLimits, queryLimitPlugins } from "../query-limits.ts";
import { clientAddress, type GatewayRateLimit, rateLimitPlugin } from "../rate-limit.ts";
import { presentedLinkToken, requireLink } from "./auth.ts";
import { recipientSchema } from "./schema.ts";

/** Path of the recipient endpoint. */
export const recipientEndpoint = "/recipient/graphql";

/**
 * The recipients' Yoga server at `/recipient/graphql`: the builder's `Recipient` sub-graph, authorized by a
 * magic-link token alone (`Authorization: Bearer <token>` or `X-Link-Token: <token>`). A missing, unknown,
 * expired or revoked token gets a 401 with one clear error and nothing else; a database outage a 503 with
 * `DATABASE_UNAVAILABLE`. No GraphiQL.
 *
 * The request's actor is the link's scope-less recipient actor, so the API reads behind the shared types
 * refuse it; the one read those types need (the questionnaire version a response answers) is served by the
 * link instead.
 */
export function createRecipientYoga(options: {
  app: Application;
  logger?: Logger;
  plugins?: Plugin[];
  /** The same bounds as the API endpoint's. */
  queryLimits: QueryLimits;
  /** Recipients have no API key: each request is charged to its client address. */
  rateLimit?: GatewayRateLimit | null;
}): YogaServerInstance<Record<string, unknown>, GraphQLContext> {
  const { app } = options;
  return createYoga<Record<string, unknown>, GraphQLContext>({
    // Built at the first recipient request, not when the server starts.
    schema: () => recipientSchema(),
    graphqlEndpoint: recipientEndpoint,
    landingPage: false,
    graphiql: false,
    plugins: [
      ...(options.rateLimit
        ? [
            rateLimitPlugin(options.rateLimit, (_request, { req }) => ({
              key: null,
              address: clientAddress(req),
            })),
          ]
        : []),
      ...queryLimitPlugins(options.queryLimits),
      useRequestLog(),
      ...(options.plugins ?? []),
    ],
    // The body limits are queryLimitPlugins' (Yoga's own would wrap every body in one more stream).
    maxRequestBodySize: false,
    maskedErrors: { maskError: maskUnexpectedErrors },
    ...(options.logger ? { logging: yogaLogger(options.logger) } : {}),
    context: async ({ request }): Promise<GraphQLContext> => {
      const { token, link } = await requireLink(
        app,
        presentedLinkToken((name) => request.headers.get(name)),
      );
      const actor = recipientActor(link);
      const loaders = createLoaders(app, actor);
      loaders.ddq.questionnaireVersion = new DataLoader((keys) =>
        getRecipientQuestionnaireVersions(app, link, keys.map(parseVersionKey)),
      );
      return { app, actor, loaders, recipient: { token, link } };
    },
  });
}
