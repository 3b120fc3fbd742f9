import type { Migration, MigrationProvider } from "kysely/migration";
import * as initial from "./2026-11-22T00-00_initial.ts";
import * as durableEngine from "./2026-11-22T01-00_durable-engine.ts";
import * as workflowLifecycle from "./2026-11-22T02-00_workflow-lifecycle.ts";
import * as questionnairesAndCredits from "./2026-11-22T03-00_questionnaires-and-credits.ts";
import * as workspaceWorkflows from "./2026-11-22T04-00_workspace-workflows.ts";
import * as nodeStartsAndMonthlySpend from "./2026-11-30T03-00_node-starts-and-monthly-spend.ts";
import * as rateLimits from "./2026-11-30T04-00_rate-limits.ts";
import * as webhooks from "./2026-11-30T06-00_webhooks.ts";
import * as idempotencyAndApiVersions from "./2026-11-30T07-00_idempotency-and-api-versions.ts";
import * as runLists from "./2026-11-30T08-00_1-run-lists.ts";
import * as entityDocuments from "./2026-11-30T08-00_2-entity-documents.ts";
import * as sessionManagement from "./2026-11-30T09-00_1-session-management.ts";
import * as sessionChecks from "./2026-11-30T09-00_2-session-checks.ts";
import * as verificationLinks from "./2026-11-30T09-00_3-verification-links.ts";
import * as sessionDocuments from "./2026-11-30T09-00_4-session-documents.ts";
import * as identitiesAndRisk from "./2026-11-30T09-00_5-identities-and-risk.ts";
import * as runsActiveStatusIndex from "./2026-11-30T11-00_runs-active-status-index.ts";
import * as analyticsRollups from "./2026-11-30T12-00_analytics-rollups.ts";
import * as durableSends from "./2026-11-30T16-00_durable-sends.ts";
import * as dataProtection from "./2026-11-30T16-10_data-protection.ts";
import * as schedulesAndInboundTriggers from "./2026-11-30T16-20_schedules-and-inbound-triggers.ts";
import * as autofillJobs from "./2026-11-30T16-30_autofill-jobs.ts";
import * as analyticsHourlySpans from "./2026-11-30T18-10_analytics-hourly-spans.ts";
import * as purgeIndexes from "./2026-12-01T07-00_purge-indexes.ts";

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
  "2026-11-30T04-00_rate-limits": rateLimits,
  "2026-11-30T06-00_webhooks": webhooks,
  "2026-11-30T07-00_idempotency-and-api-versions": idempotencyAndApiVersions,
  "2026-11-30T08-00_1-run-lists": runLists,
  "2026-11-30T08-00_2-entity-documents": entityDocuments,
  "2026-11-30T09-00_1-session-management": sessionManagement,
  "2026-11-30T09-00_2-session-checks": sessionChecks,
  "2026-11-30T09-00_3-verification-links": verificationLinks,
  "2026-11-30T09-00_4-session-documents": sessionDocuments,
  "2026-11-30T09-00_5-identities-and-risk": identitiesAndRisk,
  "2026-11-30T11-00_runs-active-status-index": runsActiveStatusIndex,
  "2026-11-30T12-00_analytics-rollups": analyticsRollups,
  "2026-11-30T16-00_durable-sends": durableSends,
  "2026-11-30T16-10_data-protection": dataProtection,
  "2026-11-30T16-20_schedules-and-inbound-triggers": schedulesAndInboundTriggers,
  "2026-11-30T16-30_autofill-jobs": autofillJobs,
  "2026-11-30T18-10_analytics-hourly-spans": analyticsHourlySpans,
  "2026-12-01T07-00_purge-indexes": purgeIndexes,
};

/** Kysely migration provider over the statically imported migrations. */
export const migrationProvider: MigrationProvider = {
  getMigrations: async () => migrations,
};
