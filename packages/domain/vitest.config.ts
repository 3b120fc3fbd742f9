import { flowgateVitestConfig } from "@flowgate/vitest-config";
import { defineConfig } from "vitest/config";

// Every domain suite is a pure unit test (no database, no process): turbo caches `test:unit`.
export default defineConfig(flowgateVitestConfig());
