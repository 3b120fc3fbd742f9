import { describe, expect, it } from "vitest";
import {
  assertVerificationEntity,
  defaultResponseName,
  planRecipientSend,
  planSendResponse,
  type RecipientSendInput,
  ValidationError,
} from "../src/index.ts";

const defaults = { expiryHours: 48 };

function issues(input: RecipientSendInput): { path: string; message: string }[] {
  try {
    planRecipientSend(input, defaults);
    return [];
  } catch (error) {
    if (!(error instanceof ValidationError)) throw error;
    return error.issues.map((issue) => ({ path: issue.path.join("."), message: issue.message }));
  }
}

describe("planSendWorkflow (seed 003 rules)", () => {
  it("plans a direct send with the workspace's default lifetime", () => {
    expect(
      planRecipientSend(
        { entity: { legalName: "Acme" }, ddq: { questionnaireId: "qnr_1" }, email: " a@b.co " },
        defaults,
      ),
    ).toEqual({
      entity: { kind: "new", fields: expect.objectContaining({ entityType: "company", legalName: "Acme" }) },
      ddq: { questionnaireId: "qnr_1", responseName: null, runId: null },
      verification: null,
      prefill: false,
      email: "a@b.co",
      expiryHours: 48,
      steps: ["ddq"],
    });
  });

  it("plans the prefill path without email, keeping the verification checks", () => {
    const plan = planRecipientSend(
      {
        entityId: "ent_1",
        ddq: { questionnaireId: "qnr_1", prefill: true },
        verification: { checks: { document: true } },
        expiryHours: 5,
      },
      defaults,
    );
    expect(plan).toMatchObject({
      entity: { kind: "existing", id: "ent_1" },
      prefill: true,
      email: null,
      steps: ["ddq", "verification"],
      verification: { document: true, identity: false, enhancedIdentity: false, proofOfAddress: false },
    });
  });

  it.each<[string, RecipientSendInput, string[]]>([
    [
      "both entityId and entity",
      { entityId: "ent_1", entity: { legalName: "A" }, ddq: { questionnaireId: "q" }, email: "a@b.co" },
      ["entity"],
    ],
    ["neither entityId nor entity", { ddq: { questionnaireId: "q" }, email: "a@b.co" }, ["entityId"]],
    ["no ddq and no verification", { entityId: "ent_1", email: "a@b.co" }, ["ddq"]],
    ["no email on the direct path", { entityId: "ent_1", ddq: { questionnaireId: "q" } }, ["email"]],
    ["an invalid email", { entityId: "ent_1", ddq: { questionnaireId: "q" }, email: "nope" }, ["email"]],
    [
      "verification for an inline company",
      { entity: { legalName: "A" }, verification: { checks: { document: true } }, email: "a@b.co" },
      ["verification"],
    ],
    [
      "no check true",
      { entityId: "ent_1", verification: { checks: { document: false } }, email: "a@b.co" },
      ["verification.checks"],
    ],
    [
      "expiry below 1",
      { entityId: "ent_1", ddq: { questionnaireId: "q" }, email: "a@b.co", expiryHours: 0 },
      ["expiryHours"],
    ],
    [
      "expiry above 168",
      { entityId: "ent_1", ddq: { questionnaireId: "q" }, email: "a@b.co", expiryHours: 169 },
      ["expiryHours"],
    ],
    [
      "a fractional expiry",
      { entityId: "ent_1", ddq: { questionnaireId: "q" }, email: "a@b.co", expiryHours: 1.5 },
      ["expiryHours"],
    ],
    [
      "an empty questionnaire id",
      { entityId: "ent_1", ddq: { questionnaireId: " " }, email: "a@b.co" },
      ["ddq.questionnaireId"],
    ],
    [
      "a response name too long",
      { entityId: "ent_1", ddq: { questionnaireId: "q", responseName: "x".repeat(201) }, email: "a@b.co" },
      ["ddq.responseName"],
    ],
    [
      "an invalid entity block",
      { entity: { entityType: "individual" }, ddq: { questionnaireId: "q" }, email: "a@b.co" },
      ["entity.firstName", "entity.lastName"],
    ],
    [
      "several problems at once",
      { verification: { checks: {} } },
      ["entityId", "verification.checks", "email"],
    ],
  ])("refuses %s", (_label, input, paths) => {
    expect(issues(input).map((issue) => issue.path)).toEqual(paths);
  });

  it("accepts verification for an inline individual and 1 and 168 hours", () => {
    for (const expiryHours of [1, 168]) {
      expect(
        planRecipientSend(
          {
            entity: { entityType: "individual", firstName: "J", lastName: "S" },
            verification: { checks: { identity: true } },
            email: "j@s.co",
            expiryHours,
          },
          defaults,
        ).steps,
      ).toEqual(["verification"]);
    }
    expect(() => assertVerificationEntity("company")).toThrow(ValidationError);
    try {
      assertVerificationEntity("company");
    } catch (error) {
      expect((error as ValidationError).issues[0]).toMatchObject({
        path: ["verification"],
        message: /individuals only/,
      });
    }
    expect(() => assertVerificationEntity("individual")).not.toThrow();
  });
});

describe("planSendResponse", () => {
  it("falls back to the entity's email and the workspace's lifetime", () => {
    expect(planSendResponse({}, { entityEmail: "e@x.co", expiryHours: 24 })).toEqual({
      email: "e@x.co",
      expiryHours: 24,
    });
    expect(
      planSendResponse({ email: "o@x.co", expiryHours: 2 }, { entityEmail: "e@x.co", expiryHours: 24 }),
    ).toEqual({
      email: "o@x.co",
      expiryHours: 2,
    });
  });

  it("needs an email when the entity has none", () => {
    expect(() => planSendResponse({}, { entityEmail: null, expiryHours: 48 })).toThrow(ValidationError);
    try {
      planSendResponse({ expiryHours: 0 }, { entityEmail: null, expiryHours: 48 });
    } catch (error) {
      expect((error as ValidationError).issues.map((i) => i.path[0])).toEqual(["email", "expiryHours"]);
    }
  });

  it("names a response after the entity and the questionnaire", () => {
    expect(defaultResponseName("Acme Corp", "Supplier DDQ")).toBe("Acme Corp – Supplier DDQ");
  });
});
