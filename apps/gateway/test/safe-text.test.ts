import { testBackends } from "@flowgate/db/testing";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { CREATE_SESSION, CREATE_WORKFLOW, designExampleGraph } from "./fixtures.ts";
import { type Harness, startHarness } from "./harness.ts";

/** Strings PostgreSQL cannot store or that are not Unicode. */
const bad = { nul: "Acme\u0000KYC", surrogate: "Acme \ud800 KYC", lowSurrogate: "\udc00" };

describe.each(testBackends())("bad bytes at the edge (%s)", (backend) => {
  let h: Harness;
  let key: string;

  beforeAll(async () => {
    h = await startHarness(backend);
    key = h.acme.keys.sandbox;
  });
  afterAll(() => h?.close());

  it("answers a name with NUL or a lone surrogate with a ValidationError naming it — in variables and literals", async () => {
    for (const name of Object.values(bad)) {
      const { data, errors } = await h.gql(key, CREATE_WORKFLOW, { name, graph: designExampleGraph });
      expect(errors).toBeUndefined();
      expect(data.createWorkflow).toMatchObject({
        __typename: "ValidationError",
        issues: [{ path: ["name"], message: expect.stringMatching(/NUL|surrogate/) }],
      });
    }
    // The same string as a literal in the document.
    const literal = await h.gql(
      key,
      `mutation ($graph: JSON!) { createWorkflow(name: "Acme\\u0000KYC", graph: $graph) { __typename ... on ValidationError { issues { path } } } }`,
      { graph: designExampleGraph },
    );
    expect(literal.data.createWorkflow).toEqual({
      __typename: "ValidationError",
      issues: [{ path: ["name"] }],
    });
  });

  it("finds them deep inside JSON inputs, keys included", async () => {
    const { data } = await h.gql(key, CREATE_SESSION, {
      sandbox: { aml: { note: bad.nul, [bad.surrogate]: 1 } },
    });
    expect(data.createSession.__typename).toBe("ValidationError");
    const invalid = await h.gql(
      key,
      `mutation ($sandbox: JSONObject) { createSession(sandbox: $sandbox) { ... on ValidationError { issues { path } } } }`,
      { sandbox: { aml: { note: bad.nul, [bad.surrogate]: 1 } } },
    );
    expect(invalid.data.createSession.issues.map((i: { path: string[] }) => i.path.join("."))).toEqual([
      "sandbox.aml.note",
      `sandbox.aml.${bad.surrogate}`,
    ]);
  });

  it("answers an id of node, session or run holding them with code VALIDATION naming the argument", async () => {
    for (const [query, field] of [
      ["query ($id: ID!) { node(id: $id) { id } }", "node"],
      ["query ($id: ID!) { session(id: $id) { id } }", "session"],
      ["query ($id: ID!) { run(id: $id) { id } }", "run"],
    ] as const) {
      for (const id of [`ses_${bad.nul}`, `wfr_${bad.surrogate}`, bad.lowSurrogate]) {
        const { errors } = await h.gql(key, query, { id });
        expect(errors, `${field} ${JSON.stringify(id)}`).toHaveLength(1);
        expect(errors?.[0]?.message).not.toMatch(/Unexpected error/);
        expect(errors?.[0]?.extensions).toMatchObject({ code: "VALIDATION" });
        // `node` sees the id decoded by the Relay plugin (`id.id`), the others the argument itself.
        const [issue] = (errors?.[0]?.extensions?.issues ?? []) as { path: string[] }[];
        expect(issue?.path[0]).toBe("id");
      }
    }
  });
});
