import { BackendPool, createTestDatabase, type TestBackend, type TestDatabase } from "@flowgate/db/testing";
import { Engine } from "@flowgate/engine";
import { test as baseTest, type TestAPI } from "vitest";
import {
  type Actor,
  Application,
  authenticateApiKey,
  type ProvisionedWorkspace,
  provisionWorkspace,
} from "../src/index.ts";

/** An application on a fresh database with two workspaces, and the actors of their keys. */
export interface TestApplication {
  database: TestDatabase;
  engine: Engine;
  app: Application;
  acme: ProvisionedWorkspace;
  /** Acme's sandbox key (all scopes). */
  acmeSandbox: Actor;
  /** Acme's live key (all scopes): same workspace, other environment. */
  acmeLive: Actor;
  /** Another organization's sandbox key (all scopes). */
  other: Actor;
  close(): Promise<void>;
}

/** The actor of a key value, as an adapter gets it. */
export async function actorOf(app: Application, key: string): Promise<Actor> {
  const outcome = await authenticateApiKey(app, key);
  if (!outcome.ok) throw new Error(`key refused: ${outcome.reason}`);
  return outcome.actor;
}

/** Starts an application (with a worker) on `backend`. */
export async function startApplication(backend: TestBackend): Promise<TestApplication> {
  const database = await createTestDatabase(backend);
  const engine = new Engine({ db: database.db, worker: { pollIntervalMs: 50 }, retryBaseMs: 20 });
  await engine.start();
  const app = new Application({ engine });
  const acme = await provisionWorkspace(app, { organizationName: "Acme", workspaceName: "KYC" });
  const other = await provisionWorkspace(app, { organizationName: "Other", workspaceName: "Other" });
  return {
    database,
    engine,
    app,
    acme,
    acmeSandbox: await actorOf(app, acme.keys.sandbox),
    acmeLive: await actorOf(app, acme.keys.live),
    other: await actorOf(app, other.keys.sandbox),
    async close() {
      await engine.stop();
      await database.close();
    },
  };
}

/** document → terminal: a run that completes on its own in the sandbox. */
export const oneCheckGraph = {
  entry: "start",
  nodes: [
    { id: "start", type: "start", next: "document" },
    { id: "document", type: "policy", policy: "document", routes: { pass: "approved", fail: "rejected" } },
    { id: "approved", type: "terminal", outcome: "approved" },
    { id: "rejected", type: "terminal", outcome: "rejected" },
  ],
};

/** The fixtures of {@link test}. */
export interface ApplicationFixtures {
  /** The backend the test runs on: `pglite` unless the suite sets it with `test.override({ backend })`. */
  backend: TestBackend;
  /** The file's applications, one per backend (file-scoped). */
  applications: BackendPool<TestApplication>;
  /** An application (with a worker) on `backend`, shared by the file's tests on that backend. */
  application: TestApplication;
}

/**
 * vitest's `test` with an `application` fixture ({@link startApplication}), started by the first test
 * that asks on each backend and closed when the file ends.
 */
export const test: TestAPI<ApplicationFixtures> = baseTest.extend<ApplicationFixtures>({
  backend: "pglite",
  applications: [
    // biome-ignore lint/correctness/noEmptyPattern: vitest reads a fixture's dependencies from its first parameter.
    async ({}, use) => {
      const pool = new BackendPool(startApplication);
      await use(pool);
      await pool.close();
    },
    { scope: "file" },
  ],
  application: async ({ backend, applications }, use) => {
    await use(await applications.get(backend));
  },
});
