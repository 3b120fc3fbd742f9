import { createHash } from "node:crypto";

/** One GraphiQL asset under `/graphiql/`. */
interface Asset {
  body: string;
  contentType: string;
}

/** GraphiQL's code, served from this origin under hashed names. */
interface GraphiQLAssets {
  byPath: Map<string, Asset>;
  css: string;
  env: string;
  js: string;
  init: string;
}

/** Where GraphiQL's assets are served. */
export const graphiqlAssetPrefix = "/graphiql/";

let loading: Promise<GraphiQLAssets> | null = null;

function hashed(name: string, body: string, extension: string): string {
  return `${graphiqlAssetPrefix}${name}-${createHash("sha256").update(body).digest("hex").slice(0, 12)}.${extension}`;
}

/**
 * Loads GraphiQL (Yoga's build in `@graphql-yoga/render-graphiql`, ~9 MB of JavaScript) on first use, so
 * that it costs nothing at start, and splits it into separate, cacheable files: the stylesheet, the
 * editor workers, the bundle and a small start script. The page then needs no inline script and no CDN.
 */
function loadAssets(): Promise<GraphiQLAssets> {
  loading ??= import("@graphql-yoga/render-graphiql/graphiql").then((g) => {
    const byPath = new Map<string, Asset>();
    const add = (name: string, body: string, extension: "js" | "css") => {
      const path = hashed(name, body, extension);
      byPath.set(path, {
        body,
        contentType: extension === "js" ? "text/javascript; charset=utf-8" : "text/css; charset=utf-8",
      });
      return path;
    };
    const workers = {
      editorWorkerService: add("editor.worker", g.editorWorkerService, "js"),
      json: add("json.worker", g.jsonWorker, "js"),
      graphql: add("graphql.worker", g.graphqlWorker, "js"),
    };
    const env = add(
      "environment",
      `self.MonacoEnvironment = { globalAPI: false, getWorkerUrl: function (_moduleId, label) { return ${JSON.stringify(workers)}[label]; } };`,
      "js",
    );
    const init = add(
      "start",
      `YogaGraphiQL.renderYogaGraphiQL(document.querySelector("#root"), JSON.parse(document.getElementById("graphiql-options").textContent));`,
      "js",
    );
    return { byPath, css: add("graphiql", g.css, "css"), env, js: add("graphiql", g.js, "js"), init };
  });
  return loading;
}

/** JSON that is safe inside a `<script type="application/json">` element. */
function scriptJson(value: unknown): string {
  return JSON.stringify(value ?? {}).replace(/</g, "\\u003c");
}

/**
 * Yoga's `renderGraphiQL`: the same GraphiQL as Yoga's default page, but every file comes from the
 * gateway (see {@link serveGraphiQLAsset}), so it works offline and behind a firewall.
 */
export async function renderOfflineGraphiQL(
  options: { title?: string } & Record<string, unknown>,
): Promise<string> {
  const assets = await loadAssets();
  const title = String(options.title ?? "GraphiQL").replace(/[<>&"]/g, "");
  return `<!doctype html>
<html lang="en">
  <head>
    <meta charset="utf-8" />
    <title>${title}</title>
    <link rel="icon" href="/favicon.svg" type="image/svg+xml" />
    <link rel="stylesheet" href="${assets.css}" />
  </head>
  <body id="body" class="no-focus-outline">
    <noscript>You need to enable JavaScript to run GraphiQL.</noscript>
    <div id="root"></div>
    <script type="application/json" id="graphiql-options">${scriptJson(options)}</script>
    <script src="${assets.env}"></script>
    <script src="${assets.js}"></script>
    <script src="${assets.init}"></script>
  </body>
</html>`;
}

/** A GraphiQL asset by its path (`/graphiql/<name>-<hash>.<ext>`), or null. */
export async function graphiqlAsset(path: string): Promise<Asset | null> {
  if (!path.startsWith(graphiqlAssetPrefix)) return null;
  return (await loadAssets()).byPath.get(path) ?? null;
}
