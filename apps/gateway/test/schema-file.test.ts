import { readFileSync } from "node:fs";
import { describe, expect, it } from "vitest";
import { printSchemaSdl } from "../src/schema/index.ts";
import { schemaFile } from "../src/schema/print-schema.ts";

describe("schema.graphql", () => {
  it("is up to date with the Pothos schema (run `pnpm schema:print` to regenerate)", () => {
    expect(readFileSync(schemaFile, "utf8")).toBe(printSchemaSdl());
  });
});
