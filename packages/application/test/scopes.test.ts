import { testBackends } from "@flowgate/db/testing";
import { type ApiKeyScope, MissingScopeError } from "@flowgate/domain";
import { describe, expect } from "vitest";
import type { Actor, Application } from "../src/index.ts";
import * as app from "../src/index.ts";
import { oneCheckGraph, test } from "./fixtures.ts";

type UseCaseCall = (application: Application, actor: Actor) => unknown;

const page = { limit: 10 };
const id = "wfl_0000000000000000000000";

/** Every use case an adapter may call with an actor, with the scope(s) of which it needs one. */
const useCases: [string, readonly ApiKeyScope[], UseCaseCall][] = [
  [
    "createWorkflow",
    ["workflows:write"],
    (a, x) => app.createWorkflow(a, x, { name: "w", graph: oneCheckGraph }),
  ],
  ["getWorkflow", ["workflows:read"], (a, x) => app.getWorkflow(a, x, id)],
  ["getWorkflowsByIds", ["workflows:read"], (a, x) => app.getWorkflowsByIds(a, x, [id])],
  ["listWorkflows", ["workflows:read"], (a, x) => app.listWorkflows(a, x, page)],
  ["listVersionsOfWorkflows", ["workflows:read"], (a, x) => app.listVersionsOfWorkflows(a, x, [id])],
  ["updateWorkflow", ["workflows:write"], (a, x) => app.updateWorkflow(a, x, { workflowId: id, name: "n" })],
  ["cloneWorkflow", ["workflows:write"], (a, x) => app.cloneWorkflow(a, x, { workflowId: id })],
  ["setDefaultWorkflow", ["workflows:write"], (a, x) => app.setDefaultWorkflow(a, x, { workflowId: id })],
  ["deactivateWorkflow", ["workflows:write"], (a, x) => app.deactivateWorkflow(a, x, { workflowId: id })],
  ["activateWorkflow", ["workflows:write"], (a, x) => app.activateWorkflow(a, x, { workflowId: id })],
  ["createWorkflowDraft", ["workflows:write"], (a, x) => app.createWorkflowDraft(a, x, { workflowId: id })],
  [
    "updateWorkflowDraft",
    ["workflows:write"],
    (a, x) => app.updateWorkflowDraft(a, x, { draftId: id, graph: {} }),
  ],
  ["discardWorkflowDraft", ["workflows:write"], (a, x) => app.discardWorkflowDraft(a, x, { draftId: id })],
  ["publishWorkflowDraft", ["workflows:write"], (a, x) => app.publishWorkflowDraft(a, x, { draftId: id })],
  ["getWorkflowDraftsByIds", ["workflows:read"], (a, x) => app.getWorkflowDraftsByIds(a, x, [id])],
  ["getOpenDraftsOfWorkflows", ["workflows:read"], (a, x) => app.getOpenDraftsOfWorkflows(a, x, [id])],
  ["listWorkflowDrafts", ["workflows:read"], (a, x) => app.listWorkflowDrafts(a, x, page)],
  ["diffWorkflowDraft", ["workflows:read"], (a, x) => app.diffWorkflowDraft(a, x, { draftId: id })],
  [
    "updateWorkflowRollout",
    ["workflows:write"],
    (a, x) => app.updateWorkflowRollout(a, x, { workflowId: id, entries: [] }),
  ],
  ["dryRunWorkflow", ["workflows:read"], (a, x) => app.dryRunWorkflow(a, x, { workflowId: id, input: {} })],
  [
    "dryRunWorkflowDraft",
    ["workflows:read"],
    (a, x) => app.dryRunWorkflowDraft(a, x, { draftId: id, input: {} }),
  ],
  [
    "workflowAnalytics",
    ["workflows:read"],
    (a, x) => app.workflowAnalytics(a, x, { workflowId: id, from: new Date(0), to: new Date(1) }),
  ],
  ["listVerificationPolicies", ["workflows:read"], (_a, x) => app.listVerificationPolicies(x)],
  ["getVerificationPolicy", ["workflows:read"], (_a, x) => app.getVerificationPolicy(x, "document")],
  ["createSession", ["sessions:write"], (a, x) => app.createSession(a, x, {})],
  ["getSession", ["sessions:read"], (a, x) => app.getSession(a, x, id)],
  ["getSessionsByIds", ["sessions:read"], (a, x) => app.getSessionsByIds(a, x, [id])],
  ["listSessions", ["sessions:read"], (a, x) => app.listSessions(a, x, page)],
  ["submitSession", ["sessions:write"], (a, x) => app.submitSession(a, x, { sessionId: id })],
  [
    "triggerWorkflow",
    ["workflows:trigger"],
    (a, x) => app.triggerWorkflow(a, x, { workflowId: id, sessionId: id }),
  ],
  [
    "submitExternalDecision",
    ["sessions:write"],
    (a, x) => app.submitExternalDecision(a, x, { sessionId: id, decision: "continue" }),
  ],
  ["followSessionStatus", ["sessions:read"], (a, x) => app.followSessionStatus(a, x, id)],
  ["updateSession", ["sessions:write"], (a, x) => app.updateSession(a, x, { id, referenceId: "r" })],
  ["addSessionTag", ["sessions:write"], (a, x) => app.addSessionTag(a, x, { sessionId: id, tag: "t" })],
  ["removeSessionTag", ["sessions:write"], (a, x) => app.removeSessionTag(a, x, { sessionId: id, tag: "t" })],
  [
    "replaceSessionTags",
    ["sessions:write"],
    (a, x) => app.replaceSessionTags(a, x, { sessionId: id, tags: [] }),
  ],
  ["expireSession", ["sessions:write"], (a, x) => app.expireSession(a, x, { id })],
  ["resumeSession", ["sessions:write"], (a, x) => app.resumeSession(a, x, { id })],
  ["reprocessSession", ["workflows:trigger"], (a, x) => app.reprocessSession(a, x, { id })],
  ["getSessionAuditTrails", ["sessions:read"], (a, x) => app.getSessionAuditTrails(a, x, [id])],
  ["listSessionRunHistory", ["sessions:read"], (a, x) => app.listSessionRunHistory(a, x, id)],
  ["listChecksOfSessions", ["sessions:read"], (a, x) => app.listChecksOfSessions(a, x, [id])],
  ["listChecksOfSessionRuns", ["sessions:read"], (a, x) => app.listChecksOfSessionRuns(a, x, [id])],
  ["listAttemptsOfSessionChecks", ["sessions:read"], (a, x) => app.listAttemptsOfSessionChecks(a, x, [id])],
  ["getSessionCheck", ["sessions:read"], (a, x) => app.getSessionCheck(a, x, id)],
  ["retryCheck", ["workflows:trigger"], (a, x) => app.retryCheck(a, x, { checkId: id })],
  [
    "createVerificationLink",
    ["sessions:write"],
    (a, x) => app.createVerificationLink(a, x, { sessionId: id }),
  ],
  ["revokeVerificationLink", ["sessions:write"], (a, x) => app.revokeVerificationLink(a, x, { id })],
  [
    "listVerificationLinksOfSessionIds",
    ["sessions:read"],
    (a, x) => app.listVerificationLinksOfSessionIds(a, x, [id]),
  ],
  [
    "resendSessionInvitation",
    ["sessions:write"],
    (a, x) => app.resendSessionInvitation(a, x, { sessionId: id, email: "a@example.com" }),
  ],
  [
    "simulateSessionAction",
    ["sessions:write"],
    (a, x) => app.simulateSessionAction(a, x, { sessionId: id, action: "expire" }),
  ],
  ["getRiskAssessmentsOfSessions", ["sessions:read"], (a, x) => app.getRiskAssessmentsOfSessions(a, x, [id])],
  ["getRun", ["sessions:read", "workflows:read"], (a, x) => app.getRun(a, x, id)],
  ["getRunsByIds", ["sessions:read", "workflows:read"], (a, x) => app.getRunsByIds(a, x, [id])],
  ["getRunsOfSessions", ["sessions:read", "workflows:read"], (a, x) => app.getRunsOfSessions(a, x, [id])],
  ["listNodeRunsOfRuns", ["sessions:read", "workflows:read"], (a, x) => app.listNodeRunsOfRuns(a, x, [id])],
  [
    "getRunsWithNodeRunsByIds",
    ["sessions:read", "workflows:read"],
    (a, x) => app.getRunsWithNodeRunsByIds(a, x, [id]),
  ],
  ["listRuns", ["sessions:read", "workflows:read"], (a, x) => app.listRuns(a, x, page)],
  [
    "uploadEntityDocument",
    ["entities:write"],
    (a, x) =>
      app.uploadEntityDocument(a, x, { entityId: id, file: { filename: "a.txt", bytes: new Uint8Array(1) } }),
  ],
  ["getDocumentsOfEntities", ["entities:read"], (a, x) => app.getDocumentsOfEntities(a, x, [id])],
  ["getEntityDocumentContent", ["entities:read"], (a, x) => app.getEntityDocumentContent(a, x, id)],
  ["deleteEntityDocument", ["entities:write"], (a, x) => app.deleteEntityDocument(a, x, { documentId: id })],
  [
    "listRunEvents",
    ["sessions:read", "workflows:read"],
    (a, x) => app.listRunEvents(a, x, { runId: id, afterSeq: 0 }),
  ],
  ["listRunAuditTrail", ["sessions:read", "workflows:read"], (a, x) => app.listRunAuditTrail(a, x, id)],
  [
    "followRunProgress",
    ["sessions:read", "workflows:read"],
    (a, x) => app.followRunProgress(a, x, { runId: id, afterSeq: 0 }),
  ],
  ["cancelRun", ["workflows:trigger"], (a, x) => app.cancelRun(a, x, { runId: id })],
  ["retryRun", ["workflows:trigger"], (a, x) => app.retryRun(a, x, { runId: id, fromNode: "start" })],
  [
    "triggerTaskWorkflow",
    ["workflows:trigger"],
    (a, x) => app.triggerTaskWorkflow(a, x, { workspaceId: x.workspaceId, workflowId: id }),
  ],
  [
    "setTriggerPayloadSchema",
    ["workflows:write"],
    (a, x) => app.setTriggerPayloadSchema(a, x, { workflowId: id, payloadSchema: null }),
  ],
  ["getTriggerPayloadSchemas", ["workflows:read"], (a, x) => app.getTriggerPayloadSchemas(a, x, [id])],
  ["taskCostThisMonth", ["admin"], (a, x) => app.taskCostThisMonth(a, x, { workspaceId: x.workspaceId })],
  ["createWorkspace", ["admin"], (a, x) => app.createWorkspace(a, x, { name: "w" })],
  ["updateWorkspace", ["admin"], (a, x) => app.updateWorkspace(a, x, { id: x.workspaceId, name: "w" })],
  ["getWorkspacesByIds", ["admin"], (a, x) => app.getWorkspacesByIds(a, x, [x.workspaceId])],
  ["listWorkspaces", ["admin"], (a, x) => app.listWorkspaces(a, x, page)],
  [
    "createApiKey",
    ["admin"],
    (a, x) =>
      app.createApiKey(a, x, {
        workspaceId: x.workspaceId,
        environment: "sandbox",
        name: "k",
        scopes: ["admin"],
      }),
  ],
  ["revokeApiKey", ["admin"], (a, x) => app.revokeApiKey(a, x, { id: x.keyId })],
  ["rotateApiKey", ["admin"], (a, x) => app.rotateApiKey(a, x, { id: x.keyId })],
  ["getApiKeysByIds", ["admin"], (a, x) => app.getApiKeysByIds(a, x, [x.keyId])],
  ["listApiKeys", ["admin"], (a, x) => app.listApiKeys(a, x, { workspaceId: x.workspaceId }, page)],
  ["createEntity", ["entities:write"], (a, x) => app.createEntity(a, x, { legalName: "Acme" })],
  ["updateEntity", ["entities:write"], (a, x) => app.updateEntity(a, x, { id, legalName: "Acme" })],
  ["getEntitiesByIds", ["entities:read"], (a, x) => app.getEntitiesByIds(a, x, [id])],
  ["listEntities", ["entities:read"], (a, x) => app.listEntities(a, x, page)],
  [
    "createQuestionnaire",
    ["questionnaires:write"],
    (a, x) => app.createQuestionnaire(a, x, { name: "q", sections: [] }),
  ],
  [
    "publishQuestionnaireVersion",
    ["questionnaires:write"],
    (a, x) => app.publishQuestionnaireVersion(a, x, { questionnaireId: id, sections: [] }),
  ],
  ["getQuestionnairesByIds", ["questionnaires:read"], (a, x) => app.getQuestionnairesByIds(a, x, [id])],
  ["listQuestionnaires", ["questionnaires:read"], (a, x) => app.listQuestionnaires(a, x, page)],
  [
    "listVersionsOfQuestionnaire",
    ["questionnaires:read"],
    (a, x) => app.listVersionsOfQuestionnaire(a, x, id),
  ],
  [
    "getQuestionnaireVersions",
    ["questionnaires:read", "responses:read"],
    (a, x) => app.getQuestionnaireVersions(a, x, [{ questionnaireId: id, version: 1 }]),
  ],
  ["saveResponse", ["responses:write"], (a, x) => app.saveResponse(a, x, { responseId: id, answers: {} })],
  [
    "transitionResponse",
    ["responses:write"],
    (a, x) => app.transitionResponse(a, x, { responseId: id, action: "approve" }),
  ],
  ["autofillResponse", ["responses:write"], (a, x) => app.autofillResponse(a, x, { responseId: id })],
  ["getAutofillJob", ["responses:read"], (a, x) => app.getAutofillJob(a, x, id)],
  ["getAutofillJobsByIds", ["responses:read"], (a, x) => app.getAutofillJobsByIds(a, x, [id])],
  [
    "listAutofillJobsOfResponsesByIds",
    ["responses:read"],
    (a, x) => app.listAutofillJobsOfResponsesByIds(a, x, [id]),
  ],
  [
    "waitForAutofillJob",
    ["responses:read", "responses:write"],
    (a, x) => app.waitForAutofillJob(a, x, id, { timeoutMs: 0 }),
  ],
  ["getResponsesByIds", ["responses:read"], (a, x) => app.getResponsesByIds(a, x, [id])],
  ["listResponses", ["responses:read"], (a, x) => app.listResponses(a, x, page)],
  ["listEventsOfResponses", ["responses:read"], (a, x) => app.listEventsOfResponses(a, x, [id])],
  ["sendToRecipient", ["responses:write"], (a, x) => app.sendToRecipient(a, x, { entityId: id })],
  ["sendResponse", ["responses:write"], (a, x) => app.sendResponse(a, x, { responseId: id })],
  [
    "revokeRecipientSend",
    ["responses:write"],
    (a, x) => app.revokeRecipientSend(a, x, { workflowSessionId: id }),
  ],
  ["getRecipientSendsByIds", ["responses:read"], (a, x) => app.getRecipientSendsByIds(a, x, [id])],
  ["creditBalance", ["credits:read"], (a, x) => app.creditBalance(a, x)],
  ["creditLedger", ["credits:read"], (a, x) => app.creditLedger(a, x, page)],
  ["grantCredits", ["admin"], (a, x) => app.grantCredits(a, x, { amount: 10 })],
  ["adjustCredits", ["admin"], (a, x) => app.adjustCredits(a, x, { amount: 10, note: "n" })],
  ["refundCharge", ["admin"], (a, x) => app.refundCharge(a, x, { chargeId: id })],
  [
    "createWebhookEndpoint",
    ["webhooks:write"],
    (a, x) => app.createWebhookEndpoint(a, x, { url: "https://example.com/hooks", events: ["*"] }),
  ],
  ["updateWebhookEndpoint", ["webhooks:write"], (a, x) => app.updateWebhookEndpoint(a, x, { id })],
  ["disableWebhookEndpoint", ["webhooks:write"], (a, x) => app.disableWebhookEndpoint(a, x, { id })],
  ["enableWebhookEndpoint", ["webhooks:write"], (a, x) => app.enableWebhookEndpoint(a, x, { id })],
  ["deleteWebhookEndpoint", ["webhooks:write"], (a, x) => app.deleteWebhookEndpoint(a, x, { id })],
  ["rotateWebhookSecret", ["webhooks:write"], (a, x) => app.rotateWebhookSecret(a, x, { endpointId: id })],
  ["redeliverWebhook", ["webhooks:write"], (a, x) => app.redeliverWebhook(a, x, { deliveryId: id })],
  ["sendTestWebhook", ["webhooks:write"], (a, x) => app.sendTestWebhook(a, x, { endpointId: id })],
  ["getWebhookEndpoint", ["webhooks:read"], (a, x) => app.getWebhookEndpoint(a, x, id)],
  ["getWebhookEndpointsByIds", ["webhooks:read"], (a, x) => app.getWebhookEndpointsByIds(a, x, [id])],
  ["listWebhookEndpoints", ["webhooks:read"], (a, x) => app.listWebhookEndpoints(a, x, page)],
  [
    "listWebhookDeliveriesOf",
    ["webhooks:read"],
    (a, x) => app.listWebhookDeliveriesOf(a, x, { endpointId: id }, page),
  ],
  ["getWebhookDelivery", ["webhooks:read"], (a, x) => app.getWebhookDelivery(a, x, id)],
  ["getWebhookDeliveriesByIds", ["webhooks:read"], (a, x) => app.getWebhookDeliveriesByIds(a, x, [id])],
  ["getWebhookAttempts", ["webhooks:read"], (a, x) => app.getWebhookAttempts(a, x, [id])],
  [
    "createSchedule",
    ["workflows:write"],
    (a, x) => app.createSchedule(a, x, { workflowId: id, cron: "0 9 * * *" }),
  ],
  ["updateSchedule", ["workflows:write"], (a, x) => app.updateSchedule(a, x, { id })],
  ["pauseSchedule", ["workflows:write"], (a, x) => app.pauseSchedule(a, x, { id })],
  ["resumeSchedule", ["workflows:write"], (a, x) => app.resumeSchedule(a, x, { id })],
  ["deleteSchedule", ["workflows:write"], (a, x) => app.deleteSchedule(a, x, { id })],
  ["listSchedules", ["workflows:read"], (a, x) => app.listSchedules(a, x, {})],
  ["getSchedulesByIds", ["workflows:read"], (a, x) => app.getSchedulesByIds(a, x, [id])],
  ["getSchedulesOfWorkflows", ["workflows:read"], (a, x) => app.getSchedulesOfWorkflows(a, x, [id])],
  [
    "createInboundTrigger",
    ["workflows:write"],
    (a, x) => app.createInboundTrigger(a, x, { workflowId: id, auth: "bearer" }),
  ],
  ["rotateInboundTriggerSecret", ["workflows:write"], (a, x) => app.rotateInboundTriggerSecret(a, x, { id })],
  ["revokeInboundTrigger", ["workflows:write"], (a, x) => app.revokeInboundTrigger(a, x, { id })],
  ["listInboundTriggers", ["workflows:read"], (a, x) => app.listInboundTriggers(a, x, {})],
  ["getInboundTriggersByIds", ["workflows:read"], (a, x) => app.getInboundTriggersByIds(a, x, [id])],
  [
    "getInboundTriggersOfWorkflows",
    ["workflows:read"],
    (a, x) => app.getInboundTriggersOfWorkflows(a, x, [id]),
  ],
];

