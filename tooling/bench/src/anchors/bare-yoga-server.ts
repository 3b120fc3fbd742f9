/**
 * The anchor for reads and cold start: a bare GraphQL Yoga server with one field, `{ hello }`, on
 * node:http at `/graphql` (as Flowgate's gateway serves it). Listens on PORT (0 = any) on 127.0.0.1 and
 * prints `{"url": …}` once listening.
 */
import { createServer } from "node:http";
import type { AddressInfo } from "node:net";
import { createSchema, createYoga } from "graphql-yoga";

const yoga = createYoga({
  schema: createSchema({
    typeDefs: /* GraphQL */ `
      type Query {
        hello: String!
      }
    `,
    resolvers: { Query: { hello: () => "world" } },
  }),
  graphqlEndpoint: "/graphql",
  landingPage: false,
  graphiql: false,
});
const server = createServer(yoga);
server.listen(Number(process.env.PORT ?? 0), "127.0.0.1", () => {
  const { port } = server.address() as AddressInfo;
  process.stdout.write(`${JSON.stringify({ url: `http://127.0.0.1:${port}/graphql` })}\n`);
});
process.once("SIGTERM", () => server.close(() => process.exit(0)));
