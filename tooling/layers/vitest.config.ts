import { flowgateVitestConfig } from "@flowgate/vitest-config";
import { defineConfig } from "vitest/config";

// Reads the repository's files only: a unit suite, cached by turbo until a file it reads changes.
export default defineConfig(flowgateVitestConfig({ test: { testTimeout: 30_000 } }));
