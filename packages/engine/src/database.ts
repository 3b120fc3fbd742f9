// Process wiring: the database an engine runs on, opened and migrated by the process that starts it
// (`apps/gateway/src/main.ts`). Re-exported here so that processes wire the runtime from `@flowgate/engine`
// and adapters never import `@flowgate/db`.
export { createDatabase, type DatabaseHandle, type DatabaseOptions, migrateToLatest } from "@flowgate/db";
