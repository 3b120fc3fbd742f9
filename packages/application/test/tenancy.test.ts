import { once, testBackends } from "@flowgate/db/testing";
import { MissingScopeError, NotFoundError, type Run } from "@flowgate/domain";
import { describe, expect } from "vitest";
import {
  type Actor,
  createQuestionnaire,
  createSession,
  createWorkflow,
  followRunProgress,
  followSessionStatus,
  getQuestionnaireVersions,
  getRecipientSendsByIds,
  getResponsesByIds,
  getRunsByIds,
  getRunsOfSessions,
  getRunsWithNodeRunsByIds,
  getSessionsByIds,
  getViewer,
  getWorkflowsByIds,
  listEventsOfResponses,
  listNodeRunsOfRuns,
  listRunAuditTrail,
  listRunEvents,
  listVersionsOfQuestionnaire,
  listVersionsOfWorkflows,
  recipientActor,
  sendToRecipient,
  submitSession,
  updateWorkflow,
} from "../src/index.ts";
import { test as applicationTest, oneCheckGraph, type TestApplication } from "./fixtures.ts";

const sections = [
  {
    id: "company",
    title: "Company",
    questions: [{ id: "employees", type: "number", label: "Number of employees", required: true }],
  },
];

async function eventually<T>(probe: () => Promise<T | undefined | false>): Promise<T> {
  const deadline = Date.now() + 15_000;
  for (;;) {
    const value = await probe();
    if (value) return value;
    if (Date.now() > deadline) throw new Error("condition not met in time");
    await new Promise((resolve) => setTimeout(resolve, 25));
  }
}

/** Acme's workflow, a completed run of its session, a questionnaire and a send of it to a recipient. */
async function seedRecords(t: TestApplication) {
  const acme = t.acmeSandbox;
  const workflowId = (await createWorkflow(t.app, acme, { name: "KYC", graph: oneCheckGraph })).id;
  const sessionId = (await createSession(t.app, acme, { workflowId })).id;
  const run: Run = (await submitSession(t.app, acme, { sessionId })).run;
  await eventually(async () => (await getRunsByIds(t.app, acme, [run.id]))[0]?.status === "completed");
  const questionnaireId = (await createQuestionnaire(t.app, acme, { name: "DDQ", sections })).questionnaire
    .id;
  const sent = await sendToRecipient(t.app, acme, {
    entity: { legalName: "Supplier Ltd" },
    ddq: { questionnaireId },
    email: "supplier@example.com",
  });
  return {
    workflowId,
    sessionId,
    run,
    questionnaireId,
    responseId: sent.responseId!,
    recipientSendId: sent.workflowSessionId!,
  };
}

/** The application fixtures, and `records` seeded once per application. */
const test = applicationTest.extend("records", async ({ application }) => once(application, seedRecords));

