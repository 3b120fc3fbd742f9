import { FlowgateClient } from "./client.ts";

/**
 * A client of the magic-link endpoint (`/recipient/graphql`), authorized by the link's token alone
 * (sent as `Authorization: Bearer <token>`). Use it with documents written with `recipientGraphql`.
 * A refused link throws a `GraphQLRequestError` whose `linkRefusalCode` says why.
 */
export function createRecipientClient(options: {
  /** `https://…/recipient/graphql`, or `/recipient/graphql` in a browser. */
  url: string;
  /** The `fgl_…` token of the link. */
  token: string;
  fetch?: typeof fetch;
}): FlowgateClient {
  return new FlowgateClient({
    url: options.url,
    headers: { Authorization: `Bearer ${options.token}` },
    ...(options.fetch ? { fetch: options.fetch } : {}),
  });
}
