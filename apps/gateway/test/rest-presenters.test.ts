import { describe, expect, it } from "vitest";
import { snakeRecord } from "../src/rest/presenters.ts";

describe("REST presenters", () => {
  it("snake-cases a record's own keys but keeps the caller's data as it was written", () => {
    const record = {
      responseId: "rsp_1",
      submittedAt: new Date("2026-11-30T12:00:00.000Z"),
      answers: { companyName: "Acme", beneficialOwners: [{ fullName: "Jane Roe" }] },
      metadata: { crmId: "42" },
      payload: { orderId: "o-1" },
      output: { matchScore: 0.9 },
      decisionMetadata: { reviewerNote: "ok" },
      nested: { createdAt: null, innerKey: 1 },
    };
    expect(snakeRecord(record)).toEqual({
      response_id: "rsp_1",
      submitted_at: "2026-11-30T12:00:00.000Z",
      answers: { companyName: "Acme", beneficialOwners: [{ fullName: "Jane Roe" }] },
      metadata: { crmId: "42" },
      payload: { orderId: "o-1" },
      output: { matchScore: 0.9 },
      decision_metadata: { reviewerNote: "ok" },
      nested: { created_at: null, inner_key: 1 },
    });
  });
});
