import { testBackends } from "@flowgate/db/testing";
import { Engine, SmtpEmailSender } from "@flowgate/engine";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import {
  createKycQuestionnaire,
  GRANT_CREDITS,
  kycAnswers,
  RESPONSE,
  recipientGql,
  SEND_WORKFLOW,
  TestSmtpServer,
} from "./ddq-helpers.ts";
import { CREATE_SESSION, CREATE_WORKFLOW, DECIDE, RUN, RUN_PROGRESS, SUBMIT_SESSION } from "./fixtures.ts";
import { collect, eventually, type Harness, startHarness } from "./harness.ts";

const LINK = /* GraphQL */ `
  {
    link {
      workflowSessionId entityName expiresAt completedAt
      steps { kind status completedAt }
      questionnaire { name version sections { id title questions { id type label required visible options { value } } } }
      response { id name status editable submittedAt answers { questionId value } }
      verificationChecks { document identity enhancedIdentity proofOfAddress }
    }
  }
`;

const SAVE = /* GraphQL */ `
  mutation ($answers: [AnswerInput!]!) {
    saveAnswers(answers: $answers) {
      __typename
      ... on Response { status editable answers { questionId value } }
      ... on ValidationError { message issues { path message } }
      ... on ConflictError { message currentStatus }
    }
  }
`;

const SUBMIT = /* GraphQL */ `
  mutation {
    submitResponse {
      __typename
      ... on Response { status editable submittedAt }
      ... on ValidationError { message issues { path message } }
      ... on ConflictError { message currentStatus }
    }
  }
`;

const COMPLETE_VERIFICATION = /* GraphQL */ `
  mutation {
    completeVerification {
      __typename
      ... on Link { steps { kind status } completedAt }
      ... on ConflictError { message }
    }
  }
`;

interface ProgressEvent {
  seq: number;
  type: string;
  data: Record<string, any>;
}

/** start → (gate →) questionnaire → submitted: approved | expired: needs_review. */
function questionnaireGraph(questionnaireId: string, withGate = false) {
  return {
    entry: "start",
    nodes: [
      { id: "start", type: "start", next: withGate ? "gate" : "ddq" },
      ...(withGate ? [{ id: "gate", type: "wait", on_continue: "ddq" }] : []),
      {
        id: "ddq",
        type: "questionnaire",
        questionnaire: questionnaireId,
        routes: { submitted: "approved", expired: "review" },
      },
      { id: "approved", type: "terminal", outcome: "approved" },
      { id: "review", type: "terminal", outcome: "needs_review" },
    ],
  };
}

