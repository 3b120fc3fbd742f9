export { AnalyticsCompactor, type AnalyticsCompactorOptions } from "./analytics-compactor.ts";
export { processBulkRedaction } from "./data-protection/bulk-redaction.ts";
export {
  redactSessionData,
  type SessionRedactionOutcome,
} from "./data-protection/redact-session.ts";
export {
  applyRetention,
  ensureRetentionJob,
  type RetentionOutcome,
  retentionJobId,
} from "./data-protection/retention.ts";
export {
  connectionFailureReason,
  createDatabase,
  type DatabaseAvailability,
  type DatabaseHandle,
  type DatabaseOptions,
  DatabaseUnavailableError,
  findDatabaseUnavailableError,
  migrateToLatest,
} from "./database.ts";
export { type InspectedDocument, inspectDocument } from "./documents/inspect-document.ts";
export {
  type DryRunGateDecision,
  type DryRunInput,
  type DryRunNodeResult,
  type DryRunResult,
  type DryRunTarget,
  dryRunGateDecisions,
  dryRunGraph,
  dryRunInputIssues,
} from "./dry-run.ts";
export * from "./email/index.ts";
export { Engine, type EngineOptions } from "./engine.ts";
export {
  type ApiKeyChangedEvent,
  apiKeyChannel,
  type BusMessage,
  type EventBus,
  InProcessEventBus,
  type SessionStatusEvent,
} from "./event-bus.ts";
export {
  type PurgeOptions,
  type PurgeOutcome,
  purgeJobHandler,
  purgeJobKey,
  purgeOldRows,
} from "./maintenance/purge-job.ts";
export * from "./nodes/index.ts";
export { taskExecutionId } from "./nodes/task.node.ts";
export * from "./outbound/index.ts";
export * from "./policy-provider.ts";
export * from "./questionnaires/index.ts";
export * from "./rate-limit/index.ts";
export { checkReadiness, type Readiness } from "./readiness.ts";
export { advanceRun, failRun, retryDelayMs, type StepDeps, type StepOutcome } from "./run-step.ts";
export {
  type ScheduleFireResult,
  ScheduleRunner,
  type ScheduleRunnerOptions,
} from "./schedules/schedule-runner.ts";
export { type StartRunInput, selectRunVersion, startRun } from "./start-run.ts";
export { type RunTaskOptions, runTask } from "./tasks/index.ts";
export * from "./telemetry/index.ts";
export { markSessionExpired } from "./timers.ts";
export { type JobWakeups, PgJobWakeups } from "./transport/job-wakeups.ts";
export { channelName, PgListener, type PgListenerOptions } from "./transport/pg-listener.ts";
export { PostgresEventBus, type PostgresEventBusOptions } from "./transport/postgres-event-bus.ts";
export { RedisEventBus, type RedisEventBusOptions } from "./transport/redis-event-bus.ts";
export { retryWhileUnavailable } from "./transport/retry-while-unavailable.ts";
export { AfterCommit, inTransaction, type UnitOfWorkDeps } from "./unit-of-work.ts";
export * from "./webhooks/index.ts";
export {
  type JobHandler,
  type JobHandlerContext,
  type JobHandlerResult,
  Worker,
  type WorkerOptions,
} from "./worker.ts";
