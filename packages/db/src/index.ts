export {
  createDatabase,
  createDialect,
  type DatabaseHandle,
  type DatabaseOptions,
  migrateToLatest,
} from "./create-database.ts";
export type { Database, Db, Executor } from "./database.ts";
export * from "./repositories/jobs.repository.ts";
export type { PageRequest } from "./repositories/pagination.ts";
export * from "./repositories/runs.repository.ts";
export * from "./repositories/sessions.repository.ts";
export * from "./repositories/tenancy.repository.ts";
export * from "./repositories/workflows.repository.ts";
