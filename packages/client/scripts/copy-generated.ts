// tsc does not copy hand-placed declaration files: put the generated introspection types beside the
// emitted declarations that import them.
import { cpSync } from "node:fs";

cpSync(new URL("../src/generated/", import.meta.url), new URL("../dist/generated/", import.meta.url), {
  recursive: true,
});
