import { testBackends } from "@flowgate/db/testing";
import { riskRulesVersion } from "@flowgate/domain";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { CREATE_WORKFLOW, SUBMIT_SESSION } from "./fixtures.ts";
import { eventually, type Harness, startHarness } from "./harness.ts";

const graph = {
  entry: "start",
  nodes: [
    { id: "start", type: "start", next: "doc" },
    { id: "doc", type: "policy", policy: "document", routes: { pass: "aml", fail: "aml" } },
    { id: "aml", type: "policy", policy: "aml_screening", routes: { pass: "ok", fail: "review" } },
    { id: "ok", type: "terminal", outcome: "approved" },
    { id: "review", type: "terminal", outcome: "needs_review" },
  ],
};

const CREATE = /* GraphQL */ `
  mutation ($workflowId: ID, $referenceId: String, $identityId: ID, $identity: IdentityInput, $allowDuplicate: Boolean, $sandbox: JSONObject) {
    createSession(workflowId: $workflowId, referenceId: $referenceId, identityId: $identityId, identity: $identity, allowDuplicate: $allowDuplicate, sandbox: $sandbox) {
      __typename
      ... on Session { id identityId inviteeEmail identity { id entityType firstName lastName email } }
      ... on ConflictError { message currentStatus }
      ... on NotFoundError { resource }
      ... on ValidationError { issues { path message } }
    }
  }
`;
const CREATE_ENTITY = /* GraphQL */ `
  mutation ($legalName: String) { createEntity(entityType: company, legalName: $legalName) { __typename ... on Entity { id } ... on Error { message } } }
`;
const ENTITY_SESSIONS = /* GraphQL */ `
  query ($id: ID!) { entity(id: $id) { id sessions(first: 10) { edges { node { id referenceId } } } } }
`;
const RISK = /* GraphQL */ `
  query ($id: ID!) {
    session(id: $id) {
      status
      checks { id nodeId }
      riskAssessment { id runId score level rulesVersion signals { code weight checkId nodeId description } }
    }
  }
`;
const REPROCESS = /* GraphQL */ `mutation ($id: ID!) { reprocessSession(id: $id) { __typename } }`;

describe.each(testBackends())("identities and risk assessments (%s)", (backend) => {
  let h: Harness;
  let key: string;
  let workflowId: string;

  beforeAll(async () => {
    h = await startHarness(backend);
    key = h.acme.keys.sandbox;
    workflowId = (await h.gql(key, CREATE_WORKFLOW, { name: "risk", graph })).data.createWorkflow.id;
  });
  afterAll(() => h.close());

  it("creates a session with a new identity, lists it on the entity, and keeps one open session per identity and reference", async () => {
    const first = await h.gql(key, CREATE, {
      workflowId,
      referenceId: "user-1",
      identity: { firstName: "Ada", lastName: "Lovelace", email: "ada@example.com" },
    });
    const session = first.data.createSession;
    expect(session).toMatchObject({
      __typename: "Session",
      inviteeEmail: "ada@example.com",
      identity: { entityType: "individual", firstName: "Ada", lastName: "Lovelace" },
    });
    const identityId = session.identityId;
    expect(identityId).toMatch(/^ent_/);

    const duplicate = await h.gql(key, CREATE, { workflowId, referenceId: "user-1", identityId });
    expect(duplicate.data.createSession.__typename).toBe("ConflictError");
    expect(duplicate.data.createSession.message).toContain(session.id);
    const otherReference = await h.gql(key, CREATE, { workflowId, referenceId: "user-2", identityId });
    expect(otherReference.data.createSession.__typename).toBe("Session");
    const allowed = await h.gql(key, CREATE, {
      workflowId,
      referenceId: "user-1",
      identityId,
      allowDuplicate: true,
    });
    expect(allowed.data.createSession.__typename).toBe("Session");

    const listed = await h.gql(key, ENTITY_SESSIONS, { id: identityId });
    expect(listed.data.entity.sessions.edges.map((e: any) => e.node.id).sort()).toEqual(
      [session.id, otherReference.data.createSession.id, allowed.data.createSession.id].sort(),
    );

    const both = await h.gql(key, CREATE, { identityId, identity: { firstName: "A", lastName: "B" } });
    expect(both.data.createSession.issues[0].path).toEqual(["identity"]);
    const nameless = await h.gql(key, CREATE, { identity: { firstName: "", lastName: "B" } });
    expect(nameless.data.createSession.issues[0].path[0]).toBe("identity");
    const foreign = await h.gql(h.other.keys.sandbox, CREATE, { identityId });
    expect(foreign.data.createSession).toMatchObject({ __typename: "NotFoundError", resource: "Entity" });
  });

  it("refuses a company as an identity", async () => {
    const company = await h.gql(key, CREATE_ENTITY, { legalName: "Acme Ltd" });
    const refused = await h.gql(key, CREATE, { identityId: company.data.createEntity.id });
    expect(refused.data.createSession.issues[0].path).toEqual(["identityId"]);
  });

  async function finished(sandbox: Record<string, unknown>) {
    const id = (await h.gql(key, CREATE, { workflowId, sandbox })).data.createSession.id;
    await h.gql(key, SUBMIT_SESSION, { sessionId: id });
    return eventually(async () => {
      const s = (await h.gql(key, RISK, { id })).data.session;
      return s.status === "completed" && s.riskAssessment ? { id, ...s } : null;
    });
  }

  it("stores a risk assessment with its rules version when the run ends", async () => {
    const low = await finished({});
    expect(low.riskAssessment).toMatchObject({ score: 5, level: "low", rulesVersion: riskRulesVersion });
    expect(low.riskAssessment.signals).toEqual([
      expect.objectContaining({ code: "aml_score", weight: 5, nodeId: "aml", checkId: low.checks[1].id }),
    ]);

    const risky = await finished({
      doc: { outcome: "fail", output: { expired: true } },
      aml: { output: { score: 80, pep: true } },
    });
    expect(risky.riskAssessment.level).toBe("critical");
    expect(risky.riskAssessment.score).toBe(100);
    expect(risky.riskAssessment.signals.map((s: any) => s.code)).toEqual([
      "check_failed",
      "document_expired",
      "aml_score",
      "pep_match",
    ]);
    const rows = await h.database.db
      .selectFrom("session_risk_assessments")
      .select(["rules_version", "score", "level"])
      .where("session_id", "=", risky.id)
      .execute();
    expect(rows).toEqual([{ rules_version: riskRulesVersion, score: 100, level: "critical" }]);

    // A reprocess assesses its new run; the session shows the current run's assessment.
    await h.gql(key, REPROCESS, { id: low.id });
    const again = await eventually(async () => {
      const s = (await h.gql(key, RISK, { id: low.id })).data.session;
      return s.status === "completed" &&
        s.riskAssessment &&
        s.riskAssessment.runId !== low.riskAssessment.runId
        ? s
        : null;
    });
    expect(again.riskAssessment.score).toBe(5);
  });
});
