import { flowgateVitestConfig } from "@flowgate/vitest-config";
import { defineConfig } from "vitest/config";

// Reads every package's files, which turbo does not hash for this package: `test:integration`, never cached,
// so a new import is always checked.
export default defineConfig(flowgateVitestConfig({ test: { testTimeout: 30_000 } }));
