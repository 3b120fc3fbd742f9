import { testBackends } from "@flowgate/db/testing";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { AUTOFILL, autofillAndWait, pollAutofillJob } from "./autofill-helpers.ts";
import { startChatServer } from "./chat-completions-server.ts";
import {
  createKycQuestionnaire,
  RESPONSE,
  SAVE_RESPONSE,
  SEND_RESPONSE,
  SEND_WORKFLOW,
} from "./ddq-helpers.ts";
import { makePdf, uploadEntityDocument } from "./documents.ts";
import { eventually, type Harness, startHarness } from "./harness.ts";

describe.each(testBackends())("autofill through an OpenAI-compatible endpoint (%s)", (backend) => {
  let h: Harness;
  let chat: Awaited<ReturnType<typeof startChatServer>>;
  let key: string;
  let documentId: string;
  let entityId: string;
  let questionnaireId: string;

  async function prefill(): Promise<string> {
    return (await h.gql(key, SEND_WORKFLOW, { entityId, ddq: { questionnaireId, prefill: true } })).data
      .sendWorkflow.responseId;
  }

  beforeAll(async () => {
    chat = await startChatServer();
    h = await startHarness(backend, {
      env: {
        FLOWGATE_AUTOFILL_URL: chat.url,
        FLOWGATE_AUTOFILL_MODEL: "test-model",
        FLOWGATE_AUTOFILL_API_KEY: "sk-test-secret",
        FLOWGATE_AUTOFILL_ALLOW_PRIVATE: "true",
      },
    });
    key = h.acme.keys.sandbox;
    questionnaireId = await createKycQuestionnaire(h, key, "LLM autofill");
    entityId = (
      await h.gql(key, `mutation { createEntity(legalName: "Model Reader Ltd") { ... on Entity { id } } }`)
    ).data.createEntity.id;
    const pdf = await makePdf([
      "Founded on 14 March 2019.",
      "The firm employs about 80 people and is FCA-authorised.",
    ]);
    documentId = (await uploadEntityDocument(h, key, entityId, { name: "profile.pdf", bytes: pdf })).data
      .uploadEntityDocument.id;
  });
  afterAll(async () => {
    await h.close();
    await chat.close();
  });

  it("asks for structured JSON, keeps the answers that fit their questions, with document, page, passage and confidence", async () => {
    const responseId = await prefill();
    chat.replies.push({
      content: JSON.stringify({
        answers: [
          {
            questionId: "founded",
            value: "2019-03-14",
            documentId,
            page: 1,
            passage: "Founded on 14 March 2019.",
            confidence: 0.93,
          },
          {
            questionId: "employees",
            value: 80,
            documentId,
            page: 2,
            passage: "employs about 80 people",
            confidence: 0.7,
          },
          {
            questionId: "regulated",
            value: true,
            documentId,
            page: 2,
            passage: "is FCA-authorised",
            confidence: 1.4,
          },
          // Dropped: not an option, a wrong type, an unknown question.
          { questionId: "regulator", value: "bafin", documentId, page: 2, passage: "x", confidence: 0.5 },
          { questionId: "description", value: 42, documentId, page: 1, passage: "x", confidence: 0.5 },
          { questionId: "no_such_question", value: "x" },
        ],
      }),
    });
    const result = await autofillAndWait(h, key, responseId);
    expect(result).toMatchObject({
      status: "SUCCEEDED",
      provider: "chat-completions:test-model",
      deterministic: false,
      error: null,
    });
    expect(result.filled.map((a: { questionId: string; value: unknown }) => [a.questionId, a.value])).toEqual(
      [
        ["founded", "2019-03-14"],
        ["employees", 80],
        ["regulated", true],
      ],
    );
    expect(result.filled[0].source).toEqual({
      kind: "ai",
      provider: "chat-completions:test-model",
      deterministic: false,
      documentId,
      page: 1,
      passage: "Founded on 14 March 2019.",
      confidence: 0.93,
      field: null,
      responseId: null,
      questionId: null,
      note: expect.stringContaining("chat-completions:test-model"),
    });
    expect(result.filled[2].source.confidence).toBe(1);

    const request = chat.requests.at(-1)!;
    expect(request.headers.authorization).toBe("Bearer sk-test-secret");
    expect(request.body).toMatchObject({
      model: "test-model",
      temperature: 0,
      response_format: { type: "json_object" },
    });
    const sent = JSON.parse(request.body.messages[1].content);
    expect(sent.documents[0]).toMatchObject({ id: documentId, filename: "profile.pdf" });
    expect(sent.documents[0].pages[1].text).toContain("employs about 80 people");
    // Only unanswered, visible questions are asked: the regulator is hidden until "regulated" is yes.
    const asked = sent.questions.map((q: { id: string }) => q.id);
    expect(asked).toEqual(expect.arrayContaining(["legal_name", "founded", "employees", "regulated"]));
    expect(asked).not.toContain("regulator");
  });

  it.each([
    [
      "malformed JSON in the reply",
      { content: '{"answers": [{"questionId": "founded", "value": ' },
      /not valid JSON/,
    ],
    ["a reply without answers", { content: JSON.stringify({ result: [] }) }, /no "answers" list/],
    ["a body that is not JSON", { raw: "<html>gateway error</html>" }, /not JSON/],
    ["an HTTP error", { status: 503 }, /HTTP 503/],
  ] as const)(
    "fails the job and leaves the response unchanged on %s; the job and the event say why",
    async (_name, reply, reason) => {
      const responseId = await prefill();
      chat.replies.push(reply);
      const result = await autofillAndWait(h, key, responseId);
      expect(result).toMatchObject({
        status: "FAILED",
        filled: [],
        filledCount: 0,
        error: expect.stringMatching(reason),
      });
      const response = (await h.gql(key, RESPONSE, { id: responseId })).data.response;
      expect(response.answers).toEqual([]);
      const event = response.events.find((e: { type: string }) => e.type === "response.autofill_completed");
      expect(event.data).toMatchObject({
        jobId: result.id,
        status: "failed",
        error: expect.stringMatching(reason),
        filled: [],
      });
      expect(JSON.stringify(response.events)).not.toContain("sk-test-secret");
    },
  );

  it("keeps one job per response: a second request while the provider works returns the running job, and answers given meanwhile are kept", async () => {
    const responseId = await prefill();
    let release = () => {};
    const gate = new Promise<void>((resolve) => {
      release = resolve;
    });
    chat.replies.push({
      gate,
      content: JSON.stringify({
        answers: [
          { questionId: "founded", value: "2019-03-14", documentId, page: 1, passage: "x", confidence: 0.9 },
          { questionId: "employees", value: 80, documentId, page: 2, passage: "y", confidence: 0.8 },
        ],
      }),
    });
    const requests = chat.requests.length;
    const first = (await h.gql(key, AUTOFILL, { responseId })).data.autofillResponse;
    expect(first.__typename).toBe("AutofillJob");
    // The worker has asked the provider, whose answer is held: the job is RUNNING.
    await eventually(async () => chat.requests.length > requests);
    const second = (await h.gql(key, AUTOFILL, { responseId })).data.autofillResponse;
    expect(second).toMatchObject({ id: first.id, status: "RUNNING" });
    // Someone answers "founded" while the provider works.
    await h.gql(key, SAVE_RESPONSE, {
      responseId,
      answers: [{ questionId: "founded", value: "2001-01-01" }],
    });
    release();
    const done = await pollAutofillJob(h, key, first.id);
    expect(done).toMatchObject({ status: "SUCCEEDED", filledCount: 1 });
    expect(done.filled.map((a: { questionId: string }) => a.questionId)).toEqual(["employees"]);
    const response = (await h.gql(key, RESPONSE, { id: responseId })).data.response;
    expect(response.answers.find((a: { questionId: string }) => a.questionId === "founded")).toEqual({
      questionId: "founded",
      value: "2001-01-01",
      source: null,
    });
    expect(chat.requests.length).toBe(requests + 1);
  });

  it("fails a job whose response was sent to its recipient while the provider worked, writing nothing", async () => {
    const responseId = await prefill();
    let release = () => {};
    const gate = new Promise<void>((resolve) => {
      release = resolve;
    });
    chat.replies.push({
      gate,
      content: JSON.stringify({
        answers: [
          { questionId: "founded", value: "2019-03-14", documentId, page: 1, passage: "x", confidence: 1 },
        ],
      }),
    });
    const requests = chat.requests.length;
    const job = (await h.gql(key, AUTOFILL, { responseId })).data.autofillResponse;
    await eventually(async () => chat.requests.length > requests);
    const sent = await h.gql(key, SEND_RESPONSE, { responseId, email: "recipient@example.com" });
    expect(sent.data.sendResponse.__typename).toBe("WorkflowResponse");
    release();
    const done = await pollAutofillJob(h, key, job.id);
    expect(done).toMatchObject({
      status: "FAILED",
      filled: [],
      error: expect.stringMatching(/became DRAFT/),
    });
    const response = (await h.gql(key, RESPONSE, { id: responseId })).data.response;
    expect(response.status).toBe("DRAFT");
    expect(response.answers).toEqual([]);
  });
});
