import { BackendPool, type TestBackend } from "@flowgate/db/testing";
import { SmtpEmailSender } from "@flowgate/engine";
import { test as baseTest, type TestAPI } from "vitest";
import { TestSmtpServer } from "./ddq-helpers.ts";
import { type Harness, type HarnessOptions, startHarness } from "./harness.ts";

/** The fixtures of {@link harnessTest}. */
export interface HarnessFixtures {
  /** The backend the test runs on: `pglite` unless the suite sets it with `test.override({ backend })`. */
  backend: TestBackend;
  /** The file's harnesses, one per backend (file-scoped). */
  harnesses: BackendPool<Harness>;
  /** A running gateway + worker on `backend`, shared by the file's tests on that backend. */
  harness: Harness;
}

/**
 * vitest's `test` with a `harness` fixture: the app as `main.ts` builds it, on a fresh test database of
 * the suite's backend, started by the first test that asks and closed when the file ends.
 *
 * ```ts
 * describe.each(testBackends())("viewer (%s)", (backend) => {
 *   test.override({ backend });
 *   test("answers the calling key", async ({ harness: h }) => { … });
 * });
 * ```
 *
 * @param options - How to start the harnesses (settings, logger, email sender).
 */
export function harnessTest(options: HarnessOptions = {}): TestAPI<HarnessFixtures> {
  return baseTest.extend<HarnessFixtures>({
    backend: "pglite",
    harnesses: [
      // biome-ignore lint/correctness/noEmptyPattern: vitest reads a fixture's dependencies from its first parameter.
      async ({}, use) => {
        const pool = new BackendPool((backend) => startHarness(backend, options));
        await use(pool);
        await pool.close();
      },
      { scope: "file" },
    ],
    harness: async ({ backend, harnesses }, use) => {
      await use(await harnesses.get(backend));
    },
  });
}

/** {@link harnessTest} with the default harness. */
export const test = harnessTest();

/** The fixtures of {@link smtpHarnessTest}: a harness whose emails go to a real SMTP server. */
export interface SmtpHarnessFixtures extends HarnessFixtures {
  /** The file's SMTP server (the `smtp-server` package on 127.0.0.1), shared by its harnesses. */
  smtp: TestSmtpServer;
}

/**
 * {@link harnessTest} whose harnesses send email over SMTP to the file's {@link TestSmtpServer} (the
 * `smtp` fixture), as a deployment with `SMTP_URL` does: live sends need a real transport.
 *
 * @param options - How to start the harnesses (settings, logger); the email sender is the SMTP one.
 */
export function smtpHarnessTest(options: Omit<HarnessOptions, "email"> = {}): TestAPI<SmtpHarnessFixtures> {
  return baseTest.extend<SmtpHarnessFixtures>({
    backend: "pglite",
    smtp: [
      // biome-ignore lint/correctness/noEmptyPattern: vitest reads a fixture's dependencies from its first parameter.
      async ({}, use) => {
        const smtp = await TestSmtpServer.start();
        await use(smtp);
        await smtp.close();
      },
      { scope: "file" },
    ],
    harnesses: [
      async ({ smtp }, use) => {
        const pool = new BackendPool((backend) =>
          startHarness(backend, { ...options, email: new SmtpEmailSender({ url: smtp.url }) }),
        );
        await use(pool);
        await pool.close();
      },
      { scope: "file" },
    ],
    harness: async ({ backend, harnesses }, use) => {
      await use(await harnesses.get(backend));
    },
  });
}
