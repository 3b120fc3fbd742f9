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
import { lazyLoaders } from "./lazy-loaders.ts";

/**
 * Builds the request's loaders over the application's batch reads, so a query's lookups of one kind become
 * one read; each read checks the actor's scopes and keeps to its tenant. Each loader is built at its first
 * use (see {@link lazyLoaders}).
 */
export const createLoaders: (app: Application, actor: Actor) => Loaders = lazyLoaders<Loaders>({
  workflow: (app, actor) => new DataLoader((ids) => getWorkflowsByIds(app, actor, ids)),
  session: (app, actor) => new DataLoader((ids) => getSessionsByIds(app, actor, ids)),
  run: (app, actor) => new DataLoader((ids) => getRunsByIds(app, actor, ids)),
  runOfSession: (app, actor) => new DataLoader((sessionIds) => getRunsOfSessions(app, actor, sessionIds)),
  sessionAudit: (app, actor) => new DataLoader((sessionIds) => getSessionAuditTrails(app, actor, sessionIds)),
  checksOfSession: (app, actor) =>
    new DataLoader((sessionIds) => listChecksOfSessions(app, actor, sessionIds)),
  checksOfRun: (app, actor) => new DataLoader((runIds) => listChecksOfSessionRuns(app, actor, runIds)),
  verificationLinks: (app, actor) =>
    new DataLoader((sessionIds) => listVerificationLinksOfSessionIds(app, actor, sessionIds)),
  riskAssessment: (app, actor) =>
    new DataLoader((sessionIds) => getRiskAssessmentsOfSessions(app, actor, sessionIds)),
  checkAttempts: (app, actor) =>
    new DataLoader((checkIds) => listAttemptsOfSessionChecks(app, actor, checkIds)),
  nodeRuns: (app, actor) => new DataLoader((runIds) => listNodeRunsOfRuns(app, actor, runIds)),
  runWithNodeRuns: (app, actor, loaders) =>
    new DataLoader(async (ids) => {
      const found = await getRunsWithNodeRunsByIds(app, actor, ids);
      ids.forEach((id, i) => {
        const one = found[i];
        loaders.run.prime(id, one?.run);
        if (one) loaders.nodeRuns.prime(id, one.nodeRuns);
      });
      return found;
    }),
  workflowDraft: (app, actor) => new DataLoader((ids) => getWorkflowDraftsByIds(app, actor, ids)),
  openWorkflowDraft: (app, actor) =>
    new DataLoader((workflowIds) => getOpenDraftsOfWorkflows(app, actor, workflowIds)),
  workflowVersions: (app, actor) =>
    new DataLoader((workflowIds) => listVersionsOfWorkflows(app, actor, workflowIds)),
  workspace: (app, actor) => new DataLoader((ids) => getWorkspacesByIds(app, actor, ids)),
  apiKey: (app, actor) => new DataLoader((ids) => getApiKeysByIds(app, actor, ids)),
  workflowPayloadSchema: (app, actor) =>
    new DataLoader((workflowIds) => getTriggerPayloadSchemas(app, actor, workflowIds)),
  ddq: (app, actor) => createDdqLoaders(app, actor),
  webhookEndpoint: (app, actor) => new DataLoader((ids) => getWebhookEndpointsByIds(app, actor, ids)),
  webhookDelivery: (app, actor) => new DataLoader((ids) => getWebhookDeliveriesByIds(app, actor, ids)),
  webhookAttempts: (app, actor) => new DataLoader((ids) => getWebhookAttempts(app, actor, ids)),
  schedule: (app, actor) => new DataLoader((ids) => getSchedulesByIds(app, actor, ids)),
  schedulesOfWorkflow: (app, actor) =>
    new DataLoader((workflowIds) => getSchedulesOfWorkflows(app, actor, workflowIds)),
  inboundTrigger: (app, actor) => new DataLoader((ids) => getInboundTriggersByIds(app, actor, ids)),
  inboundTriggersOfWorkflow: (app, actor) =>
    new DataLoader((workflowIds) => getInboundTriggersOfWorkflows(app, actor, workflowIds)),
});
