import { createRequire } from "node:module";
import { flowgateVitestConfig } from "@flowgate/vitest-config";
import { defineConfig } from "vitest/config";

const require = createRequire(import.meta.url);

/**
 * Suites that need neither a database nor another process; their results depend only on the sources,
 * so turbo caches them (`test:unit`). Every other suite is `test:integration` and always runs: a new
 * suite is uncached until it is listed here.
 */
const unitSuites = [
  "test/schema-file.test.ts",
  "test/ddq-recipient-schema-file.test.ts",
  "test/rest-presenters.test.ts",
  "test/process-bundle.test.ts",
];

export default defineConfig(
  flowgateVitestConfig({
    resolve: {
      // graphql 16 ships ESM (.mjs) and CJS (.js) entries; Node loads Pothos and Yoga with the CJS one,
      // so tests must use the same instance or schema objects are "from another realm".
      alias: { graphql: require.resolve("graphql") },
    },
    test: {
      // Fixtures start their database or harness inside the first test that uses them: a test gets the
      // hooks' budget.
      testTimeout: 60_000,
      hookTimeout: 60_000,
      fileParallelism: false,
      projects: [
        { extends: true, test: { name: "unit", include: unitSuites } },
        { extends: true, test: { name: "integration", include: ["test/**/*.test.ts"], exclude: unitSuites } },
      ],
    },
  }),
);
