export * from "./data-paths.ts";
export * from "./input-mapping.ts";
export * from "./payload-schema.ts";
export * from "./task-graph-checks.ts";
export * from "./task-url.ts";
export * from "./template.ts";
