import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import type { Db } from "@flowgate/db";
import { authenticateApiKey } from "@flowgate/engine";
import type { ExecutionArgs } from "graphql";
import { useServer } from "graphql-ws/use/ws";
import { WebSocketServer } from "ws";
import { presentedKey } from "./auth.ts";
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

/**
 * Starts the HTTP server with Yoga at `/graphql` and graphql-ws on the same path. WebSocket clients pass
 * the key in connection params (`{ "X-API-Key": key }` or `{ "Authorization": "Bearer key" }`); a refused
 * key closes the socket with 4403.
 */
export async function startGatewayServer(
  options: GatewayYogaOptions & { port?: number; host?: string; consoleDir?: string },
): Promise<GatewayServer> {
  const yoga = createGatewayYoga(options);
  // Magic-link recipients have their own endpoint and schema; everything else goes to the API-key Yoga.
  const recipientYoga = createRecipientYoga(options);
  // The console, the recipient page and their assets (see pages/pages.ts); API paths fall through.
  const pages = createPages({ graphqlEndpoint: yoga.graphqlEndpoint, consoleDir: options.consoleDir });
  const server = createServer((req, res) => {
    if (req.url?.split("?", 1)[0] === recipientEndpoint) return recipientYoga(req, res);
    if (pages.handle(req, res)) return;
    return yoga(req, res);
  });
  const wsServer = new WebSocketServer({ server, path: yoga.graphqlEndpoint });
  const db: Db = options.db;

  const wsHandle = useServer(
    {
      onConnect: async (ctx) => {
        const headers = headersFromConnectionParams(ctx.connectionParams);
        const outcome = await authenticateApiKey(
          db,
          presentedKey((name) => headers.get(name)),
        );
        return outcome.ok;
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
        const args = {
          schema,
          operationName: params.operationName,
          document: parse(params.query),
          variableValues: params.variables,
          contextValue: await contextFactory(),
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