/** The scopes no use case gets for free: every scope but `admin`, which grants them all. */
const allButAdmin = [
  "workflows:read",
  "workflows:write",
  "workflows:trigger",
  "sessions:read",
  "sessions:write",
  "responses:read",
  "responses:write",
  "questionnaires:read",
  "questionnaires:write",
  "credits:read",
  "entities:read",
  "entities:write",
  "webhooks:read",
  "webhooks:write",
] as const;

/** What a call did: the MissingScopeError it threw, or "allowed" (whatever else it answered). */
async function outcome(call: () => unknown): Promise<MissingScopeError | "allowed"> {
  try {
    const result = call();
    if (result && typeof (result as Promise<unknown>).then === "function") await result;
    return "allowed";
  } catch (error) {
    return error instanceof MissingScopeError ? error : "allowed";
  }
}

describe.each(testBackends())("scopes of the use cases (%s)", (backend) => {
  test.override({ backend });

  test.for(useCases)("%s needs %j", async ([, required, call], { application: t }) => {
    const others = allButAdmin.filter(
      (scope) =>
        !required.includes(scope) &&
        !(
          // The legacy workflows:write scope also grants workflows:trigger.
          required.includes("workflows:trigger") && scope === "workflows:write"
        ),
    );
    const without: Actor = { ...t.acmeSandbox, scopes: others };
    const refused = await outcome(() => call(t.app, without));
    expect(refused).toBeInstanceOf(MissingScopeError);
    expect((refused as MissingScopeError).required).toEqual(required);
    expect((refused as MissingScopeError).code).toBe("FORBIDDEN");
    for (const scope of required) {
      expect(await outcome(() => call(t.app, { ...t.acmeSandbox, scopes: [scope] }))).toBe("allowed");
    }
  });

  test("refuses before writing anything", async ({ application: t }) => {
    const reader: Actor = { ...t.acmeSandbox, scopes: ["workflows:read"] };
    await expect(
      app.createWorkflow(t.app, reader, { name: "not written", graph: oneCheckGraph }),
    ).rejects.toThrow("Not authorized: this API key needs the `workflows:write` scope");
    const names = (await app.listWorkflows(t.app, reader, { limit: 100 })).map((workflow) => workflow.name);
    expect(names).not.toContain("not written");
  });

  test("grants workflows:trigger with the legacy workflows:write scope, and everything with admin", async ({
    application: t,
  }) => {
    const legacy: Actor = { ...t.acmeSandbox, scopes: ["workflows:write"] };
    expect(await outcome(() => app.cancelRun(t.app, legacy, { runId: id }))).toBe("allowed");
    const admin: Actor = { ...t.acmeSandbox, scopes: ["admin"] };
    for (const [, , call] of useCases) expect(await outcome(() => call(t.app, admin))).toBe("allowed");
  });
});
