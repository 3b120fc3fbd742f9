import { provisionWorkspace } from "@flowgate/application";
import { testBackends } from "@flowgate/db/testing";
import { SmtpEmailSender } from "@flowgate/engine";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { AUTOFILL, autofillAndWait } from "./autofill-helpers.ts";
import {
  createKycQuestionnaire,
  kycAnswers,
  RESPONSE,
  SAVE_RESPONSE,
  SEND_WORKFLOW,
  TestSmtpServer,
} from "./ddq-helpers.ts";
import { type Harness, startHarness } from "./harness.ts";

const TRANSITION = (field: string) => /* GraphQL */ `
  mutation ($responseId: ID!, $note: String) {
    ${field}(responseId: $responseId, note: $note) {
      __typename
      ... on Response { id status submittedAt }
      ... on ValidationError { message issues { path message } }
      ... on ConflictError { message currentStatus }
      ... on NotFoundError { message resource }
    }
  }
`;

describe.each(testBackends())("responses: answers, review and autofill (%s)", (backend) => {
  let h: Harness;
  let smtp: TestSmtpServer;
  let key: string;
  let questionnaireId: string;
  let entityId: string;

  /** Sends the questionnaire to the entity and returns the DRAFT response's id. */
  async function draft(options: { prefill?: boolean } = {}): Promise<string> {
    const sent = await h.gql(key, SEND_WORKFLOW, {
      entityId,
      ddq: { questionnaireId, prefill: options.prefill ?? false },
      ...(options.prefill ? {} : { email: "supplier@acme.example" }),
    });
    expect(sent.data.sendWorkflow.__typename).toBe("WorkflowResponse");
    return sent.data.sendWorkflow.responseId;
  }

  const transition = async (field: string, responseId: string, note?: string) =>
    (await h.gql(key, TRANSITION(field), { responseId, note })).data[field];

  beforeAll(async () => {
    smtp = await TestSmtpServer.start();
    h = await startHarness(backend, { email: new SmtpEmailSender({ url: smtp.url }) });
    key = h.acme.keys.sandbox;
    questionnaireId = await createKycQuestionnaire(h, key);
    entityId = (
      await h.gql(
        key,
        `mutation { createEntity(legalName: "Acme Trading Ltd", jurisdiction: "GB", email: "a@acme.example") { ... on Entity { id } } }`,
      )
    ).data.createEntity.id;
  });
  afterAll(async () => {
    await h.close();
    await smtp.close();
  });

  it("checks each answer against its question and saves nothing when one is wrong", async () => {
    const responseId = await draft();
    const saved = await h.gql(key, SAVE_RESPONSE, {
      responseId,
      answers: [
        { questionId: "legal_name", value: 42 },
        { questionId: "regulated", value: "yes" },
        { questionId: "regulator", value: "ecb" },
        { questionId: "products", value: ["payments", "payments"] },
        { questionId: "employees", value: "many" },
        { questionId: "founded", value: "2023-02-30" },
        { questionId: "licence", value: "" },
        { questionId: "unknown", value: "x" },
        { questionId: "description", value: "fine" },
      ],
    });
    expect(saved.data.saveResponse.__typename).toBe("ValidationError");
    expect(saved.data.saveResponse.issues).toEqual([
      { path: ["answers", "legal_name"], message: "Legal name: must be a string" },
      { path: ["answers", "regulated"], message: "Is the company regulated?: must be true or false" },
      {
        path: ["answers", "regulator"],
        message: 'Regulator: "ecb" is not an option (options: fca, sec, other)',
      },
      { path: ["answers", "products"], message: "Products: must not list an option twice" },
      { path: ["answers", "employees"], message: "Number of employees: must be a number" },
      { path: ["answers", "founded"], message: "Date of incorporation: must be a date written YYYY-MM-DD" },
      { path: ["answers", "licence"], message: "Licence document: must be a file id or URL (a string)" },
      { path: ["answers", "unknown"], message: '"unknown" is not a question of this questionnaire' },
    ]);
    const twice = await h.gql(key, SAVE_RESPONSE, {
      responseId,
      answers: [
        { questionId: "employees", value: 1 },
        { questionId: "employees", value: 2 },
      ],
    });
    expect(twice.data.saveResponse.issues).toEqual([
      { path: ["answers", "1", "questionId"], message: '"employees" is answered more than once' },
    ]);
    expect((await h.gql(key, RESPONSE, { id: responseId })).data.response.answers).toEqual([]);
  });

  it("submits only with every visible required answer and no hidden one; then answers are frozen", async () => {
    const responseId = await draft();
    await h.gql(key, SAVE_RESPONSE, {
      responseId,
      answers: [
        { questionId: "regulated", value: false },
        { questionId: "regulator", value: "sec" },
      ],
    });
    const refused = await transition("submitResponse", responseId);
    expect(refused.__typename).toBe("ValidationError");
    expect(refused.issues).toEqual([
      { path: ["answers", "legal_name"], message: "Legal name: is required" },
      {
        path: ["answers", "regulator"],
        message: "Regulator: is hidden by its condition, so it must not be answered; clear the answer",
      },
    ]);
    await h.gql(key, SAVE_RESPONSE, {
      responseId,
      answers: [
        { questionId: "regulated", value: true },
        { questionId: "regulator", value: null },
        { questionId: "legal_name", value: "Acme Trading Ltd" },
      ],
    });
    const stillMissing = await transition("submitResponse", responseId);
    expect(stillMissing.issues).toEqual([
      { path: ["answers", "regulator"], message: "Regulator: is required" },
    ]);
    await h.gql(key, SAVE_RESPONSE, { responseId, answers: [{ questionId: "regulator", value: "fca" }] });
    const submitted = await transition("submitResponse", responseId);
    expect(submitted).toMatchObject({ __typename: "Response", status: "SUBMITTED" });
    expect(submitted.submittedAt).not.toBeNull();
    const frozen = await h.gql(key, SAVE_RESPONSE, {
      responseId,
      answers: [{ questionId: "employees", value: 3 }],
    });
    expect(frozen.data.saveResponse).toMatchObject({
      __typename: "ConflictError",
      currentStatus: "SUBMITTED",
    });
  });

  it("walks the review transitions, recording who and when, and refuses the others", async () => {
    const responseId = await draft();
    await h.gql(key, SAVE_RESPONSE, { responseId, answers: kycAnswers });
    expect((await transition("approveResponse", responseId)).__typename).toBe("ConflictError");
    expect((await transition("submitResponse", responseId)).status).toBe("SUBMITTED");
    expect(await transition("submitResponse", responseId)).toMatchObject({
      __typename: "ConflictError",
      currentStatus: "SUBMITTED",
      message: 'Cannot transition response from "SUBMITTED" to "SUBMITTED"',
    });
    expect((await transition("markReviewed", responseId)).__typename).toBe("ConflictError");
    expect((await transition("startReview", responseId)).status).toBe("UNDER_REVIEW");
    expect((await transition("requestChanges", responseId, "Please add the licence")).status).toBe(
      "CHANGES_REQUESTED",
    );
    const edited = await h.gql(key, SAVE_RESPONSE, {
      responseId,
      answers: [{ questionId: "licence", value: "file_123" }],
    });
    expect(edited.data.saveResponse.__typename).toBe("Response");
    expect((await transition("resubmit", responseId)).status).toBe("RESUBMITTED");
    expect((await transition("startReview", responseId)).status).toBe("UNDER_REVIEW");
    expect((await transition("markReviewed", responseId, "All good")).status).toBe("REVIEWED");
    expect((await transition("approveResponse", responseId, "Approved by compliance")).status).toBe(
      "APPROVED",
    );
    expect(await transition("rejectResponse", responseId)).toMatchObject({
      __typename: "ConflictError",
      currentStatus: "APPROVED",
    });
    const events = (await h.gql(key, RESPONSE, { id: responseId })).data.response.events as {
      type: string;
      fromStatus: string | null;
      toStatus: string | null;
      actor: string;
      data: Record<string, unknown>;
      createdAt: string;
    }[];
    const changes = events.filter((e) => e.fromStatus !== e.toStatus);
    expect(changes.map((e) => [e.type, e.fromStatus, e.toStatus])).toEqual([
      ["response.created", null, "DRAFT"],
      ["response.submitted", "DRAFT", "SUBMITTED"],
      ["response.review_started", "SUBMITTED", "UNDER_REVIEW"],
      ["response.changes_requested", "UNDER_REVIEW", "CHANGES_REQUESTED"],
      ["response.resubmitted", "CHANGES_REQUESTED", "RESUBMITTED"],
      ["response.review_started", "RESUBMITTED", "UNDER_REVIEW"],
      ["response.reviewed", "UNDER_REVIEW", "REVIEWED"],
      ["response.approved", "REVIEWED", "APPROVED"],
    ]);
    for (const event of events) {
      expect(event.actor).toMatch(/^key_/);
      expect(Number.isNaN(Date.parse(event.createdAt))).toBe(false);
    }
    expect(changes[3]!.data).toEqual({ note: "Please add the licence" });
    expect(changes[7]!.data).toEqual({ note: "Approved by compliance" });

    const other = await draft();
    await h.gql(key, SAVE_RESPONSE, { responseId: other, answers: kycAnswers });
    await transition("submitResponse", other);
    await transition("startReview", other);
    expect((await transition("rejectResponse", other, "Sanctions hit")).status).toBe("REJECTED");
    const rejected = await h.gql(key, `{ responses(status: REJECTED) { edges { node { id } } } }`);
    expect(rejected.data.responses.edges).toEqual([{ node: { id: other } }]);
  });

  it("autofills from the entity and from its earlier submitted responses, annotating each answer", async () => {
    const earlier = await draft();
    await h.gql(key, SAVE_RESPONSE, {
      responseId: earlier,
      answers: [...kycAnswers, { questionId: "description", value: "Wholesale trading" }],
    });
    await transition("submitResponse", earlier);

    const responseId = await draft({ prefill: true });
    await h.gql(key, SAVE_RESPONSE, { responseId, answers: [{ questionId: "employees", value: 50 }] });
    const result = await autofillAndWait(h, key, responseId);
    expect(result).toMatchObject({ status: "SUCCEEDED", provider: "builtin", deterministic: true });
    const filled = result.filled as { questionId: string; value: unknown; source: Record<string, unknown> }[];
    expect(filled.map((a) => [a.questionId, a.value, a.source.kind])).toEqual([
      ["legal_name", "Acme Trading Ltd", "entity"],
      ["country", "GB", "entity"],
      ["description", "Wholesale trading", "response"],
      ["founded", "2015-06-30", "response"],
      ["regulated", true, "response"],
      ["regulator", "fca", "response"],
      ["products", ["payments", "custody"], "response"],
      // The latest submitted response has no licence; an older one of the same entity has.
      ["licence", "file_123", "response"],
    ]);
    expect(filled[7]!.source.responseId).not.toBe(earlier);
    expect(filled[1]!.source).toMatchObject({
      provider: "builtin",
      deterministic: true,
      field: "jurisdiction",
      responseId: null,
    });
    expect(filled[2]!.source).toMatchObject({ responseId: earlier, questionId: "description", field: null });
    expect(filled[2]!.source.note).toMatch(/built-in deterministic autofill/);

    const response = (await h.gql(key, RESPONSE, { id: responseId })).data.response;
    expect(response.answers.find((a: { questionId: string }) => a.questionId === "employees")).toEqual({
      questionId: "employees",
      value: 50,
      source: null,
    });
    const completed = response.events.find((e: { type: string }) => e.type === "response.autofill_completed");
    expect(completed.data).toMatchObject({ provider: "builtin", deterministic: true });
    expect(completed.data.filled).toHaveLength(8);

    // An edit replaces the annotation; a second autofill fills nothing new.
    const edited = await h.gql(key, SAVE_RESPONSE, {
      responseId,
      answers: [{ questionId: "legal_name", value: "Acme Trading Limited" }],
    });
    const legal = edited.data.saveResponse.answers.find(
      (a: { questionId: string }) => a.questionId === "legal_name",
    );
    expect(legal).toEqual({ questionId: "legal_name", value: "Acme Trading Limited", source: null });
    expect((await autofillAndWait(h, key, responseId)).filled).toEqual([]);
    const submittedOne = (await h.gql(key, AUTOFILL, { responseId: earlier })).data.autofillResponse;
    expect(submittedOne).toMatchObject({ __typename: "ConflictError", currentStatus: "SUBMITTED" });
  });

  it("keeps responses in flight on their questionnaire version when a new version is published", async () => {
    const inFlight = await draft();
    const published = await h.gql(
      key,
      `mutation ($id: ID!, $sections: [QuestionnaireSectionInput!]!) {
        publishQuestionnaireVersion(questionnaireId: $id, sections: $sections) { __typename ... on Questionnaire { currentVersion } }
      }`,
      {
        id: questionnaireId,
        sections: [
          {
            id: "v2",
            title: "V2",
            questions: [{ id: "website", type: "text", label: "Website", required: true }],
          },
        ],
      },
    );
    expect(published.data.publishQuestionnaireVersion.currentVersion).toBe(2);
    await h.gql(key, SAVE_RESPONSE, { responseId: inFlight, answers: kycAnswers });
    const submitted = await transition("submitResponse", inFlight);
    expect(submitted.status).toBe("SUBMITTED");
    const old = (
      await h.gql(key, `query ($id: ID!) { response(id: $id) { questionnaireVersion sections { id } } }`, {
        id: inFlight,
      })
    ).data.response;
    expect(old).toEqual({ questionnaireVersion: 1, sections: [{ id: "company" }, { id: "compliance" }] });

    const fresh = await draft();
    const current = (
      await h.gql(key, `query ($id: ID!) { response(id: $id) { questionnaireVersion sections { id } } }`, {
        id: fresh,
      })
    ).data.response;
    expect(current).toEqual({ questionnaireVersion: 2, sections: [{ id: "v2" }] });
    const wrongVersion = await h.gql(key, SAVE_RESPONSE, {
      responseId: fresh,
      answers: [{ questionId: "employees", value: 1 }],
    });
    expect(wrongVersion.data.saveResponse.issues[0].path).toEqual(["answers", "employees"]);
  });

  it("keeps responses to their workspace, environment and scopes", async () => {
    const responseId = await draft();
    expect((await h.gql(h.other.keys.sandbox, RESPONSE, { id: responseId })).data.response).toBeNull();
    expect((await h.gql(h.acme.keys.live, RESPONSE, { id: responseId })).data.response).toBeNull();
    const foreign = await h.gql(h.other.keys.sandbox, SAVE_RESPONSE, {
      responseId,
      answers: [{ questionId: "employees", value: 1 }],
    });
    expect(foreign.data.saveResponse.__typename).toBe("NotFoundError");
    const review = await h.gql(h.other.keys.sandbox, TRANSITION("startReview"), { responseId });
    expect(review.data.startReview).toMatchObject({ __typename: "NotFoundError", resource: "Response" });
    const readOnly = await provisionWorkspace(h.app, {
      organizationName: "Readers",
      workspaceName: "Readers",
      scopes: ["responses:read"],
    });
    const denied = await h.gql(readOnly.keys.sandbox, SAVE_RESPONSE, {
      responseId,
      answers: [{ questionId: "employees", value: 1 }],
    });
    expect(denied.errors?.[0]?.message).toMatch(/Not authorized/);
    const byEntity = await h.gql(
      key,
      `query ($id: ID!) { responses(entityId: $id, first: 100) { edges { node { id entity { id } } } } }`,
      {
        id: entityId,
      },
    );
    expect(byEntity.data.responses.edges.map((e: { node: { id: string } }) => e.node.id)).toContain(
      responseId,
    );
  });
});
