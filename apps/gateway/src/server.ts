import { createServer, type IncomingMessage, type Server, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";
import { authenticateApiKey, findDatabaseUnavailableError } from "@flowgate/application";
import type { Readiness } from "@flowgate/engine";
import { getRequestListener } from "@hono/node-server";
import { type DocumentNode, type ExecutionArgs, GraphQLError } from "graphql";
import { useServer } from "graphql-ws/use/ws";
import type { Logger } from "pino";
import type { Registry } from "prom-client";
import { WebSocketServer } from "ws";
import { presentedKey } from "./auth.ts";
import { databaseUnavailableCloseCode, databaseUnavailableGraphQLError } from "./database-unavailable.ts";
import { serveDownloads } from "./downloads.ts";
import { createInboundHookRoutes } from "./hooks/inbound-hooks.ts";
import { serveMetrics } from "./observability/metrics.ts";
import {
  type RequestLog,
  requestContext,
  requestIdFrom,
  requestIdHeader,
} from "./observability/request-context.ts";
import { createCaptureRoutes } from "./pages/capture/capture-routes.ts";
import { createPages } from "./pages/index.ts";
import { chargeRequest, clientAddress, rateLimitedError } from "./rate-limit.ts";
import { createRecipientYoga, recipientEndpoint } from "./recipient/yoga.ts";
import { RefusedClientQueue } from "./refused-client-queue.ts";
import { createRestApi } from "./rest/index.ts";
import { createRouter, nodeFetch } from "./router.ts";
import { createGatewayYoga, type GatewayYogaOptions } from "./yoga.ts";

/** A listening gateway. */
export interface GatewayServer {
  server: Server;
  url: string;
  /** The port actually bound (useful with port 0). */
  port: number;
  /** The operations console (`/`); `consoleAvailable` is false while its bundle is not built. */
  consoleUrl: string;
  consoleAvailable: boolean;
  /** Closes WebSockets and the HTTP server. */
  close(): Promise<void>;
}

/** Yoga's enveloped execute/subscribe, carried to graphql-ws through `rootValue`. */
interface EnvelopedRoot {
  execute: (args: ExecutionArgs) => any;
  subscribe: (args: ExecutionArgs) => any;
}

/** Turns graphql-ws connection params into the headers the HTTP path reads the key from. */
function headersFromConnectionParams(params: Record<string, unknown> | undefined): Headers {
  const headers = new Headers();
  for (const [name, value] of Object.entries(params ?? {})) {
    if (typeof value === "string") headers.set(name, value);
  }
  return headers;
}

/** What a graphql-ws connection's operations share: its headers and the request Yoga reads them from. */
interface ConnectionRequest {
  headers: Headers;
  request: Request;
}

/**
 * The connection's {@link ConnectionRequest}, built from its connection params at the first call: the
 * params are fixed at `connection_init`, so every subscription of the connection shares one (a
 * subscription then costs no header parsing or `Request` of its own).
 */
const connectionRequests = new WeakMap<object, ConnectionRequest>();
function connectionRequest(extra: object, params: Record<string, unknown> | undefined): ConnectionRequest {
  let shared = connectionRequests.get(extra);
  if (!shared) {
    const headers = headersFromConnectionParams(params);
    shared = { headers, request: new Request("http://gateway.local/graphql", { headers }) };
    connectionRequests.set(extra, shared);
  }
  return shared;
}

/** Options of {@link startGatewayServer}. */
export interface GatewayServerOptions extends GatewayYogaOptions {
  port?: number;
  host?: string;
  /** Answers `/ready`: the engine's `checkReadiness` of the process's database and migrations. */
  readiness: () => Promise<Readiness>;
  /** Directory of the console's built bundle (default: `@flowgate/console`'s `dist`). */
  consoleDir?: string;
  /** Serve this registry at `/metrics` (with a `token`: only to `Authorization: Bearer <token>`). */
  metrics?: { registry: Registry; token?: string | undefined };
}

/**
 * Serves `handle` inside the request's log context: the request id (the caller's `X-Request-Id` or a new
 * one) is echoed in the response and tags every line logged meanwhile, and one line is logged when the
 * response ends — method, path (never the query: recipient links carry their token there), status,
 * duration, and for GraphQL the operation, its type, the key's id, the error count and the query limit
 * that refused it. GraphQL requests log at `info`; probes, metrics and pages at `debug`. GraphQL requests
 * go through `queue` (a client whose documents were refused is held back, see refused-client-queue.ts).
 */
function withRequestLog(
  logger: Logger | undefined,
  graphqlPaths: readonly string[],
  queue: RefusedClientQueue,
  handle: (req: IncomingMessage, res: ServerResponse) => void,
) {
  // The line's fields are the fixed set below, none of them a name the logger's path redaction blanks, so
  // its lines skip that redaction (with its wildcard paths, about 12 µs a line: every field is walked);
  // issued secrets in the text (a `/verify/<token>` path, a caller's request id) are still masked when
  // the line is written (`redactSecrets`).
  const lines = logger?.child({}, { redact: [] });
  return (req: IncomingMessage, res: ServerResponse) => {
    const log: RequestLog = { requestId: requestIdFrom(req.headers[requestIdHeader]) };
    res.setHeader(requestIdHeader, log.requestId);
    const started = performance.now();
    const path = pathOf(req);
    // Only GraphQL requests can be refused by the query limits, and only they are held back.
    const graphql = graphqlPaths.includes(path);
    let logged = false;
    const done = () => {
      if (logged) return;
      logged = true;
      // The client (a digest of its key) is named only when needed: a refusal, or clients held back.
      if (log.refusedBy && graphql) queue.refused(RefusedClientQueue.clientOf(req));
      if (!lines) return;
      // Built field by field (no spreads): one object per request, the fields always in this order.
      const line: Record<string, unknown> = {
        requestId: log.requestId,
        method: req.method,
        path,
        status: res.statusCode,
        durationMs: Math.trunc((performance.now() - started) * 1000) / 1000,
      };
      if (log.operationName) line.operationName = log.operationName;
      if (log.operationType) line.operationType = log.operationType;
      if (log.keyId) line.keyId = log.keyId;
      if (log.graphqlErrors) line.graphqlErrors = log.graphqlErrors;
      if (log.refusedBy) line.refusedBy = log.refusedBy;
      if (!res.writableFinished) line.aborted = true;
      if (graphql) lines.info(line, "request");
      else lines.debug(line, "request");
    };
    res.once("finish", done);
    res.once("close", done);
    const serve = () => requestContext.run(log, () => handle(req, res));
    if (!graphql) serve();
    else
      queue.admit(
        queue.holding ? RefusedClientQueue.clientOf(req) : null,
        res,
        serve,
        req.headers.accept?.includes("text/event-stream") ?? false,
      );
  };
}

/** The path of a request's URL (without its query). */
function pathOf(req: IncomingMessage): string {
  const url = req.url ?? "/";
  const query = url.indexOf("?");
  return query === -1 ? url : url.slice(0, query);
}

/**
 * Starts the HTTP server: a Hono router (see `router.ts`) with Yoga at `/graphql`, the recipients'
 * endpoint, the REST API under `/api/v1`, the pages and the `/health` and `/ready` probes; graphql-ws
 * shares the port on `/graphql`; `/metrics` when given a registry. Every request is logged as one line
 * (see {@link withRequestLog}). WebSocket clients pass the key in connection params
 * (`{ "X-API-Key": key }` or `{ "Authorization": "Bearer key" }`); a refused key closes the socket with
 * 4403, a database outage with 4503 (retry later), and a subscription started during one gets a
 * `DATABASE_UNAVAILABLE` error.
 */
export async function startGatewayServer(options: GatewayServerOptions): Promise<GatewayServer> {
  const yoga = createGatewayYoga(options);
  // Magic-link recipients have their own endpoint and schema; everything else goes to the API-key Yoga.
  const recipientYoga = createRecipientYoga(options);
  const readiness = options.readiness;
  // The console, the recipient page and their assets (see pages/pages.ts); API paths fall through.
  const pages = createPages({ graphqlEndpoint: yoga.graphqlEndpoint, consoleDir: options.consoleDir });
  // The capture page of one-time verification links (`/verify/<token>`), authorized by the token alone.
  const capture = createCaptureRoutes(options.app);
  const router = createRouter({
    app: options.app,
    yoga,
    recipientYoga,
    pages,
    readiness,
    rest: createRestApi({
      app: options.app,
      ...(options.logger ? { logger: options.logger } : {}),
      rateLimit: options.rateLimit ?? null,
    }),
    hooks: createInboundHookRoutes(options.app, options.rateLimit),
    queryLimits: options.queryLimits,
  });
  // The adapter would replace the process's global Request/Response with its own lighter classes; Yoga
  // then pays for converting between them on every request (a 200-request burst of sends took a third
  // longer), so the globals stay native.
  const route = getRequestListener(nodeFetch(router) as never, { overrideGlobalObjects: false });
  const metrics = options.metrics;
  // Clients whose documents the query limits refuse are served one request at a time, after the others.
  const refusedClients = new RefusedClientQueue();
  const server = createServer(
    withRequestLog(options.logger, [yoga.graphqlEndpoint, recipientEndpoint], refusedClients, (req, res) => {
      if (metrics && serveMetrics(req, res, metrics.registry, metrics.token)) return;
      if (capture.handle(req, res)) return;
      // Signed downloads (DSAR export ZIPs, PDF reports), authorized by the URL's signature alone.
      if (serveDownloads(req, res, options.app)) return;
      // A GraphQL POST without an Idempotency-Key is Yoga's alone (the router would hand it straight on):
      // Yoga's own Node handler builds a lighter request than the router's native one (a tenth of a
      // read's CPU), with the same server context.
      if (
        req.method === "POST" &&
        req.headers["idempotency-key"] === undefined &&
        pathOf(req) === yoga.graphqlEndpoint
      ) {
        void yoga.requestListener(req, res);
        return;
      }
      void route(req, res);
    }),
  );
  // A graphql-ws message over the body limit closes the socket (1009 "Message too big").
  const wsServer = new WebSocketServer({
    server,
    path: yoga.graphqlEndpoint,
    maxPayload: options.queryLimits.maxBodyBytes,
  });

  const wsHandle = useServer(
    {
      onConnect: async (ctx) => {
        const { headers } = connectionRequest(ctx.extra, ctx.connectionParams);
        try {
          const outcome = await authenticateApiKey(
            options.app,
            presentedKey((name) => headers.get(name)),
          );
          return outcome.ok;
        } catch (error) {
          if (!findDatabaseUnavailableError(error)) throw error;
          // Not a refusal: the client may reconnect later (graphql-ws retries 4503, unlike 4403).
          ctx.extra.socket.close(databaseUnavailableCloseCode, "Database unavailable; retry shortly");
          return false;
        }
      },
      execute: (args: ExecutionArgs) => (args.rootValue as EnvelopedRoot).execute(args),
      subscribe: (args: ExecutionArgs) => (args.rootValue as EnvelopedRoot).subscribe(args),
      onSubscribe: async (ctx, _id, params) => {
        const { headers, request } = connectionRequest(ctx.extra, ctx.connectionParams);
        if (options.rateLimit) {
          // Each operation is charged like an HTTP request: to the connection's key.
          const outcome = await chargeRequest(options.rateLimit, {
            key: presentedKey((name) => headers.get(name)),
            address: clientAddress(ctx.extra.request),
          });
          if (outcome && !outcome.decision.allowed) return [rateLimitedError(outcome)];
        }
        const { schema, execute, subscribe, contextFactory, parse, validate } = yoga.getEnveloped({
          ...ctx,
          request,
          params,
        });
        // The document is parsed and validated before the context (a database read) is built, so a
        // refused document costs no query. The size and token limits stop the parser with a coded error
        // (see query-limits.ts).
        let document: DocumentNode;
        try {
          document = parse(params.query);
        } catch (error) {
          if (error instanceof GraphQLError) return [error];
          throw error;
        }
        const errors = validate(schema, document);
        if (errors.length > 0) return errors;
        let contextValue: unknown;
        try {
          contextValue = await contextFactory();
        } catch (error) {
          const unavailable = findDatabaseUnavailableError(error);
          if (!unavailable) throw error;
          return [databaseUnavailableGraphQLError(unavailable)];
        }
        return {
          schema,
          operationName: params.operationName,
          document,
          variableValues: params.variables,
          contextValue,
          rootValue: { execute, subscribe },
        };
      },
    },
    wsServer,
  );

  await new Promise<void>((resolve) =>
    server.listen(options.port ?? 0, options.host ?? "127.0.0.1", resolve),
  );
  const { port } = server.address() as AddressInfo;
  return {
    server,
    port,
    url: `http://${options.host ?? "127.0.0.1"}:${port}${yoga.graphqlEndpoint}`,
    consoleUrl: `http://${options.host ?? "127.0.0.1"}:${port}/`,
    consoleAvailable: pages.consoleAvailable,
    close: async () => {
      await wsHandle.dispose();
      await new Promise<void>((resolve) => wsServer.close(() => resolve()));
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}