describe.each(testBackends())("magic-link recipients and questionnaire nodes (%s)", (backend) => {
  let h: Harness;
  let smtp: TestSmtpServer;
  let key: string;
  let questionnaireId: string;
  let workflowId: string;
  let gatedWorkflowId: string;
  let mailbox = 0;

  /** Starts a run of `workflow` and waits until it pauses (at a gate or the questionnaire node). */
  async function pausedRun(workflow: string, at: string): Promise<{ runId: string; sessionId: string }> {
    const sessionId = (await h.gql(key, CREATE_SESSION, { workflowId: workflow })).data.createSession.id;
    const runId = (await h.gql(key, SUBMIT_SESSION, { sessionId })).data.submitSession.run.id;
    await eventually(async () => {
      const run = (await h.gql(key, RUN, { id: runId })).data.run;
      return run.status === "paused" && run.pausedAtNode === at;
    });
    return { runId, sessionId };
  }

  /** Sends the questionnaire linked to `runId` and returns the token taken from the email received. */
  async function sendLinked(runId: string | null, extra: Record<string, unknown> = {}) {
    const email = `recipient-${++mailbox}@supplier.example`;
    const sent = await h.gql(key, SEND_WORKFLOW, {
      entity: { legalName: `Supplier ${mailbox} Ltd` },
      ddq: { questionnaireId, ...(runId ? { runId } : {}) },
      email,
      ...extra,
    });
    expect(sent.data.sendWorkflow.__typename).toBe("WorkflowResponse");
    const token = await eventually(async () => smtp.to(email)[0]?.token);
    return { token, result: sent.data.sendWorkflow, email };
  }

  /** The run's job row: what the queue will do for it next, and when. */
  async function jobOf(runId: string) {
    return h.database.db
      .selectFrom("jobs")
      .select(["kind", "run_at"])
      .where("run_id", "=", runId)
      .executeTakeFirst();
  }

  /**
   * The clock moves past a link's expiry: its `expires_at`, and the durable timer the engine keeps at that
   * moment for the run waiting on it (the run's `run.timeout` job), are both in the past now.
   */
  async function passLinkExpiry(workflowSessionId: string, runId: string) {
    const past = new Date(Date.now() - 1000);
    const db = h.database.db;
    await db
      .updateTable("workflow_sessions")
      .set({ expires_at: past })
      .where("id", "=", workflowSessionId)
      .execute();
    await db
      .updateTable("jobs")
      .set({ run_at: past })
      .where("run_id", "=", runId)
      .where("kind", "=", "run.timeout")
      .execute();
  }

  async function completedRun(runId: string) {
    return eventually(async () => {
      const current = (await h.gql(key, RUN, { id: runId })).data.run;
      return current.status === "completed" ? current : null;
    });
  }

  beforeAll(async () => {
    smtp = await TestSmtpServer.start();
    h = await startHarness(backend, { email: new SmtpEmailSender({ url: smtp.url }) });
    key = h.acme.keys.sandbox;
    questionnaireId = await createKycQuestionnaire(h, key);
    workflowId = (
      await h.gql(key, CREATE_WORKFLOW, { name: "DDQ", graph: questionnaireGraph(questionnaireId) })
    ).data.createWorkflow.id;
    gatedWorkflowId = (
      await h.gql(key, CREATE_WORKFLOW, {
        name: "Gated DDQ",
        graph: questionnaireGraph(questionnaireId, true),
      })
    ).data.createWorkflow.id;
  });
  afterAll(async () => {
    await h.close();
    await smtp.close();
  });

  it("link from the email → save → submit → response SUBMITTED → the paused run continues", async () => {
    const { runId, sessionId } = await pausedRun(workflowId, "ddq");
    const { token, result } = await sendLinked(runId);
    // The wait is a durable timer at the link's expiry, not something a worker polls.
    expect(await jobOf(runId)).toEqual({ kind: "run.timeout", run_at: new Date(result.expiresAt) });

    const view = await recipientGql(h, token, LINK);
    expect(view.status).toBe(200);
    expect(view.data.link).toMatchObject({
      workflowSessionId: result.workflowSessionId,
      entityName: result.entityName,
      completedAt: null,
      steps: [{ kind: "ddq", status: "pending", completedAt: null }],
      questionnaire: { name: "Supplier DDQ", version: 1 },
      response: { id: result.responseId, status: "DRAFT", editable: true, answers: [] },
      verificationChecks: null,
    });
    const regulator = view.data.link.questionnaire.sections[1].questions[1];
    expect(regulator).toMatchObject({ id: "regulator", visible: false });

    const invalid = await recipientGql(h, token, SAVE, {
      answers: [{ questionId: "employees", value: "lots" }],
    });
    expect(invalid.data.saveAnswers).toMatchObject({
      __typename: "ValidationError",
      issues: [{ path: ["answers", "employees"], message: "Number of employees: must be a number" }],
    });
    const partial = await recipientGql(h, token, SAVE, {
      answers: [{ questionId: "regulated", value: true }],
    });
    expect(partial.data.saveAnswers).toMatchObject({ __typename: "Response", status: "DRAFT" });
    const shown = await recipientGql(h, token, LINK);
    expect(shown.data.link.questionnaire.sections[1].questions[1]).toMatchObject({
      id: "regulator",
      visible: true,
    });

    const early = await recipientGql(h, token, SUBMIT);
    expect(early.data.submitResponse.__typename).toBe("ValidationError");
    expect(early.data.submitResponse.issues.map((i: { path: string[] }) => i.path.join("."))).toEqual([
      "answers.legal_name",
      "answers.regulator",
    ]);
    // The token works as X-Link-Token too.
    const saved = await recipientGql(h, token, SAVE, { answers: kycAnswers }, "x-link-token");
    expect(saved.data.saveAnswers.answers).toHaveLength(kycAnswers.length);
    const submitted = await recipientGql(h, token, SUBMIT);
    expect(submitted.data.submitResponse).toMatchObject({
      __typename: "Response",
      status: "SUBMITTED",
      editable: false,
    });

    const response = (await h.gql(key, RESPONSE, { id: result.responseId })).data.response;
    expect(response).toMatchObject({ status: "SUBMITTED", runId });
    const submission = response.events.find((e: { type: string }) => e.type === "response.submitted");
    expect(submission.actor).toBe(`recipient:${result.workflowSessionId}`);

    const run = await eventually(async () => {
      const current = (await h.gql(key, RUN, { id: runId })).data.run;
      return current.status === "completed" ? current : null;
    });
    expect(run.finalStatus).toBe("approved");
    expect(run.nodeRuns.find((n: { workflowNodeId: string }) => n.workflowNodeId === "ddq")).toMatchObject({
      status: "completed",
      result: "submitted",
      routedTo: "approved",
      outputData: { questionnaireId, responseId: result.responseId, outcome: "submitted" },
    });
    const events = await collect<ProgressEvent>(h.ws(key), RUN_PROGRESS, { runId, afterSeq: 0 });
    expect(events.items.find((e) => e.type === "RUN_RESUMED")?.data).toEqual({
      nodeId: "ddq",
      decision: null,
      signal: "questionnaire",
    });
    expect(await jobOf(runId)).toBeUndefined();
    expect(events.items.find((e) => e.type === "RUN_PAUSED")?.data).toEqual({
      nodeId: "ddq",
      reason: "questionnaire",
    });
    const session = await h.gql(key, `query ($id: ID!) { session(id: $id) { status result } }`, {
      id: sessionId,
    });
    expect(session.data.session).toEqual({ status: "completed", result: "approved" });

    const after = await recipientGql(h, token, LINK);
    expect(after.data.link.steps[0].status).toBe("completed");
    expect(after.data.link.completedAt).not.toBeNull();
    expect((await recipientGql(h, token, SUBMIT)).data.submitResponse).toMatchObject({
      __typename: "ConflictError",
      currentStatus: "SUBMITTED",
    });
    expect(
      (await recipientGql(h, token, SAVE, { answers: [{ questionId: "employees", value: 1 }] })).data
        .saveAnswers,
    ).toMatchObject({ __typename: "ConflictError", currentStatus: "SUBMITTED" });
  });

  it("lets the recipient change and resubmit when changes are requested", async () => {
    const { token, result } = await sendLinked(null);
    await recipientGql(h, token, SAVE, { answers: kycAnswers });
    await recipientGql(h, token, SUBMIT);
    for (const field of ["startReview", "requestChanges"]) {
      const moved = await h.gql(
        key,
        `mutation ($id: ID!) { ${field}(responseId: $id, note: "Add the licence") { __typename } }`,
        {
          id: result.responseId,
        },
      );
      expect(moved.data[field].__typename).toBe("Response");
    }
    const view = await recipientGql(h, token, LINK);
    expect(view.data.link.response).toMatchObject({ status: "CHANGES_REQUESTED", editable: true });
    await recipientGql(h, token, SAVE, {
      answers: [{ questionId: "licence", value: "https://files.example/licence.pdf" }],
    });
    const resubmitted = await recipientGql(h, token, SUBMIT);
    expect(resubmitted.data.submitResponse.status).toBe("RESUBMITTED");
  });

  it("a response submitted before the run reaches the questionnaire node resumes it when it gets there", async () => {
    const { runId, sessionId } = await pausedRun(gatedWorkflowId, "gate");
    const { token } = await sendLinked(runId);
    await recipientGql(h, token, SAVE, { answers: kycAnswers });
    expect((await recipientGql(h, token, SUBMIT)).data.submitResponse.status).toBe("SUBMITTED");
    expect((await h.gql(key, RUN, { id: runId })).data.run).toMatchObject({
      status: "paused",
      pausedAtNode: "gate",
    });
    await h.gql(key, DECIDE, { sessionId, decision: "continue" });
    const run = await eventually(async () => {
      const current = (await h.gql(key, RUN, { id: runId })).data.run;
      return current.status === "completed" ? current : null;
    });
    expect(run.finalStatus).toBe("approved");
  });

  it("an expired link gets one clear error and nothing else; the waiting run takes its expired route", async () => {
    const { runId } = await pausedRun(workflowId, "ddq");
    const { token, result } = await sendLinked(runId, { expiryHours: 1 });
    expect((await recipientGql(h, token, LINK)).status).toBe(200);
    expect(await jobOf(runId)).toEqual({ kind: "run.timeout", run_at: new Date(result.expiresAt) });
    await passLinkExpiry(result.workflowSessionId, runId);
    for (const operation of [LINK, SUBMIT]) {
      const refused = await recipientGql(h, token, operation);
      expect(refused.status).toBe(401);
      expect(refused.data).toBeUndefined();
      expect(refused.errors).toEqual([
        {
          message: "This link has expired. Ask the sender for a new one.",
          extensions: { code: "LINK_EXPIRED", reason: "expired" },
        },
      ]);
    }
    const run = await eventually(async () => {
      const current = (await h.gql(key, RUN, { id: runId })).data.run;
      return current.status === "completed" ? current : null;
    });
    expect(run.finalStatus).toBe("needs_review");
    expect(run.nodeRuns.find((n: { workflowNodeId: string }) => n.workflowNodeId === "ddq")).toMatchObject({
      result: "expired",
      routedTo: "review",
    });
    const link = await h.gql(key, `query ($id: ID!) { workflowSession(id: $id) { linkStatus } }`, {
      id: result.workflowSessionId,
    });
    expect(link.data.workflowSession.linkStatus).toBe("expired");
  });

  it("a revoked link is refused at once, and the waiting run takes its expired route", async () => {
    const { runId } = await pausedRun(workflowId, "ddq");
    const { token, result } = await sendLinked(runId);
    const revoked = await h.gql(
      key,
      `mutation ($id: ID!) { revokeWorkflowSession(id: $id) { __typename ... on WorkflowSession { linkStatus revokedAt } } }`,
      { id: result.workflowSessionId },
    );
    expect(revoked.data.revokeWorkflowSession).toMatchObject({
      __typename: "WorkflowSession",
      linkStatus: "revoked",
    });
    const refused = await recipientGql(h, token, SAVE, { answers: kycAnswers });
    expect(refused.status).toBe(401);
    expect(refused.errors).toEqual([
      {
        message: "This link has been revoked. Ask the sender for a new one.",
        extensions: { code: "LINK_REVOKED", reason: "revoked" },
      },
    ]);
    const run = await eventually(async () => {
      const current = (await h.gql(key, RUN, { id: runId })).data.run;
      return current.status === "completed" ? current : null;
    });
    expect(run.finalStatus).toBe("needs_review");
    expect((await h.gql(key, RESPONSE, { id: result.responseId })).data.response.answers).toEqual([]);
  });

  it.each([
    ["submitted", "approved"],
    ["expired", "needs_review"],
  ] as const)(
    "the wait ends with %s across a worker restart: signal and timer are rows, nothing is polled",
    async (outcome, finalStatus) => {
      const { runId } = await pausedRun(workflowId, "ddq");
      const { token, result } = await sendLinked(runId);
      // No worker runs from here on: what ends the wait must be in the database.
      await h.engine.stop();
      try {
        if (outcome === "submitted") {
          await recipientGql(h, token, SAVE, { answers: kycAnswers });
          expect((await recipientGql(h, token, SUBMIT)).data.submitResponse.status).toBe("SUBMITTED");
          // The submit stored the run's signal and queued its next step in its own transaction.
          expect(await jobOf(runId)).toMatchObject({ kind: "run.step" });
        } else {
          await passLinkExpiry(result.workflowSessionId, runId);
        }
        expect((await h.gql(key, RUN, { id: runId })).data.run).toMatchObject({ status: "paused" });

        const restarted = new Engine({ db: h.database.db, worker: { pollIntervalMs: 50 } });
        await restarted.start();
        try {
          const run = await completedRun(runId);
          expect(run.finalStatus).toBe(finalStatus);
          expect(
            run.nodeRuns.find((n: { workflowNodeId: string }) => n.workflowNodeId === "ddq"),
          ).toMatchObject({
            status: "completed",
            result: outcome,
          });
          expect(await jobOf(runId)).toBeUndefined();
        } finally {
          await restarted.stop();
        }
      } finally {
        await h.engine.start();
      }
    },
  );

  it("a link sent later moves the timer; a timer that fires before every link expired waits on", async () => {
    const { runId } = await pausedRun(workflowId, "ddq");
    // Nothing is linked yet: the wait cannot end by itself, so there is no timer.
    expect(await jobOf(runId)).toBeUndefined();
    const first = (await sendLinked(runId, { expiryHours: 1 })).result;
    expect(await jobOf(runId)).toEqual({ kind: "run.timeout", run_at: new Date(first.expiresAt) });
    const second = (await sendLinked(runId, { expiryHours: 3 })).result;
    // The wait ends (expired) only when every link has expired: the timer follows the last one.
    expect(await jobOf(runId)).toEqual({ kind: "run.timeout", run_at: new Date(second.expiresAt) });

    // The first link expires and the timer fires early (as if set for it): the run keeps waiting, the
    // timer is set again for the second link.
    await passLinkExpiry(first.workflowSessionId, runId);
    await eventually(async () => {
      const job = await jobOf(runId);
      return job?.run_at.getTime() === new Date(second.expiresAt).getTime();
    });
    expect((await h.gql(key, RUN, { id: runId })).data.run).toMatchObject({
      status: "paused",
      pausedAtNode: "ddq",
    });

    await passLinkExpiry(second.workflowSessionId, runId);
    expect((await completedRun(runId)).finalStatus).toBe("needs_review");
  });

  it("refuses a missing or unknown token, and keeps tokens and API keys apart", async () => {
    const missing = await recipientGql(h, null, LINK);
    expect(missing).toMatchObject({ status: 401, errors: [{ extensions: { code: "LINK_MISSING" } }] });
    const unknown = await recipientGql(h, "fgl_not-a-real-token", LINK);
    expect(unknown).toMatchObject({
      status: 401,
      errors: [{ message: "This link is not valid.", extensions: { code: "LINK_INVALID" } }],
    });
    const apiKey = await recipientGql(h, key, LINK);
    expect(apiKey.errors?.[0]?.extensions?.code).toBe("LINK_INVALID");
    const { token } = await sendLinked(null);
    const asKey = await h.gql(token, "{ questionnaires { edges { node { id } } } }");
    expect(asKey.status).toBe(401);
    const wrongSchema = await recipientGql(h, token, "{ questionnaires { edges { node { id } } } }");
    expect(wrongSchema.errors?.[0]?.message).toMatch(/Cannot query field "questionnaires"/);
  });

  it("sandbox: the recipient completes the verification step; the verification session is ready to submit", async () => {
    const email = "verify-me@example.com";
    const sent = await h.gql(key, SEND_WORKFLOW, {
      entity: { entityType: "individual", firstName: "Ver", lastName: "Ify" },
      ddq: { questionnaireId },
      verification: { checks: { document: true, identity: true } },
      email,
    });
    const token = await eventually(async () => smtp.to(email)[0]?.token);
    const view = await recipientGql(h, token, LINK);
    expect(view.data.link.verificationChecks).toEqual({
      document: true,
      identity: true,
      enhancedIdentity: false,
      proofOfAddress: false,
    });
    const completed = await recipientGql(h, token, COMPLETE_VERIFICATION);
    expect(completed.data.completeVerification).toEqual({
      __typename: "Link",
      steps: [
        { kind: "ddq", status: "pending" },
        { kind: "verification", status: "completed" },
      ],
      completedAt: null,
    });
    const session = await h.gql(key, `query ($id: ID!) { session(id: $id) { status } }`, {
      id: sent.data.sendWorkflow.verificationSessionId,
    });
    expect(session.data.session.status).toBe("in_progress");
    await recipientGql(h, token, SAVE, { answers: kycAnswers });
    await recipientGql(h, token, SUBMIT);
    expect((await recipientGql(h, token, LINK)).data.link.completedAt).not.toBeNull();

    const ddqOnly = await sendLinked(null);
    const noStep = await recipientGql(h, ddqOnly.token, COMPLETE_VERIFICATION);
    expect(noStep.data.completeVerification).toMatchObject({
      __typename: "ConflictError",
      message: "This link has no verification step",
    });
  });

  it("live: identity capture needs a provider, so the recipient cannot complete verification", async () => {
    const live = h.acme.keys.live;
    await h.gql(live, GRANT_CREDITS, { amount: 1 });
    const email = "live-verify@example.com";
    await h.gql(live, SEND_WORKFLOW, {
      entity: { entityType: "individual", firstName: "Liv", lastName: "E" },
      verification: { checks: { document: true } },
      email,
    });
    const token = await eventually(async () => smtp.to(email)[0]?.token);
    const refused = await recipientGql(h, token, COMPLETE_VERIFICATION);
    expect(refused.data.completeVerification.__typename).toBe("ConflictError");
    expect(refused.data.completeVerification.message).toMatch(/needs a verification provider/);
  });

  it("validates questionnaire nodes: the questionnaire id format, and a send's run must have one for it", async () => {
    const invalid = await h.gql(key, CREATE_WORKFLOW, {
      name: "Bad",
      graph: {
        entry: "start",
        nodes: [
          { id: "start", type: "start", next: "ddq" },
          { id: "ddq", type: "questionnaire", questionnaire: "ddq-1", routes: { submitted: "done" } },
          { id: "done", type: "terminal", outcome: "approved" },
        ],
      },
    });
    expect(invalid.data.createWorkflow.issues).toEqual([
      {
        path: ["graph", "nodes", "1", "questionnaire"],
        message: 'Node "ddq": questionnaire must be a questionnaire id ("qnr_…")',
        nodeId: "ddq",
      },
      {
        path: ["graph", "nodes", "1", "routes", "expired"],
        message: 'Node "ddq": routes.expired is required',
        nodeId: "ddq",
      },
    ]);
    const { runId } = await pausedRun(gatedWorkflowId, "gate");
    const otherQuestionnaire = await createKycQuestionnaire(h, key, "Unrelated");
    const unrelated = await h.gql(key, SEND_WORKFLOW, {
      entity: { legalName: "Unrelated Ltd" },
      ddq: { questionnaireId: otherQuestionnaire, runId },
      email: "unrelated@example.com",
    });
    expect(unrelated.data.sendWorkflow).toMatchObject({
      __typename: "ValidationError",
      issues: [{ path: ["ddq", "runId"] }],
    });
    const missingRun = await h.gql(key, SEND_WORKFLOW, {
      entity: { legalName: "Unrelated Ltd" },
      ddq: { questionnaireId, runId: "wfr_missing" },
      email: "unrelated@example.com",
    });
    expect(missingRun.data.sendWorkflow).toMatchObject({ __typename: "NotFoundError", resource: "Run" });
  });
});
