import type { PageRequest } from "@flowgate/application";
import { type ResolveCursorConnectionArgs, resolveCursorConnection } from "@pothos/plugin-relay";
import { GraphQLError } from "graphql";

const maxPageSize = 100;

function encodeCursor(id: string): string {
  return Buffer.from(`id:${id}`).toString("base64url");
}

function decodeCursor(cursor: string | undefined): string | undefined {
  if (cursor === undefined) return undefined;
  const decoded = Buffer.from(cursor, "base64url").toString();
  if (!decoded.startsWith("id:")) {
    throw new GraphQLError("Invalid cursor", { extensions: { code: "BAD_USER_INPUT", field: "after" } });
  }
  return decoded.slice(3);
}

/** Relay connection arguments as Pothos passes them. */
export interface ConnectionArgs {
  first?: number | null | undefined;
  last?: number | null | undefined;
  after?: string | null | undefined;
  before?: string | null | undefined;
}

/**
 * Resolves a Relay connection over keyset pagination on time-ordered ids (newest first), with opaque
 * cursors. `fetch` gets a {@link PageRequest}.
 */
export function keysetConnection<T extends { id: string }>(
  args: ConnectionArgs,
  fetch: (page: PageRequest) => Promise<T[]>,
) {
  return resolveCursorConnection(
    { args, toCursor: (item: T) => encodeCursor(item.id), defaultSize: 20, maxSize: maxPageSize },
    ({ before, after, limit, inverted }: ResolveCursorConnectionArgs) =>
      fetch({ limit, afterId: decodeCursor(after), beforeId: decodeCursor(before), oldestFirst: inverted }),
  );
}
