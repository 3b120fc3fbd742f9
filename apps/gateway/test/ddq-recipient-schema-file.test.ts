import { readFileSync } from "node:fs";
import { buildSchema } from "graphql";
import { describe, expect, it } from "vitest";
import { recipientSchemaFile } from "../src/recipient/print-schema.ts";
import { printRecipientSchemaSdl } from "../src/recipient/schema.ts";
import { printSchemaSdl } from "../src/schema/index.ts";

describe("recipient-schema.graphql", () => {
  it("is up to date with the recipient Pothos schema (run `pnpm schema:print` to regenerate)", () => {
    expect(readFileSync(recipientSchemaFile, "utf8")).toBe(printRecipientSchemaSdl());
  });

  it("keeps recipient operations out of the API-key schema, and API operations out of the recipient's", () => {
    const api = printSchemaSdl();
    const recipient = printRecipientSchemaSdl();
    expect(api).not.toMatch(/\b(saveAnswers|completeVerification)\b/);
    // The recipient's `link` query (the magic link's own record) is not a field of the API-key Query type.
    expect(buildSchema(api).getQueryType()?.getFields().link).toBeUndefined();
    for (const operation of [
      "sendWorkflow",
      "creditBalance",
      "grantCredits",
      "entity(",
      "workflow(",
      "session(",
    ]) {
      expect(recipient).not.toContain(operation);
    }
    expect(recipient).toContain("saveAnswers(");
    expect(recipient).toContain("submitResponse:");
  });
});
