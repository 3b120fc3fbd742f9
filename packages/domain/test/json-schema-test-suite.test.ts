import { readdirSync, readFileSync } from "node:fs";
import { describe, expect, it } from "vitest";
import { type PayloadSchema, payloadSchemaIssues, validatePayload } from "../src/index.ts";

/** One group of the official suite: a schema and values that it accepts or refuses. */
interface SuiteGroup {
  description: string;
  schema: unknown;
  tests: { description: string; data: unknown; valid: boolean }[];
}

const directory = new URL("./json-schema-test-suite/draft2020-12/", import.meta.url);
const suite = readdirSync(directory)
  .filter((file) => file.endsWith(".json"))
  .sort()
  .map((file) => ({
    file,
    groups: JSON.parse(readFileSync(new URL(file, directory), "utf8")) as SuiteGroup[],
  }));

const supported = suite.flatMap(({ file, groups }) =>
  groups
    .filter((group) => payloadSchemaIssues(group.schema).length === 0)
    .flatMap((group) =>
      group.tests.map((test) => ({
        name: `${file}: ${group.description}: ${test.description}`,
        group,
        test,
      })),
    ),
);

describe("JSON-Schema-Test-Suite draft 2020-12", () => {
  it.each(supported)("$name", ({ group, test }) => {
    const issues = validatePayload(group.schema as PayloadSchema, test.data);
    expect(issues.length === 0, JSON.stringify(issues)).toBe(test.valid);
    // Every refusal names a reason and a path in the value.
    for (const issue of issues) expect(issue.message.length).toBeGreaterThan(3);
  });

  it("runs the cases of every supported keyword and refuses the other schemas with a reason", () => {
    expect(supported.length).toBeGreaterThanOrEqual(500);
    const files = new Set(supported.map(({ name }) => name.split(":")[0]));
    expect(files.size).toBe(suite.length);
    const refused = suite.flatMap(({ groups }) =>
      groups.flatMap((group) => payloadSchemaIssues(group.schema)),
    );
    expect(refused.length).toBeGreaterThan(0);
    for (const issue of refused) {
      expect(issue.message).toMatch(
        /^(unsupported keyword "(patternProperties|allOf|propertyNames|dependentSchemas|\$defs|prefixItems)"|must be a non-empty list of values|cannot be checked: unsupported property name)/,
      );
    }
  });
});
