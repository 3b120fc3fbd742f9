import type { TestAPI } from "vitest";
import { createTestDatabase, type TestBackend, type TestDatabase } from "./index.ts";

/**
 * One resource per backend for the test file: started on first use, shared by the file's tests on that
 * backend, closed (in the order they were started) when the file ends.
 */
export class BackendPool<T extends { close(): Promise<void> }> {
  readonly #start: (backend: TestBackend) => Promise<T>;
  readonly #started = new Map<TestBackend, Promise<T>>();

  /** @param start - Starts the resource on a backend. */
  constructor(start: (backend: TestBackend) => Promise<T>) {
    this.#start = start;
  }

  /** The resource of `backend`, started on the first call. */
  get(backend: TestBackend): Promise<T> {
    let started = this.#started.get(backend);
    if (!started) {
      started = this.#start(backend);
      this.#started.set(backend, started);
    }
    return started;
  }

  /** Closes every started resource. */
  async close(): Promise<void> {
    const started = [...this.#started.values()];
    this.#started.clear();
    for (const resource of await Promise.allSettled(started)) {
      if (resource.status === "fulfilled") await resource.value.close();
    }
  }
}

const memo = new WeakMap<object, Map<unknown, Promise<unknown>>>();

/**
 * Runs `setup` once per `owner` (a test database, a harness) and answers its result to every later call:
 * the rows a file's tests share, seeded on the first test that asks on each backend.
 *
 * @example
 * const test = databaseTest.extend("acme", async ({ database }) => once(database, seedAcme));
 */
export function once<O extends object, T>(owner: O, setup: (owner: O) => Promise<T>): Promise<T> {
  let byOwner = memo.get(owner);
  if (!byOwner) {
    byOwner = new Map();
    memo.set(owner, byOwner);
  }
  let result = byOwner.get(setup) as Promise<T> | undefined;
  if (!result) {
    result = setup(owner);
    byOwner.set(setup, result);
  }
  return result;
}

/** The fixtures {@link withDatabase} adds. */
export interface DatabaseFixtures {
  /** The backend the test runs on: `pglite` unless a suite sets it with `test.override({ backend })`. */
  backend: TestBackend;
  /** The file's test databases, one per backend (file-scoped). */
  databases: BackendPool<TestDatabase>;
  /** A migrated test database on `backend`, shared by the file's tests on that backend. */
  database: TestDatabase;
}

/**
 * Adds the {@link DatabaseFixtures} to vitest's `test`, so a suite reads
 *
 * ```ts
 * const test = withDatabase(baseTest);
 * describe.each(testBackends())("repositories (%s)", (backend) => {
 *   test.override({ backend });
 *   test("finds a run", async ({ database }) => { … });
 * });
 * ```
 *
 * instead of a `beforeAll`/`afterAll` pair per file. Takes `test` as an argument (rather than importing
 * vitest) so that this module loads outside a test run too.
 */
export function withDatabase(test: TestAPI): TestAPI<DatabaseFixtures> {
  return test.extend<DatabaseFixtures>({
    backend: "pglite",
    databases: [
      // biome-ignore lint/correctness/noEmptyPattern: vitest reads a fixture's dependencies from its first parameter.
      async ({}, use) => {
        const pool = new BackendPool(createTestDatabase);
        await use(pool);
        await pool.close();
      },
      { scope: "file" },
    ],
    database: async ({ backend, databases }, use) => {
      await use(await databases.get(backend));
    },
  });
}
