import { createRequire } from "node:module";
import { defineConfig } from "vitest/config";

const require = createRequire(import.meta.url);

export default defineConfig({
  resolve: {
    // graphql 16 ships ESM (.mjs) and CJS (.js) entries; Node loads Pothos and Yoga with the CJS one,
    // so tests must use the same instance or schema objects are "from another realm".
    alias: { graphql: require.resolve("graphql") },
  },
  test: {
    testTimeout: 30_000,
    hookTimeout: 60_000,
    fileParallelism: false,
  },
});
