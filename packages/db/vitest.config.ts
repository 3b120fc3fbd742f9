import { flowgateVitestConfig } from "@flowgate/vitest-config";
import { defineConfig } from "vitest/config";

// Every db suite runs on a database (PGlite, and PostgreSQL with DATABASE_URL): `test:integration`,
// never cached.
export default defineConfig(
  flowgateVitestConfig({
    // Fixtures start their database inside the first test that uses them: a test gets the hooks' budget.
    test: { testTimeout: 60_000, hookTimeout: 60_000 },
  }),
);
