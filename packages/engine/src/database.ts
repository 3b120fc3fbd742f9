// Process wiring: the database an engine runs on, opened and migrated by the process that starts it
// (`apps/gateway/src/app.ts`), and how an outage of it shows. Re-exported here so that processes wire the
// runtime from `@flowgate/engine` and adapters never import `@flowgate/db`.
export {
  connectionFailureReason,
  createDatabase,
  type DatabaseAvailability,
  type DatabaseHandle,
  type DatabaseOptions,
  DatabaseUnavailableError,
  findDatabaseUnavailableError,
  migrateToLatest,
} from "@flowgate/db";
