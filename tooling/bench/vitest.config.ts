import { flowgateVitestConfig } from "@flowgate/vitest-config";
import { defineConfig } from "vitest/config";

export default defineConfig(
  flowgateVitestConfig({
    test: {
      testTimeout: 180_000,
      hookTimeout: 60_000,
      fileParallelism: false,
    },
  }),
);
