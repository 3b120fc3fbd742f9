import { testBackends } from "@flowgate/db/testing";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { CREATE_WORKFLOW, designExampleGraph } from "./fixtures.ts";
import { type Harness, startHarness } from "./harness.ts";

/** graphql-jit's marker for `Date` values in the code it generates, which it turns into `new Date(…)`. */
const jitDateMarker = "__MAGIC_DATE__33a9e76d_02e0_4128_8e92_3530ad3da74d";

describe.each(testBackends())("queries run compiled (%s)", (backend) => {
  let h: Harness;
  let key: string;
  let workflowId: string;

  /** POSTs a document with an operation name. */
  async function post(query: string, operationName: string, variables: Record<string, unknown> = {}) {
    const response = await fetch(h.server.url, {
      method: "POST",
      headers: { "content-type": "application/json", "x-api-key": key },
      body: JSON.stringify({ query, operationName, variables }),
    });
    return (await response.json()) as { data?: any; errors?: { message: string }[] };
  }

  beforeAll(async () => {
    h = await startHarness(backend);
    key = h.acme.keys.sandbox;
    const { data } = await h.gql(key, CREATE_WORKFLOW, { name: "Compiled", graph: designExampleGraph });
    workflowId = data.createWorkflow.id;
  });
  afterAll(() => h?.close());

  it("answers the same document the same way every time, each operation of it by its name", async () => {
    const document = /* GraphQL */ `
      query Named($id: ID!) { workflow(id: $id) { name } }
      query Versioned($id: ID!) { workflow(id: $id) { currentVersion } }
    `;
    for (let i = 0; i < 3; i++) {
      expect(await post(document, "Named", { id: workflowId })).toEqual({
        data: { workflow: { name: "Compiled" } },
      });
      expect(await post(document, "Versioned", { id: workflowId })).toEqual({
        data: { workflow: { currentVersion: 1 } },
      });
    }
    const unknown = await post(document, "Missing", { id: workflowId });
    expect(unknown.data ?? null).toBeNull();
    expect(unknown.errors?.[0]?.message).toBe("Could not determine what operation to execute.");
    const missingVariable = await post(document, "Named");
    expect(missingVariable.errors?.[0]?.message).toMatch(/\$id/);
  });

  it("answers a resolver's error with its code, path and location in the document", async () => {
    const query = "query ($id: ID!) {\n  run(id: $id) { id }\n}";
    for (let i = 0; i < 2; i++) {
      const { data, errors } = await h.gql(key, query, { id: "wfr_\u0000" });
      expect(data).toEqual({ run: null });
      expect(errors).toEqual([
        expect.objectContaining({
          path: ["run"],
          locations: [{ line: 2, column: 3 }],
          extensions: expect.objectContaining({ code: "VALIDATION" }),
        }),
      ]);
    }
  });

  it("never runs a string of the document as code: literals and names holding graphql-jit's markers are data", async () => {
    const probe = globalThis as { compiledQueryProbe?: unknown };
    for (const query of [
      `{ workflow(id: "${jitDateMarker}(globalThis.compiledQueryProbe=1)") { id } }`,
      `{ workflow(id: """${jitDateMarker}(globalThis.compiledQueryProbe=2)""") { id } }`,
      `query ($id: ID! = "${jitDateMarker}(globalThis.compiledQueryProbe=3)") { workflow(id: $id) { id } }`,
    ]) {
      for (let i = 0; i < 2; i++) {
        const { data } = await h.gql(key, query);
        expect(data).toEqual({ workflow: null });
      }
    }
    // Twice each: a document is compiled at its second execution.
    for (let i = 0; i < 2; i++) {
      const { data } = await h.gql(key, `{ ${jitDateMarker}globalThis: __typename }`);
      expect(data).toEqual({ [`${jitDateMarker}globalThis`]: "Query" });
      // The same string as a variable is a value too.
      const variable = await h.gql(key, "query ($id: ID!) { workflow(id: $id) { id } }", {
        id: `${jitDateMarker}(globalThis.compiledQueryProbe=4)`,
      });
      expect(variable.data).toEqual({ workflow: null });
    }
    expect(probe.compiledQueryProbe).toBeUndefined();
  });
});
