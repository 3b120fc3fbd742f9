import {
  type Application,
  authenticateLink,
  type LinkRefusal,
  LinkRefusedError,
  linkRefusalMessages,
} from "@flowgate/application";
import type { RecipientSend } from "@flowgate/domain";

import { GraphQLError } from "graphql";

const refusalCodes: Record<LinkRefusal, string> = {
  missing: "LINK_MISSING",
  invalid: "LINK_INVALID",
  expired: "LINK_EXPIRED",
  revoked: "LINK_REVOKED",
};

/** Reads a link token from `X-Link-Token` or `Authorization: Bearer …`. */
export function presentedLinkToken(get: (name: string) => string | null | undefined): string | null {
  const direct = get("x-link-token");
  if (direct?.trim()) return direct.trim();
  const authorization = get("authorization");
  const match = authorization ? /^Bearer\s+(.+)$/i.exec(authorization.trim()) : null;
  return match?.[1]?.trim() ?? null;
}

/**
 * The GraphQL error a refused recipient gets (HTTP 401, code `LINK_MISSING`, `LINK_INVALID`,
 * `LINK_EXPIRED` or `LINK_REVOKED`), and nothing else.
 */
export function linkRefusedError(reason: LinkRefusal): GraphQLError {
  return new GraphQLError(linkRefusalMessages[reason], {
    extensions: { code: refusalCodes[reason], reason, http: { status: 401 } },
  });
}

/** The link a token opens, or a 401 GraphQL error that says why it is refused. */
export async function requireLink(
  app: Application,
  token: string | null,
): Promise<{ token: string; link: RecipientSend }> {
  const outcome = await authenticateLink(app, token);
  if (!outcome.ok || !token) throw linkRefusedError(outcome.ok ? "missing" : outcome.reason);
  return { token, link: outcome.link };
}

/** Runs a recipient command, turning a link refused meanwhile (expired, revoked) into its GraphQL error. */
export async function asRecipient<T>(command: () => Promise<T>): Promise<T> {
  try {
    return await command();
  } catch (error) {
    if (error instanceof LinkRefusedError) throw linkRefusedError(error.reason);
    throw error;
  }
}
