// The application layer: every use case an adapter may call, grouped by feature. Each takes the
// application handle and the actor first, checks the actor's scopes and keeps to its tenant.
export { requireAnyScope, requireScope } from "./access.ts";
export { type Actor, actorOfKey } from "./actor.ts";
export {
  type ApiKeyListFilter,
  type CreateApiKeyInput,
  type CreatedApiKey,
  createApiKey,
  getApiKeysByIds,
  listApiKeys,
  maxRotationGraceSeconds,
  type RotateApiKeyInput,
  revokeApiKey,
  rotateApiKey,
  setApiKeyVersion,
} from "./api-keys/api-keys.ts";
export { type Authentication, authenticateApiKey, type KeyRefusal } from "./api-keys/authentication.ts";
export { type ProvisionedWorkspace, provisionWorkspace, seedDemoWorkspace } from "./api-keys/provisioning.ts";
export { getViewer, type Viewer } from "./api-keys/viewer.ts";
export { Application, type ApplicationOptions, type SendOptions } from "./application.ts";
export {
  type AccessedRecord,
  type AccessLogRow,
  exportAccessLog,
  flushAccessLog,
  getAccessLogOfSessions,
  recordPersonalDataAccess,
} from "./data-protection/access-log.ts";
export {
  type BulkOperation,
  type BulkOperationFailure,
  type BulkSessionFilter,
  bulkRedactSessions,
  getBulkOperation,
  getBulkOperationFailures,
  maxBulkSessionIds,
} from "./data-protection/bulk-redaction.ts";
export {
  type DataExportLink,
  type DownloadRefusal,
  dataExportPath,
  downloadDataExport,
  exportIdentityData,
  exportSessionData,
} from "./data-protection/data-export.ts";
export {
  getLegalHoldsOfSessions,
  type LegalHold,
  placeLegalHold,
  type RedactSessionResult,
  redactSession,
  releaseLegalHold,
} from "./data-protection/redaction.ts";
export {
  downloadReportPdf,
  getReportPdfUrl,
  renderSessionReportPdf,
  reportPath,
} from "./data-protection/report.ts";
export {
  getRetentionPolicy,
  type RetentionOutcome,
  type RetentionPolicy,
  retentionPreview,
  runRetention,
  scheduleRetention,
  setRetentionPolicy,
} from "./data-protection/retention.ts";
export * from "./exports-from-lower-layers.ts";
export * from "./exports-from-lower-layers.ts";
export {
  beginIdempotentRequest,
  finishIdempotentRequest,
  idempotencyInFlightTimeoutMs,
  idempotencyKeyLifetimeMs,
  maxIdempotencyKeyLength,
  requestFingerprint,
} from "./idempotency/idempotency.ts";
export {
  createInboundTrigger,
  getInboundTriggersByIds,
  getInboundTriggersOfWorkflows,
  type InboundTriggerOutcome,
  type InboundTriggerRequest,
  type InboundTriggerWithSecret,
  inboundTriggerUrl,
  listInboundTriggers,
  maxInboundMessageIdLength,
  maxInboundTriggersPerWorkflow,
  receiveInboundTrigger,
  revokeInboundTrigger,
  rotateInboundTriggerSecret,
} from "./inbound-triggers/inbound-triggers.ts";
export {
  autofillResponse,
  getAutofillJob,
  getAutofillJobsByIds,
  listAutofillJobsOfResponsesByIds,
  maxAutofillJobAttempts,
  maxAutofillWaitMs,
  waitForAutofillJob,
} from "./questionnaires/autofill-jobs.ts";
export {
  adjustCredits,
  creditBalance,
  creditLedger,
  grantCredits,
  refundCharge,
} from "./questionnaires/credits.ts";
export { createEntity, getEntitiesByIds, listEntities, updateEntity } from "./questionnaires/entities.ts";
export {
  deleteEntityDocument,
  getDocumentsOfEntities,
  getEntityDocumentContent,
  type UploadedFile,
  uploadEntityDocument,
} from "./questionnaires/entity-documents.ts";
export {
  type CreateQuestionnaireInput,
  createQuestionnaire,
  getQuestionnairesByIds,
  getQuestionnaireVersions,
  listQuestionnaires,
  listVersionsOfQuestionnaire,
  publishQuestionnaireVersion,
  type QuestionnaireVersionKey,
} from "./questionnaires/questionnaires.ts";
export {
  authenticateLink,
  getRecipientQuestionnaireVersions,
  type LinkAuthentication,
  type LinkRefusal,
  LinkRefusedError,
  linkRefusalMessages,
  type RecipientView,
  recipientActor,
  recipientCompleteVerification,
  recipientSaveAnswers,
  recipientSubmit,
  recipientUploadDocument,
  recipientView,
  revokeRecipientSend,
} from "./questionnaires/recipient-links.ts";
export {
  getRecipientSendsByIds,
  type RecipientSendResult,
  sendResponse,
  sendToRecipient,
} from "./questionnaires/recipient-sends.ts";
export {
  getResponsesByIds,
  listEventsOfResponses,
  listResponses,
  type ResponseFilter,
  saveResponse,
  transitionResponse,
} from "./questionnaires/responses.ts";
export { cancelRun, retryRun } from "./runs/run-control.ts";
export { followRunProgress } from "./runs/run-progress.ts";
export {
  getRun,
  getRunsByIds,
  getRunsOfSessions,
  getRunsWithNodeRunsByIds,
  listNodeRunsOfRuns,
  listRunAuditTrail,
  listRunEvents,
  listRuns,
} from "./runs/runs.ts";
export {
  type CreateScheduleInput,
  createSchedule,
  deleteSchedule,
  getSchedulesByIds,
  getSchedulesOfWorkflows,
  listSchedules,
  maxSchedulesPerWorkflow,
  pauseSchedule,
  resumeSchedule,
  type UpdateScheduleInput,
  updateSchedule,
} from "./schedules/schedules.ts";
export {
  type CaptureStep,
  type CaptureView,
  captureContentTypes,
  maxCaptureUploadBytes,
  openCapture,
  simulateCaptureOutcome,
  submitCapture,
  uploadCaptureDocument,
  uploadPolicies,
} from "./sessions/capture.ts";
export {
  getSessionCheck,
  listAttemptsOfSessionChecks,
  listChecksOfSessionRuns,
  listChecksOfSessions,
  retryCheck,
} from "./sessions/session-checks.ts";
export {
  addSessionTag,
  expireSession,
  getSessionAuditTrails,
  listSessionRunHistory,
  removeSessionTag,
  replaceSessionTags,
  reprocessSession,
  resumeSession,
  type UpdateSessionInput,
  updateSession,
} from "./sessions/session-management.ts";
export {
  type ExternalDecisionAccepted,
  submitExternalDecision,
  submitSession,
  triggerWorkflow,
} from "./sessions/session-runs.ts";
export { type SimulationResult, simulateSessionAction } from "./sessions/session-simulation.ts";
export { followSessionStatus } from "./sessions/session-status-stream.ts";
export {
  type CreateSessionInput,
  createSession,
  defaultSessionLifetimeSeconds,
  getRiskAssessmentsOfSessions,
  getSession,
  getSessionsByIds,
  listSessions,
  openSession,
} from "./sessions/sessions.ts";
export {
  createVerificationLink,
  defaultVerificationLinkHours,
  type IssuedVerificationLink,
  listVerificationLinksOfSessionIds,
  resendSessionInvitation,
  revokeVerificationLink,
  type VerificationLinkAccess,
  verificationLinkUrl,
} from "./sessions/verification-links.ts";
export {
  getTriggerPayloadSchemas,
  maxTriggerPayloadBytes,
  setTriggerPayloadSchema,
  type TriggerTaskWorkflowInput,
  taskCostThisMonth,
  triggerTaskWorkflow,
} from "./task-workflows/task-workflows.ts";
export {
  type CreateWebhookEndpointInput,
  createWebhookEndpoint,
  deleteWebhookEndpoint,
  disableWebhookEndpoint,
  enableWebhookEndpoint,
  getWebhookAttempts,
  getWebhookDeliveriesByIds,
  getWebhookDelivery,
  getWebhookEndpoint,
  getWebhookEndpointsByIds,
  listWebhookDeliveriesOf,
  listWebhookEndpoints,
  maxWebhookSecretOverlapSeconds,
  redeliverWebhook,
  rotateWebhookSecret,
  sendTestWebhook,
  type UpdateWebhookEndpointInput,
  updateWebhookEndpoint,
  type WebhookEndpointWithSecret,
} from "./webhooks/webhooks.ts";
export { getVerificationPolicy, listVerificationPolicies } from "./workflows/policy-catalog.ts";
export { maxAnalyticsWindowMs, workflowAnalytics } from "./workflows/workflow-analytics.ts";
export {
  createWorkflowDraft,
  type DraftDiff,
  diffWorkflowDraft,
  discardWorkflowDraft,
  getOpenDraftsOfWorkflows,
  getWorkflowDraftsByIds,
  listWorkflowDrafts,
  type PublishedDraft,
  publishWorkflowDraft,
  updateWorkflowDraft,
  type WorkflowDraftFilter,
} from "./workflows/workflow-drafts.ts";
export { dryRunWorkflow, dryRunWorkflowDraft } from "./workflows/workflow-dry-runs.ts";
export {
  activateWorkflow,
  cloneWorkflow,
  deactivateWorkflow,
  setDefaultWorkflow,
  type UpdateWorkflowInput,
  updateWorkflow,
} from "./workflows/workflow-lifecycle.ts";
export { updateWorkflowRollout } from "./workflows/workflow-rollout.ts";
export {
  type CreateWorkflowInput,
  createWorkflow,
  getWorkflow,
  getWorkflowsByIds,
  listVersionsOfWorkflows,
  listWorkflows,
  type WorkflowFilter,
} from "./workflows/workflows.ts";
export {
  type CreateWorkspaceInput,
  createWorkspace,
  getWorkspacesByIds,
  listWorkspaces,
  type UpdateWorkspaceInput,
  updateWorkspace,
} from "./workspaces/workspaces.ts";
