import { readFile } from "node:fs/promises";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";

// The API reference page: Scalar's standalone bundle from npm (`@scalar/api-reference`), served by the
// gateway itself, so the page works offline and loads nothing from a CDN (fonts off, same-origin CSP).

/** Where the reference page lives under the REST base path. */
export const referencePath = "/reference";

/** The page's CSP: scripts, styles and fetches from this origin only (Scalar inlines its styles). */
export const referenceCsp =
  "default-src 'self'; script-src 'self'; style-src 'self' 'unsafe-inline'; img-src 'self' data: blob:; font-src 'self' data:; connect-src 'self'; object-src 'none'; base-uri 'none'; frame-ancestors 'none'";

/** The HTML of the reference page for the document at `specUrl`. */
export function referenceHtml(basePath: string): string {
  return `<!doctype html>
<html lang="en">
  <head>
    <meta charset="utf-8" />
    <meta name="viewport" content="width=device-width, initial-scale=1" />
    <title>Flowgate REST API reference</title>
  </head>
  <body>
    <div id="app"></div>
    <script src="${basePath}${referencePath}/scalar.js"></script>
    <script src="${basePath}${referencePath}/init.js"></script>
  </body>
</html>
`;
}

/** The script that mounts Scalar on the page (a file, so that the CSP needs no inline script). */
export function referenceInit(basePath: string): string {
  return `Scalar.createApiReference("#app", ${JSON.stringify({
    url: `${basePath}/openapi.json`,
    withDefaultFonts: false,
    hideClientButton: true,
    telemetry: false,
  })});\n`;
}

let bundle: Promise<Buffer> | null = null;

/** Scalar's standalone bundle, read once from the installed package. */
export function scalarBundle(): Promise<Buffer> {
  bundle ??= readFile(
    join(dirname(fileURLToPath(import.meta.resolve("@scalar/api-reference"))), "browser", "standalone.js"),
  );
  return bundle;
}
