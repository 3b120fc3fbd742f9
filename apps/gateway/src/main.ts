import { enableCompileCache } from "node:module";
import { pathToFileURL } from "node:url";
import { freshBundle } from "./bundle/process-bundle.ts";

// Node keeps the compiled code of every module it loads in a cache directory (the OS's temporary
// directory unless NODE_COMPILE_CACHE says otherwise), so a restart skips compiling GraphQL, Pothos, Yoga,
// PGlite and Flowgate's own modules again. It must be on before they load, hence the dynamic import.
enableCompileCache();
// The process bundle (`pnpm --filter @flowgate/gateway bundle`; `tooling/flowgate start` builds it) when it
// was built from the sources as they are now: a few files instead of ~1,500 modules to resolve and load.
const bundle = freshBundle();
await (bundle ? import(pathToFileURL(bundle).href) : import("./flowgate-process.ts"));
