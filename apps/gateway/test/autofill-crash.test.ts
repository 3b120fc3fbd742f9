import { Application, provisionWorkspace } from "@flowgate/application";
import { createTestDatabase, type TestDatabase } from "@flowgate/db/testing";
import { Engine } from "@flowgate/engine";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { AUTOFILL, allowPrivateUrls, createEndpoint, pollAutofillJob } from "./autofill-helpers.ts";
import { startChatServer } from "./chat-completions-server.ts";
import { createKycQuestionnaire, RESPONSE, SEND_WORKFLOW } from "./ddq-helpers.ts";
import { makePdf, uploadEntityDocument } from "./documents.ts";
import { eventually, type Harness } from "./harness.ts";
import { type FlowgateProcess, startFlowgateProcess } from "./processes.ts";
import { startReceiver, verifies, type WebhookReceiver } from "./webhook-receiver.ts";

const secretKey = Buffer.alloc(32, 7).toString("base64");

/**
 * A gateway process and worker processes on one PostgreSQL database; autofill goes to a local
 * chat-completions server. The worker running the job is SIGKILLed while the provider call is in flight;
 * a replacement worker claims the job once its lease runs out, asks the provider again, and applies the
 * answers once: one `response.autofill_completed` event, one webhook event, the job SUCCEEDED after two
 * attempts.
 */
describe.skipIf(!process.env.DATABASE_URL)("an autofill job survives kill -9 of its worker", () => {
  let t: TestDatabase;
  let receiver: WebhookReceiver;
  let chat: Awaited<ReturnType<typeof startChatServer>>;
  const processes: FlowgateProcess[] = [];
  let releaseHeld = () => {};

  beforeAll(async () => {
    t = await createTestDatabase("postgres");
    receiver = await startReceiver();
    chat = await startChatServer();
  });
  afterAll(async () => {
    releaseHeld();
    await Promise.all(processes.map((p) => p.stop("SIGKILL")));
    await chat?.close();
    await receiver?.close();
    await t?.close();
  });

  it("applies the answers, the event and the webhook once after the worker died mid-job", async () => {
    // The database is migrated by the first process; the workspace is provisioned as an operator would.
    const env = {
      DATABASE_URL: t.url!,
      FLOWGATE_DB_SCHEMA: t.schema!,
      FLOWGATE_LEASE_MS: "1500",
      FLOWGATE_POLL_INTERVAL_MS: "200",
      FLOWGATE_SECRET_KEY: secretKey,
      FLOWGATE_SEED_DEMO: "false",
      FLOWGATE_RATE_LIMIT_PER_SECOND: "0",
      FLOWGATE_WEBHOOK_RETRY_BASE_MS: "100",
      FLOWGATE_AUTOFILL_URL: chat.url,
      FLOWGATE_AUTOFILL_MODEL: "crash-model",
      FLOWGATE_AUTOFILL_ALLOW_PRIVATE: "true",
    };
    const gateway = await startFlowgateProcess("gateway", env);
    processes.push(gateway);
    const setup = new Application({ engine: new Engine({ db: t.db, worker: false, secretKey }) });
    const ws = await provisionWorkspace(setup, { organizationName: "o", workspaceName: "w" });
    const key = ws.keys.sandbox;
    const client = {
      server: { url: gateway.url! },
      async gql(apiKey: string | null, query: string, variables?: Record<string, unknown>) {
        const response = await fetch(gateway.url!, {
          method: "POST",
          headers: { "content-type": "application/json", ...(apiKey ? { "x-api-key": apiKey } : {}) },
          body: JSON.stringify({ query, variables }),
        });
        return { status: response.status, ...((await response.json()) as object) };
      },
    } as unknown as Harness;

    await allowPrivateUrls(client, ws.workspaceId, key);
    const { secret } = await createEndpoint(client, key, receiver.url, ["response.autofill_completed"]);
    const questionnaireId = await createKycQuestionnaire(client, key, "Crash autofill");
    const entityId = (
      await client.gql(key, `mutation { createEntity(legalName: "Crash Test Ltd") { ... on Entity { id } } }`)
    ).data.createEntity.id;
    // The model reads documents: the entity has one.
    const pdf = await makePdf(["Founded on 14 March 2019. About 42 people work here."]);
    const uploaded = await uploadEntityDocument(client, key, entityId, { name: "profile.pdf", bytes: pdf });
    const documentId = uploaded.data.uploadEntityDocument.id;
    const responseId = (
      await client.gql(key, SEND_WORKFLOW, { entityId, ddq: { questionnaireId, prefill: true } })
    ).data.sendWorkflow.responseId;

    // The first provider call never answers (its worker dies with it); the second does.
    chat.replies.push({
      content: "{}",
      gate: new Promise<void>((resolve) => {
        releaseHeld = resolve;
      }),
    });
    chat.replies.push({
      content: JSON.stringify({
        answers: [
          { questionId: "founded", value: "2019-03-14", documentId, page: 1, passage: "x", confidence: 0.9 },
          { questionId: "employees", value: 42, documentId, page: 1, passage: "y", confidence: 0.8 },
        ],
      }),
    });

    const first = await startFlowgateProcess("worker", env);
    processes.push(first);
    const queued = (await client.gql(key, AUTOFILL, { responseId })).data.autofillResponse;
    expect(queued).toMatchObject({ __typename: "AutofillJob", responseId });
    await eventually(async () => chat.requests.length === 1, 30_000);
    const running = (await client.gql(key, `query ($id: ID!) { autofillJob(id: $id) { status attempts } }`, {
      id: queued.id,
    })) as { data: { autofillJob: { status: string; attempts: number } } };
    expect(running.data.autofillJob).toEqual({ status: "RUNNING", attempts: 1 });

    await first.stop("SIGKILL");
    processes.push(await startFlowgateProcess("worker", env));

    const done = await pollAutofillJob(client, key, queued.id, 60_000);
    expect(done).toMatchObject({
      status: "SUCCEEDED",
      attempts: 2,
      filledCount: 2,
      error: null,
      provider: "chat-completions:crash-model",
    });
    expect(chat.requests).toHaveLength(2);

    const response = (await client.gql(key, RESPONSE, { id: responseId })).data.response;
    const events = response.events.filter((e: { type: string }) => e.type === "response.autofill_completed");
    expect(events).toHaveLength(1);
    expect(events[0].data).toMatchObject({ jobId: queued.id, status: "completed" });
    expect(
      response.answers.map((a: { questionId: string; value: unknown }) => [a.questionId, a.value]),
    ).toEqual(
      expect.arrayContaining([
        ["founded", "2019-03-14"],
        ["employees", 42],
      ]),
    );

    // One webhook event in the outbox, delivered (signed) to the receiver.
    const outbox = await t.db
      .selectFrom("webhook_events")
      .select("id")
      .where("type", "=", "response.autofill_completed")
      .execute();
    expect(outbox).toHaveLength(1);
    const delivered = await eventually(async () => (receiver.received.length > 0 ? receiver.received : null));
    const ids = new Set(delivered.map((r) => r.payload.id));
    expect([...ids]).toEqual([outbox[0]!.id]);
    expect(verifies(secret, delivered[0]!)).toBe(true);
    expect(delivered[0]!.payload.data.autofill_job).toMatchObject({
      id: queued.id,
      status: "succeeded",
      attempts: 2,
      filled_count: 2,
    });
    // Nothing of the job is left in the queue.
    expect(await t.db.selectFrom("jobs").select("id").where("id", "=", queued.id).execute()).toEqual([]);
  }, 120_000);
});
