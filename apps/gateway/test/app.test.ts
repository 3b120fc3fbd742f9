import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { createTestDatabase, type TestBackend, type TestDatabase, testBackends } from "@flowgate/db/testing";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { buildApp } from "../src/app.ts";
import { parseSettings } from "../src/settings.ts";
import { CREATE_WORKFLOW, designExampleGraph } from "./fixtures.ts";

const key = "fg_sandbox_build_app_test";

/**
 * `buildApp` from settings alone, as `main.ts` uses it: PGlite in a data directory, or PostgreSQL from
 * `DATABASE_URL` (with its LISTEN connection and NOTIFY bus).
 */
describe.each(testBackends())("buildApp (%s)", (backend: TestBackend) => {
  let dataDir: string | undefined;
  let t: TestDatabase | undefined;
  let env: Record<string, string>;

  beforeAll(async () => {
    if (backend === "pglite") {
      dataDir = mkdtempSync(join(tmpdir(), "flowgate-app-"));
      env = { FLOWGATE_DATA_DIR: join(dataDir, "pglite") };
    } else {
      // A schema of its own, created (and dropped) by the test database helper; buildApp migrates it again.
      t = await createTestDatabase("postgres");
      env = { DATABASE_URL: t.url!, FLOWGATE_DB_SCHEMA: t.schema! };
    }
    env = { ...env, PORT: "0", FLOWGATE_SEED_API_KEY: key, FLOWGATE_LOG_LEVEL: "silent" };
  });
  afterAll(async () => {
    await t?.close();
    if (dataDir) rmSync(dataDir, { recursive: true, force: true });
  });

  it("seeds the demo key, serves /health, /ready and GraphQL, stops cleanly and starts again on the same data", async () => {
    const app = buildApp(parseSettings(env));
    const started = await app.start();
    try {
      expect(started.demo?.keys.sandbox).toBe(key);
      const base = started.server!.url.replace(/\/graphql$/, "");
      const health = await fetch(`${base}/health`);
      expect(health.status).toBe(200);
      expect(await health.json()).toEqual({ status: "ok" });
      const ready = await fetch(`${base}/ready`);
      expect(ready.status).toBe(200);
      expect(await ready.json()).toEqual({
        status: "ready",
        ready: true,
        database: "ok",
        migrations: "done",
      });
      const created = await fetch(started.server!.url, {
        method: "POST",
        headers: { "content-type": "application/json", "x-api-key": key },
        body: JSON.stringify({
          query: CREATE_WORKFLOW,
          variables: { name: "kyc", graph: designExampleGraph },
        }),
      });
      expect(((await created.json()) as any).data.createWorkflow.__typename).toBe("Workflow");
    } finally {
      await app.stop();
    }
    await expect(fetch(started.server!.url)).rejects.toThrow();

    // Same data: the demo workspace exists, so nothing is seeded and the key still works.
    const again = buildApp(parseSettings(env));
    const restarted = await again.start();
    try {
      expect(restarted.demo).toBeNull();
      const response = await fetch(restarted.server!.url, {
        method: "POST",
        headers: { "content-type": "application/json", "x-api-key": key },
        body: JSON.stringify({ query: "{ workflows { edges { node { name } } } }" }),
      });
      expect(((await response.json()) as any).data.workflows.edges).toEqual([{ node: { name: "kyc" } }]);
    } finally {
      await again.stop();
    }
    // Creating a PGlite data directory takes a while on a busy machine.
  }, 120_000);

  it("runs only the worker in the worker role: no HTTP server", async () => {
    const app = buildApp(parseSettings({ ...env, FLOWGATE_ROLE: "worker" }));
    const started = await app.start();
    try {
      expect(started.server).toBeNull();
      expect(started.demo).toBeNull();
      expect(started.engine.worker).not.toBeNull();
    } finally {
      await app.stop();
    }
  }, 60_000);
});
