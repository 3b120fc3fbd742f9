// Types (and the one list) of the lower layers that appear in use-case signatures, so adapters import
// everything they call from `@flowgate/application` and never from `@flowgate/db`.
export type {
  AnalyticsCount,
  NodeAnalytics,
  PageRequest,
  VersionAnalytics,
  WorkflowAnalytics,
} from "@flowgate/db";
export {
  type DryRunGateDecision,
  type DryRunInput,
  type DryRunNodeResult,
  type DryRunResult,
  dryRunGateDecisions,
  type SessionStatusEvent,
} from "@flowgate/engine";
