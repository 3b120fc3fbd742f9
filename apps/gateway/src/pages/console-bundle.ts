import { existsSync, readFileSync } from "node:fs";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";

/** The built console (`apps/console/dist`): its two pages, read once. */
export interface ConsoleBundle {
  /** The folder served. */
  dir: string;
  /** `index.html`: the console, for `/` and its client-side routes. */
  consoleHtml: string;
  /** `recipient.html`: the magic-link page at `/recipient`. */
  recipientHtml: string;
}

/** Where `@flowgate/console` builds its bundle. */
export function defaultConsoleDir(): string {
  return join(dirname(fileURLToPath(import.meta.resolve("@flowgate/console/package.json"))), "dist");
}

/**
 * Loads the built bundle from `dir`, or returns null when it has not been built: the gateway then answers
 * the pages with a 503 that says how to build it, and everything else keeps working.
 */
export function loadConsoleBundle(dir: string = defaultConsoleDir()): ConsoleBundle | null {
  const index = join(dir, "index.html");
  const recipient = join(dir, "recipient.html");
  if (!existsSync(index) || !existsSync(recipient)) return null;
  return { dir, consoleHtml: readFileSync(index, "utf8"), recipientHtml: readFileSync(recipient, "utf8") };
}

/** The page served instead of the console while its bundle is missing. */
export function missingBundlePage(dir: string): string {
  return `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>Flowgate: console not built</title></head>
<body style="font-family: system-ui, sans-serif; max-width: 40rem; margin: 10vh auto; padding: 0 1rem">
<h1>The console has not been built</h1>
<p>The gateway serves the console and the recipient page from <code>${escapeHtml(dir)}</code>, which has no
<code>index.html</code> yet. Build it with</p>
<pre>pnpm --filter @flowgate/console build</pre>
<p>(<code>tooling/flowgate start</code> builds it for you). The GraphQL API at <a href="/graphql">/graphql</a>
works meanwhile.</p>
</body></html>`;
}

function escapeHtml(text: string): string {
  return text.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);
}
