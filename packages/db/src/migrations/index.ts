import type { Migration, MigrationProvider } from "kysely/migration";
import * as initial from "./2026-11-22T00-00_initial.ts";
import * as durableEngine from "./2026-11-22T01-00_durable-engine.ts";
import * as workflowLifecycle from "./2026-11-22T02-00_workflow-lifecycle.ts";
import * as questionnairesAndCredits from "./2026-11-22T03-00_questionnaires-and-credits.ts";
import * as workspaceWorkflows from "./2026-11-22T04-00_workspace-workflows.ts";
import * as nodeStartsAndMonthlySpend from "./2026-11-30T03-00_node-starts-and-monthly-spend.ts";
import * as dataProtection from "./2026-11-30T10-00_data-protection.ts";

/**
 * Every migration, by its dated name. Migrations are frozen in time: add a new file, never edit one.
 * They are imported statically so that migrating needs no file-system scan.
 */
const migrations: Record<string, Migration> = {
  "2026-11-22T00-00_initial": initial,
  "2026-11-22T01-00_durable-engine": durableEngine,
  "2026-11-22T02-00_workflow-lifecycle": workflowLifecycle,
  "2026-11-22T03-00_questionnaires-and-credits": questionnairesAndCredits,
  "2026-11-22T04-00_workspace-workflows": workspaceWorkflows,
  "2026-11-30T03-00_node-starts-and-monthly-spend": nodeStartsAndMonthlySpend,
  "2026-11-30T10-00_data-protection": dataProtection,
};

/** Kysely migration provider over the statically imported migrations. */
export const migrationProvider: MigrationProvider = {
  getMigrations: async () => migrations,
};
