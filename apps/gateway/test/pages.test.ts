import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { testBackends } from "@flowgate/db/testing";
import { checkReadiness } from "@flowgate/engine";
import { describe, expect } from "vitest";
import { type GatewayServer, startGatewayServer } from "../src/server.ts";
import { harnessSettings } from "./harness.ts";
import { test } from "./harness-test.ts";

const html = { accept: "text/html,application/xhtml+xml" };

describe.each(testBackends())("console, recipient page and assets over HTTP (%s)", (backend) => {
  test.override({ backend });

  test("serves the console at / and for its client-side routes, with a self-only CSP", async ({
    harness,
  }) => {
    const origin = new URL(harness.server.url).origin;
    expect(
      harness.server.consoleAvailable,
      "build the console first: pnpm --filter @flowgate/console build",
    ).toBe(true);
    expect(harness.server.consoleUrl).toBe(`${origin}/`);
    for (const path of ["/", "/workflows", "/sessions/ses_123", "/keys"]) {
      const response = await fetch(`${origin}${path}`, { headers: html });
      expect(response.status, path).toBe(200);
      expect(response.headers.get("content-type")).toContain("text/html");
      expect(response.headers.get("content-security-policy")).toContain("default-src 'self'");
      expect(response.headers.get("content-security-policy")).toContain("script-src 'self'");
      expect(response.headers.get("cache-control")).toBe("no-cache");
      const body = await response.text();
      expect(body).toContain("<title>Flowgate console</title>");
      expect(body).not.toMatch(/https?:\/\//);
    }
    const head = await fetch(`${origin}/`, { method: "HEAD", headers: html });
    expect(head.status).toBe(200);
    expect(await head.text()).toBe("");
  });

  test("serves the recipient page at /recipient without sending its URL (and token) as a referrer", async ({
    harness,
  }) => {
    const origin = new URL(harness.server.url).origin;
    const response = await fetch(`${origin}/recipient?token=fgl_example`, { headers: html });
    expect(response.status).toBe(200);
    expect(response.headers.get("referrer-policy")).toBe("no-referrer");
    expect(await response.text()).toContain("Your questionnaire");
  });

  test("serves hashed assets with year-long caching, and nothing outside the bundle", async ({ harness }) => {
    const origin = new URL(harness.server.url).origin;
    const page = await (await fetch(`${origin}/`, { headers: html })).text();
    const assets = [...page.matchAll(/(?:src|href)="(\/assets\/[^"]+)"/g)].map((m) => m[1]!);
    expect(assets.length).toBeGreaterThan(0);
    for (const asset of assets) {
      expect(asset).toMatch(/-[A-Za-z0-9_-]{8}\.(js|css)$/);
      const response = await fetch(`${origin}${asset}`);
      expect(response.status).toBe(200);
      expect(response.headers.get("cache-control")).toBe("public, max-age=31536000, immutable");
    }
    for (const path of [
      "/assets/missing-12345678.js",
      "/assets/..%2Fpackage.json",
      "/assets/../index.html",
    ]) {
      const response = await fetch(`${origin}${path}`);
      expect([404], path).toContain(response.status);
    }
  });

  test("never shadows the API paths", async ({ harness }) => {
    const origin = new URL(harness.server.url).origin;
    const graphql = await harness.gql(harness.acme.keys.sandbox, "{ __typename }");
    expect(graphql.data).toEqual({ __typename: "Query" });
    const recipient = await fetch(`${origin}/recipient/graphql`, {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: JSON.stringify({ query: "{ link { entityName } }" }),
    });
    expect(recipient.status).toBe(401);
    for (const path of [
      "/graphql",
      "/health",
      "/ready",
      "/api/v1/sessions",
      "/hooks/abc",
      "/verify/abc",
      "/recipient/graphql",
    ]) {
      const response = await fetch(`${origin}${path}`, { headers: html });
      expect(await response.text(), path).not.toContain("<title>Flowgate console</title>");
    }
  });

  test("explains, instead of crashing, when the console bundle is missing", async ({ harness }) => {
    const empty = mkdtempSync(join(tmpdir(), "flowgate-no-console-"));
    let server: GatewayServer | undefined;
    try {
      server = await startGatewayServer({
        app: harness.app,
        readiness: () => checkReadiness(harness.database, true),
        queryLimits: harnessSettings.queryLimits,
        port: 0,
        graphiql: false,
        consoleDir: empty,
      });
      expect(server.consoleAvailable).toBe(false);
      const serverOrigin = new URL(server.url).origin;
      for (const path of ["/", "/sessions", "/recipient?token=x"]) {
        const response = await fetch(`${serverOrigin}${path}`, { headers: html });
        expect(response.status).toBe(503);
        expect(await response.text()).toContain("pnpm --filter @flowgate/console build");
      }
      const api = await fetch(server.url, {
        method: "POST",
        headers: { "content-type": "application/json", "x-api-key": harness.acme.keys.sandbox },
        body: JSON.stringify({ query: "{ __typename }" }),
      });
      expect(await api.json()).toEqual({ data: { __typename: "Query" } });
    } finally {
      await server?.close();
      rmSync(empty, { recursive: true, force: true });
    }
  });
});
