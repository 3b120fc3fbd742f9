import { createReadStream } from "node:fs";
import { stat } from "node:fs/promises";
import type { IncomingMessage, ServerResponse } from "node:http";
import { extname, join } from "node:path";
import {
  type ConsoleBundle,
  defaultConsoleDir,
  loadConsoleBundle,
  missingBundlePage,
} from "./console-bundle.ts";
import { graphiqlAsset, graphiqlAssetPrefix } from "./graphiql.ts";
import { graphiqlCsp, htmlHeaders, immutableCache, pageCsp } from "./security-headers.ts";

/** Options of {@link createPages}. */
export interface PagesOptions {
  /** The built console (default: `@flowgate/console`'s `dist`). */
  consoleDir?: string;
  /** The API's path (`/graphql`): GraphiQL's page there gets its security headers here. */
  graphqlEndpoint: string;
}

/** The browser pages of the gateway. */
export interface Pages {
  /** Whether the console bundle was found (else its pages answer 503 with how to build it). */
  readonly consoleAvailable: boolean;
  /** The folder the bundle is served from. */
  readonly consoleDir: string;
  /** Answers the request when it is for a page or an asset and returns true; otherwise returns false. */
  handle(req: IncomingMessage, res: ServerResponse): boolean;
}

/**
 * Paths that belong to APIs, never to the console's client-side routes (checked before any fallback).
 * `/api/v1/*`, `/hooks/*` and `/verify/*` are kept free for the REST routes, inbound hooks and capture
 * pages to come.
 */
const reservedPrefixes = ["/graphql", "/recipient/", "/health", "/ready", "/api/", "/hooks/", "/verify/"];

function isReserved(path: string): boolean {
  return reservedPrefixes.some((prefix) => path === prefix.replace(/\/$/, "") || path.startsWith(prefix));
}

const contentTypes: Record<string, string> = {
  ".js": "text/javascript; charset=utf-8",
  ".css": "text/css; charset=utf-8",
  ".svg": "image/svg+xml",
  ".png": "image/png",
  ".woff2": "font/woff2",
  ".json": "application/json",
  ".map": "application/json",
};

function wantsHtml(req: IncomingMessage): boolean {
  const accept = req.headers.accept ?? "";
  return accept === "" || accept.includes("text/html") || accept.includes("*/*");
}

function send(
  res: ServerResponse,
  status: number,
  headers: Record<string, string>,
  body: string,
  head: boolean,
) {
  res.writeHead(status, { ...headers, "content-length": String(Buffer.byteLength(body)) });
  res.end(head ? undefined : body);
}

/**
 * Serves the console at `/` (with a fallback to `index.html` for its client-side routes), the recipient
 * page at `/recipient`, the bundle's hashed assets under `/assets/` (cached for a year), and GraphiQL's
 * assets under `/graphiql/`. HTML pages carry a CSP that allows this origin only. API paths
 * (`/graphql`, `/recipient/graphql`, `/health`, `/ready`, `/api/…`, `/hooks/…`, `/verify/…`) are never
 * answered here.
 */
export function createPages(options: PagesOptions): Pages {
  const dir = options.consoleDir ?? defaultConsoleDir();
  const bundle: ConsoleBundle | null = loadConsoleBundle(dir);
  const assetsDir = join(dir, "assets");

  const page = (res: ServerResponse, html: string | undefined, head: boolean) => {
    if (html === undefined) {
      send(res, 503, { ...htmlHeaders(pageCsp), "cache-control": "no-store" }, missingBundlePage(dir), head);
      return;
    }
    // The page itself is small and names its hashed assets: revalidate it every time.
    send(res, 200, { ...htmlHeaders(pageCsp), "cache-control": "no-cache" }, html, head);
  };

  const file = (res: ServerResponse, path: string, cacheControl: string, head: boolean) => {
    stat(path).then(
      (info) => {
        if (!info.isFile()) return send(res, 404, { "content-type": "text/plain" }, "Not found\n", head);
        res.writeHead(200, {
          "content-type": contentTypes[extname(path)] ?? "application/octet-stream",
          "content-length": String(info.size),
          "cache-control": cacheControl,
          "x-content-type-options": "nosniff",
        });
        if (head) res.end();
        else createReadStream(path).pipe(res);
      },
      () => send(res, 404, { "content-type": "text/plain" }, "Not found\n", head),
    );
  };

  return {
    consoleAvailable: bundle !== null,
    consoleDir: dir,
    handle(req, res) {
      if (req.method !== "GET" && req.method !== "HEAD") return false;
      const head = req.method === "HEAD";
      const path = (req.url ?? "/").split("?", 1)[0] ?? "/";

      if (path === options.graphqlEndpoint) {
        // GraphiQL is rendered by Yoga; it only needs its headers.
        if (wantsHtml(req)) res.setHeader("content-security-policy", graphiqlCsp);
        return false;
      }
      if (path.startsWith(graphiqlAssetPrefix)) {
        graphiqlAsset(path).then(
          (asset) =>
            asset
              ? send(
                  res,
                  200,
                  { "content-type": asset.contentType, "cache-control": immutableCache },
                  asset.body,
                  head,
                )
              : send(res, 404, { "content-type": "text/plain" }, "Not found\n", head),
          () => send(res, 500, { "content-type": "text/plain" }, "GraphiQL could not be loaded\n", head),
        );
        return true;
      }
      if (path.startsWith("/assets/")) {
        const name = path.slice("/assets/".length);
        if (!/^[\w.-]+$/.test(name) || name.startsWith(".")) {
          send(res, 404, { "content-type": "text/plain" }, "Not found\n", head);
          return true;
        }
        file(res, join(assetsDir, name), immutableCache, head);
        return true;
      }
      if (path === "/favicon.svg") {
        file(res, join(dir, "favicon.svg"), "public, max-age=86400", head);
        return true;
      }
      if (path === "/recipient" || path === "/recipient/") {
        page(res, bundle?.recipientHtml, head);
        return true;
      }
      if (isReserved(path)) return false;
      // The console's own routes (/workflows/…, /sessions/…): any other page a browser navigates to.
      if (path === "/" || (wantsHtml(req) && extname(path) === "")) {
        page(res, bundle?.consoleHtml, head);
        return true;
      }
      return false;
    },
  };
}
