import type { Application } from "@flowgate/application";
import { createYoga, type YogaServerInstance } from "graphql-yoga";
import { presentedLinkToken, requireLink } from "./auth.ts";
import type { RecipientContext } from "./context.ts";
import { recipientSchema } from "./schema.ts";

/** Path of the recipient endpoint. */
export const recipientEndpoint = "/recipient/graphql";

/**
 * The recipients' Yoga server at `/recipient/graphql`: its own small schema, authorized by a magic-link
 * token alone (`Authorization: Bearer <token>` or `X-Link-Token: <token>`). A missing, unknown, expired or
 * revoked token gets a 401 with one clear error and nothing else. No GraphiQL.
 */
export function createRecipientYoga(options: {
  app: Application;
}): YogaServerInstance<Record<string, unknown>, RecipientContext> {
  return createYoga<Record<string, unknown>, RecipientContext>({
    schema: recipientSchema,
    graphqlEndpoint: recipientEndpoint,
    landingPage: false,
    graphiql: false,
    context: async ({ request }) => {
      const { token, link } = await requireLink(
        options.app,
        presentedLinkToken((name) => request.headers.get(name)),
      );
      return { app: options.app, token, link };
    },
  });
}
