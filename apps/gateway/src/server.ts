import { createServer, type IncomingMessage, type Server, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";
import { authenticateApiKey, findDatabaseUnavailableError } from "@flowgate/application";
import type { Readiness } from "@flowgate/engine";
import type { ExecutionArgs } from "graphql";
import { useServer } from "graphql-ws/use/ws";
import { WebSocketServer } from "ws";
import { presentedKey } from "./auth.ts";
import { databaseUnavailableCloseCode, databaseUnavailableGraphQLError } from "./database-unavailable.ts";
import { serveDownloads } from "./downloads.ts";
import { createPages } from "./pages/index.ts";
import { createRecipientYoga, recipientEndpoint } from "./recipient/yoga.ts";
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

/** Options of {@link startGatewayServer}. */
export interface GatewayServerOptions extends GatewayYogaOptions {
  port?: number;
  host?: string;
  /** Answers `/ready`: the engine's `checkReadiness` of the process's database and migrations. */
  readiness: () => Promise<Readiness>;
  /** Directory of the console's built bundle (default: `@flowgate/console`'s `dist`). */
  consoleDir?: string;
}

/** Writes a JSON answer. */
function sendJson(res: ServerResponse, status: number, body: unknown): void {
  res.writeHead(status, { "content-type": "application/json; charset=utf-8", "cache-control": "no-store" });
  res.end(JSON.stringify(body));
}

/**
 * `GET /health`: liveness — the process is up and serving HTTP (200 always). `GET /ready`: readiness —
 * the database answers and the migrations are done (200), or not (503); both JSON. Returns whether the
 * request was one of them.
 */
function serveProbes(
  req: IncomingMessage,
  res: ServerResponse,
  readiness: () => Promise<Readiness>,
): boolean {
  const path = req.url?.split("?", 1)[0];
  if (req.method !== "GET" && req.method !== "HEAD") return false;
  if (path === "/health") {
    sendJson(res, 200, { status: "ok" });
    return true;
  }
  if (path === "/ready") {
    void readiness().then(
      (ready) =>
        sendJson(res, ready.ready ? 200 : 503, { status: ready.ready ? "ready" : "not_ready", ...ready }),
      () => sendJson(res, 503, { status: "not_ready", ready: false }),
    );
    return true;
  }
  return false;
}

/**
 * Starts the HTTP server with Yoga at `/graphql` and graphql-ws on the same path, the recipients'
 * endpoint, and the `/health` and `/ready` probes. WebSocket clients pass the key in connection params
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
  const server = createServer((req, res) => {
    if (serveProbes(req, res, readiness)) return;
    if (serveDownloads(req, res, options.app)) return;
    if (req.url?.split("?", 1)[0] === recipientEndpoint) return recipientYoga(req, res);
    if (pages.handle(req, res)) return;
    return yoga(req, res);
  });
  const wsServer = new WebSocketServer({ server, path: yoga.graphqlEndpoint });

  const wsHandle = useServer(
    {
      onConnect: async (ctx) => {
        const headers = headersFromConnectionParams(ctx.connectionParams);
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
        const request = new Request("http://gateway.local/graphql", {
          headers: headersFromConnectionParams(ctx.connectionParams),
        });
        const { schema, execute, subscribe, contextFactory, parse, validate } = yoga.getEnveloped({
          ...ctx,
          request,
          params,
        });
        let contextValue: unknown;
        try {
          contextValue = await contextFactory();
        } catch (error) {
          const unavailable = findDatabaseUnavailableError(error);
          if (!unavailable) throw error;
          return [databaseUnavailableGraphQLError(unavailable)];
        }
        const args = {
          schema,
          operationName: params.operationName,
          document: parse(params.query),
          variableValues: params.variables,
          contextValue,
          rootValue: { execute, subscribe },
        };
        const errors = validate(args.schema, args.document);
        if (errors.length > 0) return errors;
        return args;
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
