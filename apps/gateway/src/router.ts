import type { Application } from "@flowgate/application";
import type { Readiness } from "@flowgate/engine";
import type { HttpBindings } from "@hono/node-server";
import { RESPONSE_ALREADY_SENT } from "@hono/node-server/utils/response";
import type { YogaServerInstance } from "graphql-yoga";
import { Hono } from "hono";
import { idempotentGraphQL } from "./graphql-idempotency.ts";
import type { Pages } from "./pages/index.ts";
import type { QueryLimits } from "./query-limits.ts";
import { recipientEndpoint } from "./recipient/yoga.ts";

/** What {@link createRouter} routes to. */
export interface RouterParts {
  /** The API-key GraphQL server (`/graphql`, GraphiQL on GET, SSE subscriptions). */
  yoga: YogaServerInstance<any, any>;
  /** The magic-link recipients' GraphQL server (`/recipient/graphql`). */
  recipientYoga: YogaServerInstance<any, any>;
  /** The console, the recipient page and their assets. */
  pages: Pages;
  /** The engine's readiness check behind `/ready`. */
  readiness: () => Promise<Readiness>;
  /** The application (the GraphQL idempotency check calls it). */
  app: Application;
  /** The REST API (its routes carry their `/api/v1` base path). */
  rest: Hono<any>;
  /** The inbound trigger URLs, `POST /hooks/:token` (authenticated by each trigger's own credential). */
  hooks?: Hono<any>;
  /** The query limits (the GraphQL idempotency check reads bodies within them). */
  queryLimits: QueryLimits;
}

/** The gateway's Hono app; Node bindings give the pages handler the raw request and response. */
export type GatewayRouter = Hono<{ Bindings: HttpBindings }>;

/**
 * The router's fetch callback for `@hono/node-server`. Hono answers HEAD by re-wrapping the GET answer
 * in a new `Response`, which @hono/node-server 2.1 would then write a second time although the pages
 * handler already wrote it; this hands such answers back as the adapter's own "already sent" marker.
 */
export function nodeFetch(router: GatewayRouter) {
  return async (request: Request, env: HttpBindings): Promise<Response> => {
    const response = await router.fetch(request, env);
    return response.headers.has(alreadySentHeader) ? RESPONSE_ALREADY_SENT : response;
  };
}

/** The header @hono/node-server's `RESPONSE_ALREADY_SENT` carries. */
const alreadySentHeader = [...RESPONSE_ALREADY_SENT.headers.keys()][0] ?? "x-hono-already-sent";

/**
 * The gateway's HTTP router: `/health` (liveness, always 200) and `/ready` (readiness: 200 when the
 * database answers and migrations are done, else 503), Yoga at `/graphql` and the recipients' Yoga at
 * `/recipient/graphql` (both through their fetch handlers, so SSE streams as before), the REST API under
 * `/api/v1`, the inbound trigger URLs under `/hooks`, and the pages for every other GET. graphql-ws is
 * attached to the same Node server by `server.ts` (upgrades never reach the router).
 */
export function createRouter(parts: RouterParts): GatewayRouter {
  const router: GatewayRouter = new Hono<{ Bindings: HttpBindings }>();
  const noStore = { "cache-control": "no-store" };

  router.get("/health", (c) => c.json({ status: "ok" }, 200, noStore));
  router.get("/ready", async (c) => {
    try {
      const ready = await parts.readiness();
      return c.json(
        { status: ready.ready ? "ready" : "not_ready", ...ready },
        ready.ready ? 200 : 503,
        noStore,
      );
    } catch {
      return c.json({ status: "not_ready", ready: false }, 503, noStore);
    }
  });

  // The Node request is the server context: rate limits charge requests without a key to its address.
  router.all(recipientEndpoint, (c) => parts.recipientYoga.fetch(c.req.raw, { req: c.env.incoming }));
  if (parts.hooks) router.route("/", parts.hooks);
  router.route("/", parts.rest);
  router.all(parts.yoga.graphqlEndpoint, (c) => {
    // GraphiQL's page needs the pages' CSP header; the pages handler sets it and leaves the rest to Yoga.
    parts.pages.handle(c.env.incoming, c.env.outgoing);
    // Mutations with an Idempotency-Key are claimed, replayed or refused before Yoga runs them.
    return idempotentGraphQL(
      parts.app,
      c.req.raw,
      (request) => Promise.resolve(parts.yoga.fetch(request, { req: c.env.incoming })),
      parts.queryLimits,
    );
  });
  router.all("*", (c) => {
    if (parts.pages.handle(c.env.incoming, c.env.outgoing)) return RESPONSE_ALREADY_SENT;
    return c.text("Not found\n", 404);
  });
  return router;
}
