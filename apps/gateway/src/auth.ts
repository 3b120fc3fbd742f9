import { type Actor, type Application, authenticateApiKey } from "@flowgate/application";
import { GraphQLError } from "graphql";

/** Reads the key from `X-API-Key` or `Authorization: Bearer …` (HTTP headers or graphql-ws connection params). */
export function presentedKey(get: (name: string) => string | null | undefined): string | null {
  const direct = get("x-api-key");
  if (direct) return direct.trim();
  const authorization = get("authorization");
  const match = authorization ? /^Bearer\s+(.+)$/i.exec(authorization.trim()) : null;
  return match?.[1] ?? null;
}

/** Why a key was refused, for people (GraphQL and REST say the same). */
export const refusalMessages = {
  missing: "An API key is required: send it as `X-API-Key: <key>` or `Authorization: Bearer <key>`.",
  unknown: "The API key is not valid.",
  revoked: "The API key has been revoked.",
  expired: "The API key has expired.",
} as const;

/** Authenticates a presented key and returns its actor, or throws a 401 GraphQL error that says why. */
export async function requireActor(app: Application, presented: string | null): Promise<Actor> {
  const outcome = await authenticateApiKey(app, presented);
  if (outcome.ok) return outcome.actor;
  throw new GraphQLError(refusalMessages[outcome.reason], {
    extensions: { code: "UNAUTHENTICATED", reason: outcome.reason, http: { status: 401 } },
  });
}
