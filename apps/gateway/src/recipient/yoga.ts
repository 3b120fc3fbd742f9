import type { Db } from "@flowgate/db";
import type { Engine } from "@flowgate/engine";
import { createYoga, type YogaServerInstance } from "graphql-yoga";
import type { Logger } from "pino";
import { maskGatewayError, yogaLogger } from "../database-unavailable.ts";
import { presentedLinkToken, requireLink } from "./auth.ts";
import type { RecipientContext } from "./context.ts";
import { recipientSchema } from "./schema.ts";

/** Path of the recipient endpoint. */
export const recipientEndpoint = "/recipient/graphql";

/**
 * The recipients' Yoga server at `/recipient/graphql`: its own small schema, authorized by a magic-link
 * token alone (`Authorization: Bearer <token>` or `X-Link-Token: <token>`). A missing, unknown, expired or
 * revoked token gets a 401 with one clear error and nothing else; a database outage a 503 with
 * `DATABASE_UNAVAILABLE`. No GraphiQL.
 */
export function createRecipientYoga(options: {
  db: Db;
  engine: Engine;
  logger?: Logger;
}): YogaServerInstance<Record<string, unknown>, RecipientContext> {
  return createYoga<Record<string, unknown>, RecipientContext>({
    schema: recipientSchema,
    graphqlEndpoint: recipientEndpoint,
    landingPage: false,
    graphiql: false,
    maskedErrors: { maskError: maskGatewayError },
    ...(options.logger ? { logging: yogaLogger(options.logger) } : {}),
    context: async ({ request }) => {
      const { token, link } = await requireLink(
        options.db,
        presentedLinkToken((name) => request.headers.get(name)),
      );
      return { db: options.db, engine: options.engine, token, link };
    },
  });
}
