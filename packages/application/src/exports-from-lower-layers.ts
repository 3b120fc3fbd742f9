// What of the lower layers appears in use-case signatures and failures (types, the dry-run decisions, the
// database-outage error every use case may throw), so adapters import everything they call from
// `@flowgate/application` and never from `@flowgate/db`.
export {
  type AnalyticsCount,
  DatabaseUnavailableError,
  findDatabaseUnavailableError,
  type IdempotencyClaim,
  type NodeAnalytics,
  type PageRequest,
  type RunListFilter,
  type SessionFilter,
  type VersionAnalytics,
  type WorkflowAnalytics,
} from "@flowgate/db";
export {
  type DryRunGateDecision,
  type DryRunInput,
  type DryRunNodeResult,
  type DryRunResult,
  dryRunGateDecisions,
  type SessionStatusEvent,
} from "@flowgate/engine";
