import { testBackends } from "@flowgate/db/testing";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createKycQuestionnaire, RESPONSE, SEND_WORKFLOW } from "./ddq-helpers.ts";
import { makePdf, uploadEntityDocument } from "./documents.ts";
import { type Harness, startHarness } from "./harness.ts";

const AUTOFILL = /* GraphQL */ `
  mutation ($responseId: ID!) {
    autofillResponse(responseId: $responseId) {
      __typename
      ... on AutofillResult {
        provider deterministic
        filled { questionId value source { kind provider deterministic field documentId page passage confidence note } }
      }
    }
  }
`;

describe.each(testBackends())("autofill from entity documents (%s)", (backend) => {
  let h: Harness;
  let key: string;

  beforeAll(async () => {
    h = await startHarness(backend);
    key = h.acme.keys.sandbox;
  });
  afterAll(() => h.close());

  it("fills answers from a generated PDF, each with its document, page, passage and confidence, and records the event", async () => {
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

    const result = (await h.gql(key, AUTOFILL, { responseId })).data.autofillResponse;
    expect(result).toMatchObject({ __typename: "AutofillResult", provider: "builtin", deterministic: true });
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
    const event = response.events.find((e: { type: string }) => e.type === "response.autofill_completed");
    expect(event.data.filled).toEqual(
      expect.arrayContaining([
        { questionId: "employees", source: "document", documentId, page: 1, confidence: 1 },
      ]),
    );
    const answer = response.answers.find((a: { questionId: string }) => a.questionId === "founded");
    expect(answer).toMatchObject({ value: "2019-03-14", source: { kind: "document" } });
  });
});
