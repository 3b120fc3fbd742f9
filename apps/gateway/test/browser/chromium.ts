import { existsSync, mkdirSync } from "node:fs";
import { fileURLToPath } from "node:url";
import { type Browser, chromium, type Page } from "playwright-core";
import { loadConsoleBundle } from "../../src/pages/index.ts";

/** Debian's Chromium (`apt-get install chromium`; `.ci/run` installs it). Nothing is downloaded at run time. */
export const chromiumPath = process.env.CHROMIUM_PATH ?? "/usr/bin/chromium";

/** Where the browser suites save screenshots of the main screens (a CI artifact, not committed). */
export const screenshotDir = fileURLToPath(new URL("../../test-output/screenshots/", import.meta.url));

/**
 * Launches headless Chromium with a fresh profile (Playwright gives each launch its own temporary
 * `--user-data-dir`) and without the background traffic Chromium sends on its own.
 */
export async function launchChromium(): Promise<Browser> {
  if (!existsSync(chromiumPath)) {
    throw new Error(
      `Chromium is not installed at ${chromiumPath}: run \`apt-get install -y chromium\` (.ci/run does).`,
    );
  }
  if (!loadConsoleBundle()) {
    throw new Error("The console bundle is not built: run `pnpm --filter @flowgate/console build` first.");
  }
  mkdirSync(screenshotDir, { recursive: true });
  return chromium.launch({
    executablePath: chromiumPath,
    args: [
      "--no-sandbox",
      "--disable-gpu",
      "--disable-quic",
      "--no-first-run",
      "--disable-background-networking",
      "--disable-component-update",
      "--disable-sync",
    ],
  });
}

/** What went wrong in a page: script errors, console errors (CSP violations among them), refused requests. */
export interface PageProblems {
  errors: string[];
  /** Requests to any other origin than the gateway's, all refused. */
  foreign: string[];
}

/**
 * Watches `page`: every request to another origin than `origin` is aborted and recorded (so a CDN
 * dependency shows up as a failure, as it would behind a firewall), as are page errors and console errors.
 */
export async function watchPage(page: Page, origin: string): Promise<PageProblems> {
  const problems: PageProblems = { errors: [], foreign: [] };
  page.on("pageerror", (error) => problems.errors.push(`pageerror: ${error.message}`));
  page.on("console", (message) => {
    if (message.type() === "error") problems.errors.push(`console: ${message.text()}`);
  });
  await page.route("**/*", (route) => {
    const url = route.request().url();
    if (url.startsWith(origin) || url.startsWith("data:") || url.startsWith("blob:")) return route.continue();
    problems.foreign.push(url);
    return route.abort("blockedbyclient");
  });
  return problems;
}

/** Saves a full-page screenshot under {@link screenshotDir}. */
export async function screenshot(page: Page, name: string): Promise<void> {
  await page.screenshot({ path: `${screenshotDir}${name}.png`, fullPage: false });
}

/**
 * Whether the page scrolls sideways (a layout break at the current width), once the layout has settled:
 * waits up to 5 s for the page to fit (a resize is followed by a relayout of the graph), then names the
 * widest element when it still does not.
 */
export async function overflowsHorizontally(page: Page): Promise<string | false> {
  const fits = await page
    .waitForFunction(() => document.documentElement.scrollWidth <= window.innerWidth + 1, null, {
      timeout: 5_000,
    })
    .then(() => true)
    .catch(() => false);
  if (fits) return false;
  return page.evaluate(() => {
    // The widest element that no scrolling or clipping ancestor contains: the one that widens the page.
    const clipped = (el: Element) => {
      for (let parent = el.parentElement; parent; parent = parent.parentElement) {
        if (parent === document.body || parent === document.documentElement) return false;
        if (getComputedStyle(parent).overflowX !== "visible") return true;
      }
      return false;
    };
    let widest = "";
    let right = 0;
    for (const el of Array.from(document.querySelectorAll("body *"))) {
      const box = el.getBoundingClientRect();
      if (box.right > right && !clipped(el)) {
        right = box.right;
        widest = `${el.tagName.toLowerCase()}.${el.className} "${(el.textContent ?? "").slice(0, 40)}" (right edge ${Math.round(box.right)} px)`;
      }
    }
    return `page is ${document.documentElement.scrollWidth} px wide in a ${window.innerWidth} px window; widest: ${widest}`;
  });
}