describe.each(testBackends())("tenancy of the application's reads (%s)", (backend) => {
  test.override({ backend });

  test("reads the caller's own records, run children included", async ({ application: t, records }) => {
    const { workflowId, sessionId, run, questionnaireId, responseId, recipientSendId } = records;
    const acme = t.acmeSandbox;
    expect((await getWorkflowsByIds(t.app, acme, [workflowId, "wfl_missing"])).map((w) => w?.id)).toEqual([
      workflowId,
      undefined,
    ]);
    expect((await listVersionsOfWorkflows(t.app, acme, [workflowId]))[0]?.map((v) => v.version)).toEqual([1]);
    expect((await getRunsOfSessions(t.app, acme, [sessionId]))[0]?.id).toBe(run.id);
    expect((await listNodeRunsOfRuns(t.app, acme, [run.id]))[0]?.map((n) => n.workflowNodeId)).toEqual([
      "start",
      "document",
      "approved",
    ]);
    // The one-read twin answers exactly what the two reads do.
    expect(await getRunsWithNodeRunsByIds(t.app, acme, [run.id, "wfr_missing"])).toEqual([
      {
        run: (await getRunsByIds(t.app, acme, [run.id]))[0],
        nodeRuns: (await listNodeRunsOfRuns(t.app, acme, [run.id]))[0],
      },
      undefined,
    ]);
    expect((await listRunEvents(t.app, acme, { runId: run.id, afterSeq: 0 })).at(-1)?.type).toBe(
      "run.completed",
    );
    expect((await listRunAuditTrail(t.app, acme, run.id)).map((entry) => entry.action)).toEqual(["submit"]);
    expect((await getQuestionnaireVersions(t.app, acme, [{ questionnaireId, version: 1 }]))[0]?.version).toBe(
      1,
    );
    expect((await listEventsOfResponses(t.app, acme, [responseId]))[0]?.[0]?.type).toBe("response.created");
    expect((await getRecipientSendsByIds(t.app, acme, [recipientSendId]))[0]?.id).toBe(recipientSendId);
  });

  for (const [label, pick] of [
    ["another organization's key", (t: TestApplication) => t.other],
    ["the same workspace's key of the other environment", (t: TestApplication) => t.acmeLive],
  ] as const) {
    test(`answers ${label} as if the records did not exist`, async ({ application: t, records }) => {
      const { workflowId, sessionId, run, questionnaireId, responseId, recipientSendId } = records;
      const stranger: Actor = pick(t);
      expect(await getWorkflowsByIds(t.app, stranger, [workflowId])).toEqual([undefined]);
      expect(await listVersionsOfWorkflows(t.app, stranger, [workflowId])).toEqual([[]]);
      expect(await getSessionsByIds(t.app, stranger, [sessionId])).toEqual([undefined]);
      expect(await getRunsByIds(t.app, stranger, [run.id])).toEqual([undefined]);
      expect(await getRunsWithNodeRunsByIds(t.app, stranger, [run.id])).toEqual([undefined]);
      expect(await getRunsOfSessions(t.app, stranger, [sessionId])).toEqual([undefined]);
      expect(await listNodeRunsOfRuns(t.app, stranger, [run.id])).toEqual([[]]);
      expect(await getQuestionnaireVersions(t.app, stranger, [{ questionnaireId, version: 1 }])).toEqual([
        undefined,
      ]);
      expect(await listVersionsOfQuestionnaire(t.app, stranger, questionnaireId)).toEqual([]);
      expect(await getResponsesByIds(t.app, stranger, [responseId])).toEqual([undefined]);
      expect(await listEventsOfResponses(t.app, stranger, [responseId])).toEqual([[]]);
      expect(await getRecipientSendsByIds(t.app, stranger, [recipientSendId])).toEqual([undefined]);
      for (const call of [
        () => listRunEvents(t.app, stranger, { runId: run.id, afterSeq: 0 }),
        () => listRunAuditTrail(t.app, stranger, run.id),
        () => followRunProgress(t.app, stranger, { runId: run.id, afterSeq: 0 }),
        () => followSessionStatus(t.app, stranger, sessionId),
        () => updateWorkflow(t.app, stranger, { workflowId, name: "taken over" }),
      ]) {
        await expect(call()).rejects.toBeInstanceOf(NotFoundError);
      }
      expect((await getWorkflowsByIds(t.app, t.acmeSandbox, [workflowId]))[0]?.name).toBe("KYC");
    });
  }

  test("follows a finished run's progress to its final event and a session's status to its final one", async ({
    application: t,
    records,
  }) => {
    const { sessionId, run } = records;
    const events = [];
    for await (const event of await followRunProgress(t.app, t.acmeSandbox, { runId: run.id, afterSeq: 0 })) {
      events.push(event);
    }
    expect(events.map((event) => event.seq)).toEqual(events.map((_, index) => index + 1));
    expect(events.at(-1)?.type).toBe("run.completed");
    const statuses = [];
    for await (const status of await followSessionStatus(t.app, t.acmeSandbox, sessionId))
      statuses.push(status);
    expect(statuses).toMatchObject([{ sessionId, status: "completed", result: "approved" }]);
  });

  test("gives a recipient's actor its link's tenant and no scope: every API read refuses it", async ({
    application: t,
    records,
  }) => {
    const { workflowId, responseId, recipientSendId } = records;
    const [link] = await getRecipientSendsByIds(t.app, t.acmeSandbox, [recipientSendId]);
    const recipient = recipientActor(link!);
    expect(recipient).toMatchObject({
      keyId: `recipient:${recipientSendId}`,
      workspaceId: t.acme.workspaceId,
      environment: "sandbox",
      scopes: [],
    });
    await expect(getResponsesByIds(t.app, recipient, [responseId])).rejects.toBeInstanceOf(MissingScopeError);
    await expect(getWorkflowsByIds(t.app, recipient, [workflowId])).rejects.toBeInstanceOf(MissingScopeError);
  });

  test("tells each key who it is", async ({ application: t }) => {
    const viewer = await getViewer(t.app, t.acmeLive);
    expect(viewer).toMatchObject({
      apiKey: { id: t.acmeLive.keyId, environment: "live", prefix: t.acme.keys.live.slice(0, 16) },
      workspace: { id: t.acme.workspaceId, name: "KYC", organizationId: t.acme.organizationId },
      environment: "live",
    });
  });
});
