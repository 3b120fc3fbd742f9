import { testBackends } from "@flowgate/db/testing";
import { checkReadiness } from "@flowgate/engine";
import type { Browser } from "playwright-core";
import { afterAll, beforeAll, describe, expect, it, vi } from "vitest";
import { type GatewayServer, startGatewayServer } from "../../src/server.ts";
import { type Harness, harnessSettings, startHarness } from "../harness.ts";
import { launchChromium, screenshot, watchPage } from "./chromium.ts";

// A browser drives several pages per test: allow for a loaded machine (each wait still has its own limit).
vi.setConfig({ testTimeout: 120_000, hookTimeout: 120_000 });

describe.each(testBackends())("GraphiQL offline in Chromium (%s)", (backend) => {
  let harness: Harness;
  let server: GatewayServer;
  let browser: Browser;

  beforeAll(async () => {
    harness = await startHarness(backend);
    server = await startGatewayServer({
      app: harness.app,
      readiness: () => checkReadiness(harness.database, true),
      queryLimits: harnessSettings.queryLimits,
      port: 0,
      graphiql: { headers: { "X-API-Key": harness.acme.keys.sandbox } },
    });
    browser = await launchChromium();
  });
  afterAll(async () => {
    await browser?.close();
    await server?.close();
    await harness?.close();
  });

  it("renders its editor and runs a query with every request to another origin blocked", async () => {
    const origin = new URL(server.url).origin;
    const page = await browser.newPage({ viewport: { width: 1280, height: 800 } });
    const problems = await watchPage(page, origin);
    const query = "query Probe { __typename verificationPolicies { name } }";
    await page.goto(`${server.url}?query=${encodeURIComponent(query)}`);
    await page.locator(".graphiql-container .monaco-editor").first().waitFor();
    await page.locator(".graphiql-execute-button").click();
    await page.locator(".graphiql-response").getByText('"aml_screening"').waitFor();
    await screenshot(page, `graphiql-${backend}`);
    expect(problems).toEqual({ errors: [], foreign: [] });
    await page.close();
  });
});
