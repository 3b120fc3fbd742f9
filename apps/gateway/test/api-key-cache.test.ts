import { type Application, provisionWorkspace } from "@flowgate/application";
import { createTestDatabase, type TestDatabase } from "@flowgate/db/testing";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type App, buildApp } from "../src/app.ts";
import { parseSettings } from "../src/settings.ts";

const databaseUrl = process.env.DATABASE_URL;
const redisUrl = process.env.REDIS_URL;
const buses = [...(databaseUrl ? ["postgres"] : []), ...(databaseUrl && redisUrl ? ["redis"] : [])];

/** POSTs `query` to a gateway with `key`; answers the HTTP status. */
async function status(url: string, key: string): Promise<number> {
  const response = await fetch(url, {
    method: "POST",
    headers: { "content-type": "application/json", "x-api-key": key },
    body: JSON.stringify({ query: "{ sessions(first: 1) { edges { node { id } } } }" }),
  });
  await response.text();
  return response.status;
}

// Two gateway processes' worth of Flowgate (two apps, two pools, two event-bus connections) on one
// PostgreSQL schema: a key revoked through one stops working on the other, although both cache keys.
describe.skipIf(buses.length === 0).each(buses)("API key cache across gateways (%s bus)", (bus) => {
  let database: TestDatabase;
  const apps: App[] = [];
  let application: Application;
  const urls: string[] = [];

  beforeAll(async () => {
    database = await createTestDatabase("postgres");
    for (let i = 0; i < 2; i++) {
      const settings = parseSettings({
        DATABASE_URL: database.url,
        FLOWGATE_DB_SCHEMA: database.schema,
        FLOWGATE_ROLE: "gateway",
        FLOWGATE_EVENT_BUS: bus,
        ...(bus === "redis" ? { REDIS_URL: redisUrl } : {}),
        FLOWGATE_API_KEY_CACHE_MS: "600000",
        PORT: "0",
        FLOWGATE_SEED_DEMO: "false",
        FLOWGATE_LOG_LEVEL: "silent",
      });
      const app = buildApp(settings);
      const { server, application: started } = await app.start();
      if (i === 0) application = started;
      apps.push(app);
      urls.push(server?.url ?? "");
    }
  });
  afterAll(async () => {
    for (const app of apps) await app.stop();
    await database?.close();
  });

  it("a key revoked on one gateway is refused by the other well before the cache would expire", async () => {
    const [first, second] = urls as [string, string];
    const { keys } = await provisionWorkspace(application, {
      organizationName: "Cache",
      workspaceName: "Cache",
    });
    // The second gateway has the key cached (for ten minutes).
    expect(await status(second, keys.sandbox)).toBe(200);
    expect(await status(second, keys.sandbox)).toBe(200);

    const viewer = await fetch(first, {
      method: "POST",
      headers: { "content-type": "application/json", "x-api-key": keys.sandbox },
      body: JSON.stringify({ query: "{ viewer { apiKey { id } } }" }),
    });
    const keyId = ((await viewer.json()) as { data: { viewer: { apiKey: { id: string } } } }).data.viewer
      .apiKey.id;
    const revokedAt = performance.now();
    const revoke = await fetch(first, {
      method: "POST",
      headers: { "content-type": "application/json", "x-api-key": keys.sandbox },
      body: JSON.stringify({ query: `mutation { revokeApiKey(id: "${keyId}") { __typename } }` }),
    });
    expect(revoke.status).toBe(200);
    expect(await status(first, keys.sandbox)).toBe(401);

    let refusedAfterMs: number | undefined;
    while (performance.now() - revokedAt < 30_000) {
      if ((await status(second, keys.sandbox)) === 401) {
        refusedAfterMs = performance.now() - revokedAt;
        break;
      }
      await new Promise((resolve) => setTimeout(resolve, 10));
    }
    console.log(
      `[api-key cache, ${bus} bus] revoked key refused by the other gateway after ${refusedAfterMs?.toFixed(0)} ms`,
    );
    expect(refusedAfterMs).toBeDefined();
  });
});
