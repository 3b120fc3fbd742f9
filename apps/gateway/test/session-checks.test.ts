import { testBackends } from "@flowgate/db/testing";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { CREATE_SESSION, CREATE_WORKFLOW, SUBMIT_SESSION } from "./fixtures.ts";
import { eventually, type Harness, startHarness } from "./harness.ts";

const graph = {
  entry: "start",
  nodes: [
    { id: "start", type: "start", next: "doc" },
    {
      id: "doc",
      type: "policy",
      policy: "document",
      retries: 1,
      routes: { pass: "aml", fail: "no", error: "review" },
    },
    { id: "aml", type: "policy", policy: "aml_screening", routes: { pass: "ok", fail: "review" } },
    { id: "ok", type: "terminal", outcome: "approved" },
    { id: "no", type: "terminal", outcome: "rejected" },
    { id: "review", type: "terminal", outcome: "needs_review" },
  ],
};

const CHECKS = /* GraphQL */ `
  query ($id: ID!) {
    session(id: $id) {
      id status result
      checks {
        id nodeId policy status result output error runId
        attempts { id number outcome error providerReference startedAt completedAt output }
      }
      verificationAttempts { id number outcome }
      workflowRun { id status finalStatus auditTrail { action reason data } checks { id } }
    }
  }
`;
const RETRY_CHECK = /* GraphQL */ `
  mutation ($checkId: ID!, $reason: String) {
    retryCheck(checkId: $checkId, reason: $reason) {
      __typename
      ... on RetryCheckPayload { check { id nodeId } run { id status currentNode } }
      ... on ConflictError { message currentStatus }
      ... on NotFoundError { message resource }
    }
  }
`;
const REPROCESS = /* GraphQL */ `
  mutation ($id: ID!) { reprocessSession(id: $id) { __typename ... on Error { message } } }
`;
const CHECK = /* GraphQL */ `query ($id: ID!) { sessionCheck(id: $id) { id status } }`;

describe.each(testBackends())("verification checks and attempts (%s)", (backend) => {
  let h: Harness;
  let key: string;
  let workflowId: string;

  beforeAll(async () => {
    h = await startHarness(backend);
    key = h.acme.keys.sandbox;
    workflowId = (await h.gql(key, CREATE_WORKFLOW, { name: "checks", graph })).data.createWorkflow.id;
  });
  afterAll(() => h.close());

  async function run(sandbox: Record<string, unknown>) {
    const sessionId = (await h.gql(key, CREATE_SESSION, { workflowId, sandbox })).data.createSession.id;
    await h.gql(key, SUBMIT_SESSION, { sessionId });
    const session = await eventually(async () => {
      const s = (await h.gql(key, CHECKS, { id: sessionId })).data.session;
      return s.status === "completed" ? s : null;
    });
    return { sessionId, session };
  }

  it("records each check with every attempt as its own record", async () => {
    const { session } = await run({
      doc: { outcome: "pass", error_attempts: 1 },
      aml: { output: { score: 12 } },
    });
    expect(session.result).toBe("approved");
    expect(session.checks.map((c: any) => [c.nodeId, c.policy, c.status, c.result])).toEqual([
      ["doc", "document", "passed", "pass"],
      ["aml", "aml_screening", "passed", "pass"],
    ]);
    for (const check of session.checks) expect(check.id).toMatch(/^chk_/);
    const [doc, aml] = session.checks;
    expect(doc.attempts.map((a: any) => [a.number, a.outcome, a.error])).toEqual([
      [1, "error", "sandbox simulated error on attempt 1"],
      [2, "pass", null],
    ]);
    for (const attempt of [...doc.attempts, ...aml.attempts]) {
      expect(attempt.id).toMatch(/^att_/);
      expect(attempt.providerReference).toMatch(/^sbx_/);
      expect(Date.parse(attempt.completedAt)).toBeGreaterThanOrEqual(Date.parse(attempt.startedAt));
    }
    expect(new Set(doc.attempts.map((a: any) => a.providerReference)).size).toBe(2);
    expect(aml.output).toMatchObject({ score: 12 });
    expect(session.verificationAttempts).toHaveLength(3);
    expect(session.workflowRun.checks.map((c: any) => c.id)).toEqual(session.checks.map((c: any) => c.id));
  });

  it("retryCheck re-runs an errored check through the retryRun path, adding attempts", async () => {
    const { sessionId, session } = await run({ doc: { outcome: "pass", error_attempts: 9 } });
    expect(session.result).toBe("needs_review");
    const doc = session.checks.find((c: any) => c.nodeId === "doc");
    expect(doc).toMatchObject({ status: "errored", result: "error" });
    expect(doc.attempts.map((a: any) => a.outcome)).toEqual(["error", "error"]);

    const foreign = await h.gql(h.other.keys.sandbox, RETRY_CHECK, { checkId: doc.id });
    expect(foreign.data.retryCheck).toMatchObject({ __typename: "NotFoundError", resource: "Check" });
    expect((await h.gql(h.other.keys.sandbox, CHECK, { id: doc.id })).data.sessionCheck).toBeNull();

    const retried = await h.gql(key, RETRY_CHECK, { checkId: doc.id, reason: "provider fixed" });
    expect(retried.data.retryCheck).toMatchObject({
      __typename: "RetryCheckPayload",
      check: { id: doc.id, nodeId: "doc" },
      run: { id: session.workflowRun.id, status: "running", currentNode: "doc" },
    });
    const after = await eventually(async () => {
      const s = (await h.gql(key, CHECKS, { id: sessionId })).data.session;
      return s.status === "completed" ? s : null;
    });
    const again = after.checks.find((c: any) => c.id === doc.id);
    expect(again.attempts.map((a: any) => a.number)).toEqual([1, 2, 3, 4]);
    const retries = after.workflowRun.auditTrail.filter((a: any) => a.action === "retry");
    expect(retries).toEqual([
      { action: "retry", reason: "provider fixed", data: { fromNode: "doc", checkId: doc.id } },
    ]);
  });

  it("refuses to retry a passed check, or a check of a run a reprocess superseded", async () => {
    const { session } = await run({});
    const doc = session.checks.find((c: any) => c.nodeId === "doc");
    const passed = await h.gql(key, RETRY_CHECK, { checkId: doc.id });
    expect(passed.data.retryCheck).toMatchObject({ __typename: "ConflictError", currentStatus: "passed" });

    const { session: errored } = await run({ aml: { outcome: "error" } });
    const aml = errored.checks.find((c: any) => c.nodeId === "aml");
    const reprocessed = await h.gql(key, REPROCESS, { id: errored.id });
    expect(reprocessed.data.reprocessSession.__typename).toBe("ReprocessSessionPayload");
    const stale = await h.gql(key, RETRY_CHECK, { checkId: aml.id });
    expect(stale.data.retryCheck).toMatchObject({ __typename: "ConflictError" });
    expect(stale.data.retryCheck.message).toContain("superseded");
  });
});
