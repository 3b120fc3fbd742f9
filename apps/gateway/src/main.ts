import { enableCompileCache } from "node:module";

// Node keeps the compiled code of every module it loads in a cache directory (the OS's temporary
// directory unless NODE_COMPILE_CACHE says otherwise), so a restart skips compiling GraphQL, Pothos, Yoga,
// PGlite and Flowgate's own modules again. It must be on before they load, hence the dynamic import.
enableCompileCache();
await import("./flowgate-process.ts");
