import { testBackends } from "@flowgate/db/testing";
import { SmtpEmailSender } from "@flowgate/engine";
import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { autofillAndWait } from "./autofill-helpers.ts";
import {
  CREDIT_BALANCE,
  createKycQuestionnaire,
  GRANT_CREDITS,
  RESPONSE,
  SAVE_RESPONSE,
  SEND_RESPONSE,
  SEND_WORKFLOW,
  TestSmtpServer,
} from "./ddq-helpers.ts";
import { type Harness, startHarness } from "./harness.ts";

const hour = 3_600_000;

function issuePaths(result: { issues: { path: string[] }[] }): string[] {
  return result.issues.map((issue) => issue.path.join("."));
}

function expectExpiry(expiresAt: string, hours: number): void {
  const delta = new Date(expiresAt).getTime() - Date.now();
  expect(delta).toBeGreaterThan(hours * hour - 60_000);
  expect(delta).toBeLessThanOrEqual(hours * hour);
}

const LEDGER = /* GraphQL */ `{ creditLedger { edges { node { kind amount balanceAfter action referenceId } } } }`;

describe.each(testBackends())("sendWorkflow and sendResponse (%s)", (backend) => {
  let h: Harness;
  let smtp: TestSmtpServer;
  let sandbox: string;
  let live: string;
  let questionnaireId: string;
  let liveQuestionnaireId: string;

  beforeAll(async () => {
    smtp = await TestSmtpServer.start();
    h = await startHarness(backend, { email: new SmtpEmailSender({ url: smtp.url }) });
    sandbox = h.acme.keys.sandbox;
    live = h.acme.keys.live;
    questionnaireId = await createKycQuestionnaire(h, sandbox);
    liveQuestionnaireId = await createKycQuestionnaire(h, live);
  });
  afterAll(async () => {
    await h.close();
    await smtp.close();
  });
  beforeEach(() => smtp.acceptAll());

  it("direct send: creates the entity and a DRAFT response, emails a readable magic link, answers the seed's object", async () => {
    const sent = await h.gql(sandbox, SEND_WORKFLOW, {
      entity: { legalName: "Acme Corp", email: "ops@acme.example" },
      ddq: { questionnaireId },
      email: "recipient-1@acme.example",
    });
    const result = sent.data.sendWorkflow;
    expect(result).toMatchObject({
      __typename: "WorkflowResponse",
      status: "sent",
      emailSent: true,
      entityName: "Acme Corp",
      verificationSessionId: null,
      steps: ["ddq"],
      creditsCharged: 0,
    });
    expect(result.workflowSessionId).toMatch(/^wfs_/);
    expect(result.entityId).toMatch(/^ent_/);
    expect(result.responseId).toMatch(/^rsp_/);
    expectExpiry(result.expiresAt, 48);

    const email = smtp.only("recipient-1@acme.example");
    expect(email.subject).toBe("Action required: complete your due-diligence questionnaire");
    expect(email.text).toContain("Hello Acme Corp,");
    expect(email.text).toContain("Complete the due-diligence questionnaire: Supplier DDQ");
    expect(email.text).toContain(
      `The link expires on ${result.expiresAt.slice(0, 16).replace("T", " ")} UTC`,
    );
    expect(email.token).toMatch(/^fgl_[A-Za-z0-9_-]{43}$/);
    expect(email.html).toContain(`href="${email.link}"`);

    const response = (await h.gql(sandbox, RESPONSE, { id: result.responseId })).data.response;
    expect(response).toMatchObject({
      status: "DRAFT",
      name: "Acme Corp – Supplier DDQ",
      entityId: result.entityId,
      questionnaireVersion: 1,
      workflowSessionId: result.workflowSessionId,
    });
    expect(response.sentAt).not.toBeNull();
    expect(response.events.map((e: { type: string }) => e.type)).toEqual([
      "response.created",
      "response.sent",
    ]);
    const session = await h.gql(
      sandbox,
      `query ($id: ID!) { workflowSession(id: $id) { email linkStatus steps { kind status } emailSentAt entity { legalName email } } }`,
      { id: result.workflowSessionId },
    );
    expect(session.data.workflowSession).toMatchObject({
      email: "recipient-1@acme.example",
      linkStatus: "active",
      steps: [{ kind: "ddq", status: "pending" }],
      entity: { legalName: "Acme Corp", email: "ops@acme.example" },
    });
    expect(session.data.workflowSession.emailSentAt).not.toBeNull();
  });

  it("DDQ + verification for an individual creates a verification session; verification alone has no response", async () => {
    const both = await h.gql(sandbox, SEND_WORKFLOW, {
      entity: { entityType: "individual", firstName: "Jane", lastName: "Smith" },
      ddq: { questionnaireId, responseName: "Jane's onboarding" },
      verification: { checks: { document: true, identity: true } },
      email: "jane@example.com",
      expiryHours: 1,
    });
    const result = both.data.sendWorkflow;
    expect(result).toMatchObject({
      status: "sent",
      entityName: "Jane Smith",
      steps: ["ddq", "verification"],
    });
    expect(result.verificationSessionId).toMatch(/^ses_/);
    expectExpiry(result.expiresAt, 1);
    const session = await h.gql(sandbox, `query ($id: ID!) { session(id: $id) { status metadata } }`, {
      id: result.verificationSessionId,
    });
    expect(session.data.session).toMatchObject({
      status: "created",
      metadata: {
        entityId: result.entityId,
        checks: { document: true, identity: true, enhancedIdentity: false },
      },
    });
    expect((await h.gql(sandbox, RESPONSE, { id: result.responseId })).data.response.name).toBe(
      "Jane's onboarding",
    );
    expect(smtp.only("jane@example.com").text).toContain("Verify your identity");

    const alone = await h.gql(sandbox, SEND_WORKFLOW, {
      entityId: result.entityId,
      verification: { checks: { proofOfAddress: true } },
      email: "jane2@example.com",
    });
    expect(alone.data.sendWorkflow).toMatchObject({
      status: "sent",
      responseId: null,
      steps: ["verification"],
      entityId: result.entityId,
    });
    expect(smtp.only("jane2@example.com").subject).toBe("Action required: verify your identity");
  });

  it("refuses every invalid request of seed 003 with a ValidationError naming the field, creating nothing", async () => {
    const entitiesBefore = (await h.gql(sandbox, "{ entities(first: 100) { edges { node { id } } } }")).data
      .entities.edges.length;
    const company = (
      await h.gql(sandbox, `mutation { createEntity(legalName: "Co Ltd") { ... on Entity { id } } }`)
    ).data.createEntity.id;
    const cases: [Record<string, unknown>, string[], RegExp][] = [
      [
        { entityId: company, entity: { legalName: "X" }, ddq: { questionnaireId }, email: "a@b.co" },
        ["entity"],
        /mutually exclusive/,
      ],
      [{ ddq: { questionnaireId }, email: "a@b.co" }, ["entityId"], /exactly one of entityId/],
      [{ entity: { legalName: "X" }, email: "a@b.co" }, ["ddq"], /at least one of ddq and verification/],
      [{ entity: { legalName: "X" }, ddq: { questionnaireId } }, ["email"], /required unless ddq.prefill/],
      [
        { entity: { legalName: "X" }, ddq: { questionnaireId }, email: "not-an-email" },
        ["email"],
        /not a valid email/,
      ],
      [
        { entity: { legalName: "X" }, verification: { checks: { document: true } }, email: "a@b.co" },
        ["verification"],
        /individuals only/,
      ],
      [
        {
          entity: { entityType: "individual", firstName: "A", lastName: "B" },
          verification: { checks: { document: false } },
          email: "a@b.co",
        },
        ["verification.checks"],
        /at least one check/,
      ],
      [
        { entity: { legalName: "X" }, ddq: { questionnaireId }, email: "a@b.co", expiryHours: 0 },
        ["expiryHours"],
        /1 to 168/,
      ],
      [
        { entity: { legalName: "X" }, ddq: { questionnaireId }, email: "a@b.co", expiryHours: 169 },
        ["expiryHours"],
        /1 to 168/,
      ],
      [
        { entity: { tradingName: "X" }, ddq: { questionnaireId }, email: "a@b.co" },
        ["entity.legalName"],
        /required for a company/,
      ],
      [
        {
          entity: { entityType: "individual", firstName: "A" },
          ddq: { questionnaireId },
          email: "a@b.co",
          expiryHours: 500,
        },
        ["entity.lastName", "expiryHours"],
        /required for an individual/,
      ],
    ];
    for (const [variables, paths, message] of cases) {
      const result = (await h.gql(sandbox, SEND_WORKFLOW, variables)).data.sendWorkflow;
      expect(result.__typename, JSON.stringify(variables)).toBe("ValidationError");
      expect(issuePaths(result)).toEqual(paths);
      expect(result.issues[0].message).toMatch(message);
    }
    const verifyCompany = (
      await h.gql(sandbox, SEND_WORKFLOW, {
        entityId: company,
        verification: { checks: { identity: true } },
        email: "a@b.co",
      })
    ).data.sendWorkflow;
    expect(verifyCompany).toMatchObject({
      __typename: "ValidationError",
      issues: [{ path: ["verification"] }],
    });
    const entitiesAfter = (await h.gql(sandbox, "{ entities(first: 100) { edges { node { id } } } }")).data
      .entities.edges.length;
    expect(entitiesAfter).toBe(entitiesBefore + 1);
    expect(smtp.to("a@b.co")).toEqual([]);
  });

  it("answers NotFoundError for a questionnaire or entity of another workspace or environment, keeping nothing", async () => {
    const otherQuestionnaire = await createKycQuestionnaire(h, h.other.keys.sandbox, "Other's DDQ");
    for (const id of [otherQuestionnaire, liveQuestionnaireId, "qnr_missing"]) {
      const result = await h.gql(sandbox, SEND_WORKFLOW, {
        entity: { legalName: "Ghost Ltd" },
        ddq: { questionnaireId: id },
        email: "ghost@example.com",
      });
      expect(result.data.sendWorkflow).toEqual(
        expect.objectContaining({ __typename: "NotFoundError", resource: "Questionnaire", id }),
      );
    }
    const ghosts = await h.gql(sandbox, "{ entities(first: 100) { edges { node { legalName } } } }");
    expect(
      ghosts.data.entities.edges.map((e: { node: { legalName: string } }) => e.node.legalName),
    ).not.toContain("Ghost Ltd");
    const otherEntity = (
      await h.gql(
        h.other.keys.sandbox,
        `mutation { createEntity(legalName: "Theirs") { ... on Entity { id } } }`,
      )
    ).data.createEntity.id;
    const foreign = await h.gql(sandbox, SEND_WORKFLOW, {
      entityId: otherEntity,
      ddq: { questionnaireId },
      email: "x@example.com",
    });
    expect(foreign.data.sendWorkflow).toMatchObject({
      __typename: "NotFoundError",
      resource: "Entity",
      id: otherEntity,
    });
    expect(smtp.to("ghost@example.com")).toEqual([]);
  });

  it("takes the link lifetime from the workspace settings when the request has none", async () => {
    const key = h.other.keys.sandbox;
    const updated = await h.gql(
      key,
      `mutation ($id: ID!) { updateWorkspace(id: $id, settings: { defaultLinkExpiryHours: 24 }) { __typename } }`,
      { id: h.other.workspaceId },
    );
    expect(updated.data.updateWorkspace.__typename).toBe("Workspace");
    const otherQuestionnaire = await createKycQuestionnaire(h, key, "Lifetime");
    const sent = await h.gql(key, SEND_WORKFLOW, {
      entity: { legalName: "Short Links Ltd" },
      ddq: { questionnaireId: otherQuestionnaire },
      email: "short@example.com",
    });
    expectExpiry(sent.data.sendWorkflow.expiresAt, 24);
  });

  it("prefill path: a PREFILL response only, no session, no email, no charge; verification config is stored", async () => {
    const prefill = await h.gql(sandbox, SEND_WORKFLOW, {
      entity: { entityType: "individual", firstName: "Pat", lastName: "Lee", email: "pat@example.com" },
      ddq: { questionnaireId, prefill: true },
      verification: { checks: { document: true, enhancedIdentity: true } },
    });
    expect(prefill.data.sendWorkflow).toMatchObject({
      __typename: "WorkflowResponse",
      workflowSessionId: null,
      status: "prefill_ready",
      emailSent: false,
      entityName: "Pat Lee",
      verificationSessionId: null,
      steps: ["ddq", "verification"],
      expiresAt: null,
      creditsCharged: 0,
    });
    const responseId = prefill.data.sendWorkflow.responseId;
    const response = (await h.gql(sandbox, RESPONSE, { id: responseId })).data.response;
    expect(response).toMatchObject({
      status: "PREFILL",
      workflowSessionId: null,
      sentAt: null,
      pendingVerification: { document: true, identity: false, enhancedIdentity: true, proofOfAddress: false },
    });
    expect(smtp.to("pat@example.com")).toEqual([]);

    // Fill it: autofill annotates (waiting for the job in the mutation, as a former synchronous client
    // would), a manual save adds more.
    const autofill = await h.gql(
      sandbox,
      `mutation ($id: ID!) { autofillResponse(responseId: $id, waitSeconds: 60) { __typename ... on AutofillJob { status filled { questionId } } } }`,
      { id: responseId },
    );
    expect(autofill.data.autofillResponse).toMatchObject({ __typename: "AutofillJob", status: "SUCCEEDED" });
    await h.gql(sandbox, SAVE_RESPONSE, {
      responseId,
      answers: [
        { questionId: "legal_name", value: "Pat Lee Consulting" },
        { questionId: "employees", value: 3 },
      ],
    });

    // Sent later: falls back to the entity's email, uses the stored verification config, clears annotations.
    const sent = await h.gql(sandbox, SEND_RESPONSE, { responseId });
    expect(sent.data.sendResponse).toMatchObject({
      __typename: "WorkflowResponse",
      status: "sent",
      emailSent: true,
      responseId,
      entityName: "Pat Lee",
      steps: ["ddq", "verification"],
    });
    expect(sent.data.sendResponse.verificationSessionId).toMatch(/^ses_/);
    expect(smtp.only("pat@example.com").token).toMatch(/^fgl_/);
    const afterSend = (await h.gql(sandbox, RESPONSE, { id: responseId })).data.response;
    expect(afterSend.status).toBe("DRAFT");
    expect(afterSend.answers).toEqual([
      { questionId: "legal_name", value: "Pat Lee Consulting", source: null },
      { questionId: "employees", value: 3, source: null },
    ]);
    expect(afterSend.aiAnalysis).toBeNull();
    expect(afterSend.events.map((e: { type: string }) => e.type)).toEqual([
      "response.created",
      "response.autofill_completed",
      "response.saved",
      "response.sent",
    ]);
    expect(afterSend.events[3]).toMatchObject({ fromStatus: "PREFILL", toStatus: "DRAFT" });

    const again = await h.gql(sandbox, SEND_RESPONSE, { responseId });
    expect(again.data.sendResponse).toMatchObject({ __typename: "ConflictError", currentStatus: "DRAFT" });
    expect(again.data.sendResponse.message).toMatch(/only a PREFILL response can be sent/);
    const missing = await h.gql(sandbox, SEND_RESPONSE, { responseId: "rsp_missing" });
    expect(missing.data.sendResponse).toMatchObject({ __typename: "NotFoundError", resource: "Response" });
    const foreign = await h.gql(h.other.keys.sandbox, SEND_RESPONSE, { responseId });
    expect(foreign.data.sendResponse).toMatchObject({ __typename: "NotFoundError", resource: "Response" });
  });

  it("sendResponse needs an email when the entity has none, and validates the lifetime", async () => {
    const prefill = await h.gql(sandbox, SEND_WORKFLOW, {
      entity: { legalName: "No Mail Ltd" },
      ddq: { questionnaireId, prefill: true },
    });
    const responseId = prefill.data.sendWorkflow.responseId;
    const noEmail = await h.gql(sandbox, SEND_RESPONSE, { responseId });
    expect(noEmail.data.sendResponse).toMatchObject({
      __typename: "ValidationError",
      issues: [{ path: ["email"] }],
    });
    expect(noEmail.data.sendResponse.issues[0].message).toMatch(/no email address is available/);
    const badExpiry = await h.gql(sandbox, SEND_RESPONSE, {
      responseId,
      email: "mail@nomail.example",
      expiryHours: 200,
    });
    expect(issuePaths(badExpiry.data.sendResponse)).toEqual(["expiryHours"]);
    expect((await h.gql(sandbox, RESPONSE, { id: responseId })).data.response.status).toBe("PREFILL");
    const sent = await h.gql(sandbox, SEND_RESPONSE, {
      responseId,
      email: "mail@nomail.example",
      expiryHours: 72,
    });
    expect(sent.data.sendResponse.status).toBe("sent");
    expectExpiry(sent.data.sendResponse.expiresAt, 72);
    expect(smtp.to("mail@nomail.example")).toHaveLength(1);
  });

  it("sandbox sends are free", async () => {
    const sent = await h.gql(sandbox, SEND_WORKFLOW, {
      entity: { legalName: "Free Ltd" },
      ddq: { questionnaireId },
      email: "free@example.com",
    });
    expect(sent.data.sendWorkflow).toMatchObject({ status: "sent", creditsCharged: 0 });
    expect((await h.gql(sandbox, CREDIT_BALANCE)).data.creditBalance).toEqual({
      balance: 0,
      reserved: 0,
      available: 0,
      environment: "sandbox",
    });
    expect((await h.gql(sandbox, LEDGER)).data.creditLedger.edges).toEqual([]);
  });

  it("live: insufficient credits is a typed error before any email, and nothing is created", async () => {
    const key = h.other.keys.live;
    const otherQuestionnaire = await createKycQuestionnaire(h, key, "Live DDQ");
    const result = await h.gql(key, SEND_WORKFLOW, {
      entity: { legalName: "Broke Ltd" },
      ddq: { questionnaireId: otherQuestionnaire },
      email: "broke@example.com",
    });
    expect(result.data.sendWorkflow).toMatchObject({
      __typename: "InsufficientCreditsError",
      required: 1,
      available: 0,
      balance: 0,
      reservedCredits: 0,
      shortfall: "balance_too_low",
      retryable: false,
    });
    expect(smtp.to("broke@example.com")).toEqual([]);
    expect(
      (await h.gql(key, "{ entities { edges { node { id } } } responses { edges { node { id } } } }")).data,
    ).toEqual({
      entities: { edges: [] },
      responses: { edges: [] },
    });
  });

  it("live: an email failure on direct send deletes the response, keeps the entity, charges nothing; a retry charges once", async () => {
    await h.gql(live, GRANT_CREDITS, { amount: 5, note: "test credits" });
    smtp.failNext(1);
    const failed = await h.gql(live, SEND_WORKFLOW, {
      entity: { legalName: "Flaky Mail Ltd" },
      ddq: { questionnaireId: liveQuestionnaireId },
      email: "flaky@example.com",
    });
    const error = failed.data.sendWorkflow;
    expect(error).toMatchObject({ __typename: "EmailDeliveryError", retryable: true, responseId: null });
    expect(error.message).toMatch(/response was deleted and no credits were charged/);
    expect(error.message).toMatch(/You may retry/);
    expect(error.reason).toMatch(/Mailbox unavailable/);
    const entity = await h.gql(
      live,
      `query ($id: ID!) { entity(id: $id) { legalName responses { edges { node { id } } } } }`,
      {
        id: error.entityId,
      },
    );
    expect(entity.data.entity).toEqual({ legalName: "Flaky Mail Ltd", responses: { edges: [] } });
    expect((await h.gql(live, CREDIT_BALANCE)).data.creditBalance).toMatchObject({
      balance: 5,
      reserved: 0,
      available: 5,
    });

    const retried = await h.gql(live, SEND_WORKFLOW, {
      entityId: error.entityId,
      ddq: { questionnaireId: liveQuestionnaireId },
      email: "flaky@example.com",
    });
    expect(retried.data.sendWorkflow).toMatchObject({
      status: "sent",
      creditsCharged: 1,
      entityId: error.entityId,
    });
    expect(smtp.to("flaky@example.com")).toHaveLength(1);
    expect((await h.gql(live, CREDIT_BALANCE)).data.creditBalance).toMatchObject({
      balance: 4,
      reserved: 0,
      available: 4,
    });
    const charges = (await h.gql(live, LEDGER)).data.creditLedger.edges.filter(
      (e: { node: { kind: string } }) => e.node.kind === "charge",
    );
    expect(charges).toEqual([
      {
        node: {
          kind: "charge",
          amount: -1,
          balanceAfter: 4,
          action: "send_ddq",
          referenceId: retried.data.sendWorkflow.workflowSessionId,
        },
      },
    ]);
  });

  it("live: an email failure on sendResponse returns the response to PREFILL with its annotations; a retry charges once", async () => {
    const prefill = await h.gql(live, SEND_WORKFLOW, {
      entity: { legalName: "Retry Ltd", email: "retry@example.com", jurisdiction: "FR" },
      ddq: { questionnaireId: liveQuestionnaireId, prefill: true },
    });
    const responseId = prefill.data.sendWorkflow.responseId;
    expect((await autofillAndWait(h, live, responseId)).status).toBe("SUCCEEDED");
    const before = (await h.gql(live, CREDIT_BALANCE)).data.creditBalance.balance;

    smtp.failNext(1);
    const failed = await h.gql(live, SEND_RESPONSE, { responseId });
    expect(failed.data.sendResponse).toMatchObject({
      __typename: "EmailDeliveryError",
      retryable: true,
      responseId,
      entityId: prefill.data.sendWorkflow.entityId,
    });
    expect(failed.data.sendResponse.message).toMatch(/reverted to PREFILL and no credits were charged/);
    const reverted = (await h.gql(live, RESPONSE, { id: responseId })).data.response;
    expect(reverted).toMatchObject({ status: "PREFILL", workflowSessionId: null, sentAt: null });
    expect(reverted.answers).toEqual([
      expect.objectContaining({
        questionId: "legal_name",
        value: "Retry Ltd",
        source: expect.objectContaining({ kind: "entity" }),
      }),
      expect.objectContaining({
        questionId: "country",
        value: "FR",
        source: expect.objectContaining({ kind: "entity" }),
      }),
    ]);
    expect(reverted.events.at(-1)).toMatchObject({
      type: "response.send_failed",
      fromStatus: "PREFILL",
      toStatus: "PREFILL",
    });
    expect((await h.gql(live, CREDIT_BALANCE)).data.creditBalance).toMatchObject({
      balance: before,
      reserved: 0,
    });

    const retried = await h.gql(live, SEND_RESPONSE, { responseId });
    expect(retried.data.sendResponse).toMatchObject({ status: "sent", creditsCharged: 1 });
    const again = await h.gql(live, SEND_RESPONSE, { responseId });
    expect(again.data.sendResponse.__typename).toBe("ConflictError");
    expect((await h.gql(live, CREDIT_BALANCE)).data.creditBalance).toMatchObject({
      balance: before - 1,
      reserved: 0,
    });
    expect(smtp.to("retry@example.com")).toHaveLength(1);
    const charges = (await h.gql(live, LEDGER)).data.creditLedger.edges.filter(
      (e: { node: { referenceId: string } }) =>
        e.node.referenceId === retried.data.sendResponse.workflowSessionId,
    );
    expect(charges).toHaveLength(1);
  });
});
