export { type BackoffBounds, backoffDelay } from "./backoff.ts";
export {
  createDatabase,
  createDialect,
  type DatabaseHandle,
  type DatabaseOptions,
  loadPg,
  migrateToLatest,
} from "./create-database.ts";
export type { Database, Db, Executor } from "./database.ts";
export {
  type AvailabilityChange,
  DatabaseAvailability,
  type DatabaseAvailabilityOptions,
} from "./database-availability.ts";
export {
  asDatabaseUnavailable,
  connectionFailureReason,
  DatabaseUnavailableError,
  type DatabaseUnavailableReason,
  findDatabaseUnavailableError,
  isDatabaseUnavailableError,
} from "./database-unavailable.ts";
export * from "./repositories/access-log.repository.ts";
export * from "./repositories/api-keys.repository.ts";
export * from "./repositories/autofill-jobs.repository.ts";
export * from "./repositories/budgets.repository.ts";
export * from "./repositories/bulk-operations.repository.ts";
export * from "./repositories/credits.repository.ts";
export * from "./repositories/data-exports.repository.ts";
export * from "./repositories/email-outbox.repository.ts";
export * from "./repositories/email-sends.repository.ts";
export * from "./repositories/entities.repository.ts";
export * from "./repositories/entity-documents.repository.ts";
export * from "./repositories/idempotency-keys.repository.ts";
export * from "./repositories/inbound-triggers.repository.ts";
export * from "./repositories/jobs.repository.ts";
export * from "./repositories/legal-holds.repository.ts";
export * from "./repositories/node-costs.repository.ts";
export type { PageRequest } from "./repositories/pagination.ts";
export * from "./repositories/personal-data.repository.ts";
export * from "./repositories/questionnaires.repository.ts";
export * from "./repositories/rate-limits.repository.ts";
export * from "./repositories/recipient-sends.repository.ts";
export * from "./repositories/responses.repository.ts";
export * from "./repositories/retention.repository.ts";
export * from "./repositories/run-signals.repository.ts";
export * from "./repositories/runs.repository.ts";
export * from "./repositories/schedules.repository.ts";
export * from "./repositories/session-checks.repository.ts";
export * from "./repositories/session-documents.repository.ts";
export * from "./repositories/sessions.repository.ts";
export * from "./repositories/verification-links.repository.ts";
export * from "./repositories/webhooks.repository.ts";
export * from "./repositories/workflow-analytics.repository.ts";
export * from "./repositories/workflow-drafts.repository.ts";
export * from "./repositories/workflow-payload-schemas.repository.ts";
export * from "./repositories/workflows.repository.ts";
export * from "./repositories/workspaces.repository.ts";
