export { requireAnyScope, requireScope } from "./access.ts";
export { type Actor, actorOfKey } from "./actor.ts";
export * from "./api-keys/api-keys.ts";
export * from "./api-keys/authentication.ts";
export * from "./api-keys/provisioning.ts";
export { Application, type ApplicationOptions } from "./application.ts";
export {
  adjustCredits,
  creditBalance,
  creditLedger,
  grantCredits,
  refundCharge,
} from "./questionnaires/credits.ts";
export * from "./questionnaires/entities.ts";
export * from "./questionnaires/questionnaires.ts";
export * from "./questionnaires/recipient-links.ts";
export * from "./questionnaires/recipient-sends.ts";
export {
  type AutofillOutcome,
  autofillResponse,
  saveResponse,
  transitionResponse,
} from "./questionnaires/responses.ts";
export { cancelRun, retryRun } from "./runs/run-control.ts";
export * from "./sessions/session-runs.ts";
export * from "./sessions/sessions.ts";
export * from "./task-workflows/task-workflows.ts";
export * from "./workflows/workflow-lifecycle.ts";
export * from "./workflows/workflows.ts";
export * from "./workspaces/workspaces.ts";
