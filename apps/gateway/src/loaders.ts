import {
  type Actor,
  type Application,
  getApiKeysByIds,
  getInboundTriggersByIds,
  getInboundTriggersOfWorkflows,
  getOpenDraftsOfWorkflows,
  getRiskAssessmentsOfSessions,
  getRunsByIds,
  getRunsOfSessions,
  getRunsWithNodeRunsByIds,
  getSchedulesByIds,
  getSchedulesOfWorkflows,
  getSessionAuditTrails,
  getSessionsByIds,
  getTriggerPayloadSchemas,
  getWebhookAttempts,
  getWebhookDeliveriesByIds,
  getWebhookEndpointsByIds,
  getWorkflowDraftsByIds,
  getWorkflowsByIds,
  getWorkspacesByIds,
  listAttemptsOfSessionChecks,
  listChecksOfSessionRuns,
  listChecksOfSessions,
  listNodeRunsOfRuns,
  listVerificationLinksOfSessionIds,
  listVersionsOfWorkflows,
} from "@flowgate/application";
import DataLoader from "dataloader";
import type { Loaders } from "./context.ts";
import { createDdqLoaders } from "./ddq-loaders.ts";

/**
 * Builds the request's loaders over the application's batch reads, so a query's lookups of one kind become
 * one read; each read checks the actor's scopes and keeps to its tenant.
 */
export function createLoaders(app: Application, actor: Actor): Loaders {
  const loaders: Loaders = {
    workflow: new DataLoader((ids) => getWorkflowsByIds(app, actor, ids)),
    session: new DataLoader((ids) => getSessionsByIds(app, actor, ids)),
    run: new DataLoader((ids) => getRunsByIds(app, actor, ids)),
    runOfSession: new DataLoader((sessionIds) => getRunsOfSessions(app, actor, sessionIds)),
    sessionAudit: new DataLoader((sessionIds) => getSessionAuditTrails(app, actor, sessionIds)),
    checksOfSession: new DataLoader((sessionIds) => listChecksOfSessions(app, actor, sessionIds)),
    checksOfRun: new DataLoader((runIds) => listChecksOfSessionRuns(app, actor, runIds)),
    verificationLinks: new DataLoader((sessionIds) =>
      listVerificationLinksOfSessionIds(app, actor, sessionIds),
    ),
    riskAssessment: new DataLoader((sessionIds) => getRiskAssessmentsOfSessions(app, actor, sessionIds)),
    checkAttempts: new DataLoader((checkIds) => listAttemptsOfSessionChecks(app, actor, checkIds)),
    nodeRuns: new DataLoader((runIds) => listNodeRunsOfRuns(app, actor, runIds)),
    runWithNodeRuns: new DataLoader(async (ids) => {
      const found = await getRunsWithNodeRunsByIds(app, actor, ids);
      ids.forEach((id, i) => {
        const one = found[i];
        loaders.run.prime(id, one?.run);
        if (one) loaders.nodeRuns.prime(id, one.nodeRuns);
      });
      return found;
    }),
    workflowDraft: new DataLoader((ids) => getWorkflowDraftsByIds(app, actor, ids)),
    openWorkflowDraft: new DataLoader((workflowIds) => getOpenDraftsOfWorkflows(app, actor, workflowIds)),
    workflowVersions: new DataLoader((workflowIds) => listVersionsOfWorkflows(app, actor, workflowIds)),
    workspace: new DataLoader((ids) => getWorkspacesByIds(app, actor, ids)),
    apiKey: new DataLoader((ids) => getApiKeysByIds(app, actor, ids)),
    workflowPayloadSchema: new DataLoader((workflowIds) => getTriggerPayloadSchemas(app, actor, workflowIds)),
    ddq: createDdqLoaders(app, actor),
    webhookEndpoint: new DataLoader((ids) => getWebhookEndpointsByIds(app, actor, ids)),
    webhookDelivery: new DataLoader((ids) => getWebhookDeliveriesByIds(app, actor, ids)),
    webhookAttempts: new DataLoader((ids) => getWebhookAttempts(app, actor, ids)),
    schedule: new DataLoader((ids) => getSchedulesByIds(app, actor, ids)),
    schedulesOfWorkflow: new DataLoader((workflowIds) => getSchedulesOfWorkflows(app, actor, workflowIds)),
    inboundTrigger: new DataLoader((ids) => getInboundTriggersByIds(app, actor, ids)),
    inboundTriggersOfWorkflow: new DataLoader((workflowIds) =>
      getInboundTriggersOfWorkflows(app, actor, workflowIds),
    ),
  };
  return loaders;
}
