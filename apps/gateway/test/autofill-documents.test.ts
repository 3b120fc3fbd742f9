import { testBackends } from "@flowgate/db/testing";
import { sql } from "kysely";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import {
  AUTOFILL,
  AUTOFILL_JOB,
  allowPrivateUrls,
  autofillAndWait,
  createEndpoint,
  pollAutofillJob,
} from "./autofill-helpers.ts";
import { createKycQuestionnaire, RESPONSE, SEND_WORKFLOW } from "./ddq-helpers.ts";
import { makePdf, uploadEntityDocument } from "./documents.ts";
import { eventually, type Harness, startHarness } from "./harness.ts";
import { startReceiver, verifies, type WebhookReceiver } from "./webhook-receiver.ts";

describe.each(testBackends())("autofill from entity documents (%s)", (backend) => {
  let h: Harness;
  let key: string;
  let receiver: WebhookReceiver;
  let secret: string;

  beforeAll(async () => {
    h = await startHarness(backend, { env: { FLOWGATE_WEBHOOK_RETRY_BASE_MS: "50" } });
    key = h.acme.keys.sandbox;
    receiver = await startReceiver();
    await allowPrivateUrls(h, h.acme.workspaceId, key);
    secret = (await createEndpoint(h, key, receiver.url, ["response.autofill_completed"])).secret;
  });
  afterAll(async () => {
    await h?.close();
    await receiver?.close();
  });

  it("a job fills answers from a generated PDF, each with its document, page, passage and confidence, and records the event and webhook once", async () => {
    const questionnaireId = await createKycQuestionnaire(h, key, "Docs autofill");
    const entityId = (
      await h.gql(key, `mutation { createEntity(legalName: "Paper Trail Ltd") { ... on Entity { id } } }`)
    ).data.createEntity.id;
    const pdf = await makePdf([
      "Certificate of Incorporation\nDate of incorporation: 2019-03-14.\nNumber of employees: 1,250.",
      "Compliance summary\nIs the company regulated: Yes.\nRegulator: FCA.\nProducts: Payments, Custody.",
    ]);
    const uploaded = await uploadEntityDocument(h, key, entityId, { name: "incorporation.pdf", bytes: pdf });
    const documentId = uploaded.data.uploadEntityDocument.id;
    const prefill = await h.gql(key, SEND_WORKFLOW, { entityId, ddq: { questionnaireId, prefill: true } });
    const responseId = prefill.data.sendWorkflow.responseId;

    const queued = (await h.gql(key, AUTOFILL, { responseId })).data.autofillResponse;
    expect(queued).toMatchObject({ __typename: "AutofillJob", responseId, provider: "builtin" });
    expect(["QUEUED", "RUNNING", "SUCCEEDED"]).toContain(queued.status);
    const result = await pollAutofillJob(h, key, queued.id);
    expect(result).toMatchObject({
      id: queued.id,
      status: "SUCCEEDED",
      provider: "builtin",
      deterministic: true,
      error: null,
      filledCount: 6,
      attempts: 1,
      requestedBy: expect.any(String),
    });
    expect(new Date(result.finishedAt).getTime()).toBeGreaterThanOrEqual(
      new Date(result.createdAt).getTime(),
    );
    const filled = result.filled as { questionId: string; value: unknown; source: Record<string, unknown> }[];
    expect(filled.map((a) => [a.questionId, a.value, a.source.kind, a.source.page])).toEqual([
      ["legal_name", "Paper Trail Ltd", "entity", null],
      ["founded", "2019-03-14", "document", 1],
      ["employees", 1250, "document", 1],
      ["regulated", true, "document", 2],
      ["regulator", "fca", "document", 2],
      ["products", ["payments", "custody"], "document", 2],
    ]);
    const employees = filled.find((a) => a.questionId === "employees")!.source;
    expect(employees).toMatchObject({
      provider: "builtin",
      deterministic: true,
      documentId,
      passage: expect.stringContaining("Number of employees: 1,250"),
      confidence: 1,
    });
    expect(filled.find((a) => a.questionId === "regulated")!.source).toMatchObject({
      passage: expect.stringContaining("Is the company regulated: Yes"),
      confidence: 0.9,
    });

    const response = (await h.gql(key, RESPONSE, { id: responseId })).data.response;
    const events = response.events.filter((e: { type: string }) => e.type === "response.autofill_completed");
    expect(events).toHaveLength(1);
    const event = events[0];
    expect(event.data).toMatchObject({ jobId: queued.id, status: "completed", provider: "builtin" });
    expect(event.data.filled).toEqual(
      expect.arrayContaining([
        { questionId: "employees", source: "document", documentId, page: 1, confidence: 1 },
      ]),
    );
    const answer = response.answers.find((a: { questionId: string }) => a.questionId === "founded");
    expect(answer).toMatchObject({ value: "2019-03-14", source: { kind: "document" } });

    // The webhook reached the receiver, signed, once, naming the job.
    const ofResponse = () => receiver.received.filter((r) => r.payload.data.id === responseId);
    const delivered = await eventually(async () => (ofResponse().length > 0 ? ofResponse() : null));
    expect(delivered).toHaveLength(1);
    expect(verifies(secret, delivered[0]!)).toBe(true);
    expect(delivered[0]!.payload).toMatchObject({
      type: "response.autofill_completed",
      data: {
        object: "response",
        id: responseId,
        status: "PREFILL",
        autofill_job: {
          id: queued.id,
          status: "succeeded",
          provider: "builtin",
          filled_count: 6,
          error: null,
          attempts: 1,
        },
      },
    });

    // Response.autofillJobs lists it; a second request queues a new job, which fills nothing new.
    const again = await autofillAndWait(h, key, responseId);
    expect(again).toMatchObject({ status: "SUCCEEDED", filledCount: 0, filled: [] });
    const jobs = (
      await h.gql(key, `query ($id: ID!) { response(id: $id) { autofillJobs { id status } } }`, {
        id: responseId,
      })
    ).data.response.autofillJobs;
    expect(jobs).toEqual([
      { id: again.id, status: "SUCCEEDED" },
      { id: queued.id, status: "SUCCEEDED" },
    ]);
    // Another workspace sees neither the job nor the response (null, no error), and cannot start one.
    const foreign = await h.gql(h.other.keys.sandbox, AUTOFILL_JOB, { id: queued.id });
    expect(foreign).toMatchObject({ data: { autofillJob: null } });
    expect(foreign.errors).toBeUndefined();
    const foreignStart = await h.gql(h.other.keys.sandbox, AUTOFILL, { responseId });
    expect(foreignStart.data.autofillResponse).toMatchObject({ __typename: "NotFoundError" });
    // A wait outside 0–120 seconds is refused naming the argument, before anything is queued.
    const badWait = (await h.gql(key, AUTOFILL, { responseId, waitSeconds: 500 })).data.autofillResponse;
    expect(badWait).toMatchObject({ __typename: "ValidationError", issues: [{ path: ["waitSeconds"] }] });
    // One webhook per job.
    await eventually(async () => ofResponse().length === 2);
    expect(ofResponse().map((r) => r.payload.data.autofill_job.id)).toEqual([queued.id, again.id]);
  });

  it("a queue job of a finished autofill job, run again (a worker retry after the apply committed), applies nothing twice", async () => {
    const questionnaireId = await createKycQuestionnaire(h, key, "Docs autofill retry");
    const entityId = (
      await h.gql(key, `mutation { createEntity(legalName: "Retry Paper Ltd") { ... on Entity { id } } }`)
    ).data.createEntity.id;
    const responseId = (
      await h.gql(key, SEND_WORKFLOW, { entityId, ddq: { questionnaireId, prefill: true } })
    ).data.sendWorkflow.responseId;
    const done = await autofillAndWait(h, key, responseId);
    expect(done).toMatchObject({ status: "SUCCEEDED", attempts: 1, filledCount: 1 });
    await eventually(async () => receiver.received.some((r) => r.payload.data.autofill_job?.id === done.id));

    // The queue job comes back (as if its worker's delete had been lost): the worker runs it again.
    await h.database.db
      .insertInto("jobs")
      .values({ id: done.id, kind: "response.autofill", payload: JSON.stringify({ responseId }) })
      .execute();
    h.engine.wake();
    await eventually(async () => {
      const left = await h.database.db.selectFrom("jobs").select("id").where("id", "=", done.id).execute();
      return left.length === 0;
    });
    const after = await pollAutofillJob(h, key, done.id);
    expect(after).toEqual(done);
    const response = (await h.gql(key, RESPONSE, { id: responseId })).data.response;
    expect(
      response.events.filter((e: { type: string }) => e.type === "response.autofill_completed"),
    ).toHaveLength(1);
    const outbox = await h.database.db
      .selectFrom("webhook_events")
      .select("id")
      .where("type", "=", "response.autofill_completed")
      .where(sql<boolean>`(payload::jsonb)->'data'->'autofill_job'->>'id' = ${done.id}`)
      .execute();
    expect(outbox).toHaveLength(1);
  });
});
