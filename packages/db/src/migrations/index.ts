import type { Migration, MigrationProvider } from "kysely/migration";
import * as initial from "./2026-11-22T00-00_initial.ts";

/**
 * Every migration, by its dated name. Migrations are frozen in time: add a new file, never edit one.
 * They are imported statically so that migrating needs no file-system scan.
 */
const migrations: Record<string, Migration> = {
  "2026-11-22T00-00_initial": initial,
};

/** Kysely migration provider over the statically imported migrations. */
export const migrationProvider: MigrationProvider = {
  getMigrations: async () => migrations,
};
