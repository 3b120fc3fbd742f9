import { flowgateVitestConfig } from "@flowgate/vitest-config";
import { defineConfig } from "vitest/config";

/**
 * Suites that need neither a database nor another process; their results depend only on the sources,
 * so turbo caches them (`test:unit`). Every other suite is `test:integration` and always runs: a new
 * suite is uncached until it is listed here.
 */
const unitSuites = ["test/http-task.test.ts"];

export default defineConfig(
  flowgateVitestConfig({
    test: {
      // Fixtures start their database or harness inside the first test that uses them: a test gets the
      // hooks' budget.
      testTimeout: 60_000,
      hookTimeout: 60_000,
      projects: [
        { extends: true, test: { name: "unit", include: unitSuites } },
        { extends: true, test: { name: "integration", include: ["test/**/*.test.ts"], exclude: unitSuites } },
      ],
    },
  }),
);
