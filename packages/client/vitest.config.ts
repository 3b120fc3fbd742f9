import { flowgateVitestConfig } from "@flowgate/vitest-config";
import { defineConfig } from "vitest/config";

/** The client's only suite checks the generated types against the schema: pure, so turbo caches it. */
export default defineConfig(flowgateVitestConfig({ test: { testTimeout: 60_000 } }));
