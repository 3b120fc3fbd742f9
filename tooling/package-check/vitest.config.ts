import { defineConfig } from "vitest/config";

// No `source` condition here: the suite checks the built packages as a consumer sees them.
export default defineConfig({ test: { testTimeout: 120_000 } });
