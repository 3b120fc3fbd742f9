import { testBackends } from "@flowgate/db/testing";
import { SmtpEmailSender } from "@flowgate/engine";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { tinyPng, verifyLinkIn } from "./capture-helpers.ts";
import { TestSmtpServer } from "./ddq-helpers.ts";
import { CREATE_WORKFLOW, SUBMIT_SESSION } from "./fixtures.ts";
import { eventually, type Harness, startHarness } from "./harness.ts";

const graph = {
  entry: "start",
  nodes: [
    { id: "start", type: "start", next: "doc" },
    { id: "doc", type: "policy", policy: "document", routes: { pass: "poa", fail: "no", error: "review" } },
    { id: "poa", type: "policy", policy: "proof_of_address", routes: { pass: "aml", fail: "no" } },
    { id: "aml", type: "policy", policy: "aml_screening", routes: { pass: "ok", fail: "review" } },
    { id: "ok", type: "terminal", outcome: "approved" },
    { id: "no", type: "terminal", outcome: "rejected" },
    { id: "review", type: "terminal", outcome: "needs_review" },
  ],
};

const ERRORS = /* GraphQL */ `
  ... on ConflictError { message currentStatus }
  ... on NotFoundError { message resource }
  ... on ValidationError { message issues { path message } }
`;
const CREATE = /* GraphQL */ `
  mutation ($workflowId: ID, $inviteeEmail: String) {
    createSession(workflowId: $workflowId, inviteeEmail: $inviteeEmail) {
      __typename ... on Session { id inviteeEmail } ${ERRORS}
    }
  }
`;
const CREATE_LINK = /* GraphQL */ `
  mutation ($sessionId: ID!, $expiresInHours: Int, $maxUses: Int) {
    createVerificationLink(sessionId: $sessionId, expiresInHours: $expiresInHours, maxUses: $maxUses) {
      __typename
      ... on CreatedVerificationLink { token url link { id status maxUses uses expiresAt } }
      ${ERRORS}
    }
  }
`;
const REVOKE_LINK = /* GraphQL */ `
  mutation ($id: ID!) { revokeVerificationLink(id: $id) { __typename ... on VerificationLink { id status revokedAt } ${ERRORS} } }
`;
const LINKS = /* GraphQL */ `
  query ($id: ID!) {
    session(id: $id) {
      id status result inviteeEmail
      verificationLinks { id status uses maxUses sentTo }
      auditTrail { action actor }
      checks { nodeId status result }
    }
  }
`;
const RESEND = /* GraphQL */ `
  mutation ($sessionId: ID!, $email: String) {
    resendSessionInvitation(sessionId: $sessionId, email: $email) {
      __typename ... on SessionInvitationPayload { sentTo link { id status sentTo } session { inviteeEmail } } ${ERRORS}
      ... on InvitationEmailError { message reason retryable }
    }
  }
`;
const SIMULATE = /* GraphQL */ `
  mutation ($sessionId: ID!, $action: String!, $node: String) {
    simulateSessionAction(sessionId: $sessionId, action: $action, node: $node) {
      __typename ... on SimulateSessionActionPayload { session { id status result } run { id status } } ${ERRORS}
      ... on SandboxOnlyError { message operation }
    }
  }
`;
const RESUME = /* GraphQL */ `
  mutation ($id: ID!) {
    resumeSession(id: $id) {
      __typename
      ... on ResumeSessionPayload { session { id status } verificationLink { token url link { id status } } }
      ${ERRORS}
    }
  }
`;

describe.each(testBackends())("one-time links, invitations, capture and simulations (%s)", (backend) => {
  let h: Harness;
  let smtp: TestSmtpServer;
  let key: string;
  let workflowId: string;
  let origin: string;

  beforeAll(async () => {
    smtp = await TestSmtpServer.start();
    h = await startHarness(backend, { email: new SmtpEmailSender({ url: smtp.url }) });
    key = h.acme.keys.sandbox;
    origin = new URL(h.server.url).origin;
    workflowId = (await h.gql(key, CREATE_WORKFLOW, { name: "capture", graph })).data.createWorkflow.id;
  });
  afterAll(async () => {
    await h.close();
    await smtp.close();
  });

  async function create(inviteeEmail?: string, apiKey = key, wf: string | null = workflowId) {
    const { data, errors } = await h.gql(apiKey, CREATE, { workflowId: wf, inviteeEmail });
    if (errors) throw new Error(JSON.stringify(errors));
    return data.createSession.id as string;
  }
  async function link(sessionId: string, vars: Record<string, unknown> = {}, apiKey = key) {
    const { data } = await h.gql(apiKey, CREATE_LINK, { sessionId, ...vars });
    return data.createVerificationLink;
  }
  const capture = (token: string, path = "", init?: RequestInit) =>
    fetch(`${origin}/verify/${encodeURIComponent(token)}${path}`, init);
  const upload = (token: string, step: string, body: Buffer, name = "id.png") =>
    capture(token, `/documents?step=${step}&name=${name}`, { method: "POST", body: new Uint8Array(body) });

  it("creates a link whose token is stored only hashed, listed with its status", async () => {
    const sessionId = await create();
    const created = await link(sessionId);
    expect(created.token).toMatch(/^fgv_[A-Za-z0-9_-]{43}$/);
    expect(created.url).toMatch(new RegExp(`/verify/${created.token}$`));
    expect(created.link).toMatchObject({ status: "active", maxUses: 1, uses: 0 });
    const rows = await h.database.db
      .selectFrom("verification_links")
      .selectAll()
      .where("session_id", "=", sessionId)
      .execute();
    expect(rows).toHaveLength(1);
    expect(JSON.stringify(rows)).not.toContain(created.token);
    const bad = await h.gql(key, CREATE_LINK, { sessionId, expiresInHours: 0, maxUses: 0 });
    expect(bad.data.createVerificationLink.issues.map((i: any) => i.path[0]).sort()).toEqual([
      "expiresInHours",
      "maxUses",
    ]);
    const foreign = await h.gql(h.other.keys.sandbox, CREATE_LINK, { sessionId });
    expect(foreign.data.createVerificationLink.__typename).toBe("NotFoundError");
  });

  it("captures through a link: upload a PNG, submit, the session moves on; the used link is refused", async () => {
    const sessionId = await create();
    const { token } = await link(sessionId);
    const page = await capture(token);
    expect(page.status).toBe(200);
    expect(page.headers.get("content-security-policy")).toContain("default-src 'self'");
    const html = await page.text();
    expect(html).toContain("Identity document");
    expect(html).toContain("Proof of address");

    const early = await capture(token, "/submit", { method: "POST" });
    expect(early.status).toBe(422);
    const notAnImage = await upload(token, "doc", Buffer.from("%!PS-Adobe-3.0 not an image"));
    expect(notAnImage.status).toBe(422);
    expect((await notAnImage.json()).error.issues[0].path).toEqual(["file"]);
    const wrongStep = await upload(token, "aml", tinyPng);
    expect((await wrongStep.json()).error.issues[0].path).toEqual(["step"]);
    const tooLarge = await upload(token, "doc", Buffer.alloc(10 * 1024 * 1024 + 1));
    expect(tooLarge.status).toBe(422);

    expect((await upload(token, "doc", tinyPng)).status).toBe(201);
    const state = await (await capture(token, "/state")).json();
    expect(state).toMatchObject({ status: "in_progress", canSubmit: false });
    const pdf = Buffer.concat([Buffer.from("%PDF-1.4\n"), Buffer.alloc(64, 32)]);
    const poa = await upload(token, "poa", pdf, "bill.pdf");
    expect(await poa.json()).toMatchObject({
      contentType: "application/pdf",
      step: "poa",
      kind: "proof_of_address",
    });
    const docs = await h.database.db
      .selectFrom("session_documents")
      .selectAll()
      .where("session_id", "=", sessionId)
      .execute();
    expect(docs.map((d) => [d.step, d.content_type, d.size_bytes])).toEqual([
      ["doc", "image/png", tinyPng.length],
      ["poa", "application/pdf", pdf.length],
    ]);
    expect(Buffer.from(docs[0]!.content).equals(tinyPng)).toBe(true);

    const submitted = await capture(token, "/submit", { method: "POST" });
    expect(submitted.status).toBe(200);
    const session = await eventually(async () => {
      const s = (await h.gql(key, LINKS, { id: sessionId })).data.session;
      return s.status === "completed" ? s : null;
    });
    expect(session.result).toBe("approved");
    expect(session.verificationLinks).toEqual([expect.objectContaining({ status: "used", uses: 1 })]);
    expect(session.auditTrail.map((a: any) => a.action)).toEqual([
      "link.create",
      "document.upload",
      "document.upload",
      "capture.submit",
    ]);
    // Used: the page and every call are refused.
    const used = await capture(token);
    expect(used.status).toBe(410);
    expect(await used.text()).toContain("already been used");
    expect((await capture(token, "/state")).status).toBe(410);
    expect((await upload(token, "doc", tinyPng)).status).toBe(410);
  });

  it("refuses expired, revoked and unknown links, and another workspace cannot revoke a link", async () => {
    const sessionId = await create();
    const expiring = await link(sessionId);
    await h.database.db
      .updateTable("verification_links")
      .set({ expires_at: new Date(Date.now() - 1000) })
      .where("id", "=", expiring.link.id)
      .execute();
    const expired = await capture(expiring.token, "/state");
    expect(expired.status).toBe(410);
    expect((await expired.json()).error.reason).toBe("expired");

    const revocable = await link(sessionId, { maxUses: 3 });
    expect((await capture(revocable.token, "/state")).status).toBe(200);
    const foreign = await h.gql(h.other.keys.sandbox, REVOKE_LINK, { id: revocable.link.id });
    expect(foreign.data.revokeVerificationLink.__typename).toBe("NotFoundError");
    const revoked = await h.gql(key, REVOKE_LINK, { id: revocable.link.id });
    expect(revoked.data.revokeVerificationLink).toMatchObject({ status: "revoked" });
    const refused = await capture(revocable.token, "/state");
    expect(refused.status).toBe(410);
    expect((await refused.json()).error.reason).toBe("revoked");
    expect((await capture(revocable.token, "/submit", { method: "POST" })).status).toBe(410);

    const unknown = await capture(`fgv_${"x".repeat(43)}`, "/state");
    expect(unknown.status).toBe(404);

    const { data } = await h.gql(key, LINKS, { id: sessionId });
    expect(data.session.verificationLinks.map((l: any) => l.status)).toEqual(["revoked", "expired"]);
    // Another workspace's link opens only its own session, and that workspace sees nothing of acme's links.
    const otherSession = await create(undefined, h.other.keys.sandbox, null);
    const otherLink = await link(otherSession, {}, h.other.keys.sandbox);
    const otherState = await (await capture(otherLink.token, "/state")).json();
    expect(otherState.sessionId).toBe(otherSession);
    expect((await h.gql(h.other.keys.sandbox, LINKS, { id: sessionId })).data.session).toBeNull();
    expect((await h.gql(key, LINKS, { id: otherSession })).data.session).toBeNull();
  });

  it("resends the invitation: a fresh link by email, invitee stored; a refused delivery revokes the link", async () => {
    const sessionId = await create();
    const none = await h.gql(key, RESEND, { sessionId });
    expect(none.data.resendSessionInvitation).toMatchObject({
      __typename: "ValidationError",
      issues: [{ path: ["email"] }],
    });
    const email = `person-${backend}@example.com`;
    const sent = await h.gql(key, RESEND, { sessionId, email });
    expect(sent.data.resendSessionInvitation).toMatchObject({
      __typename: "SessionInvitationPayload",
      sentTo: email,
      session: { inviteeEmail: email },
      link: { status: "active", sentTo: email },
    });
    const message = await eventually(async () => smtp.to(email)[0]);
    const emailed = verifyLinkIn(message.text);
    expect(emailed).toMatch(/\/verify\/fgv_/);
    const token = decodeURIComponent(new URL(emailed!).pathname.split("/")[2]!);
    expect((await capture(token, "/state")).status).toBe(200);

    // Without an email argument, the stored invitee gets it.
    const again = await h.gql(key, RESEND, { sessionId });
    expect(again.data.resendSessionInvitation.sentTo).toBe(email);
    await eventually(async () => smtp.to(email).length === 2);

    smtp.failNext(1);
    const failed = await h.gql(key, RESEND, { sessionId });
    expect(failed.data.resendSessionInvitation).toMatchObject({
      __typename: "InvitationEmailError",
      retryable: true,
    });
    const { data } = await h.gql(key, LINKS, { id: sessionId });
    expect(data.session.verificationLinks.map((l: any) => l.status)).toEqual(["revoked", "active", "active"]);
  });

  it("resuming an expired session revokes its links and issues a fresh one", async () => {
    const sessionId = await create();
    const first = await link(sessionId);
    await h.gql(key, SIMULATE, { sessionId, action: "expire" });
    expect((await capture(first.token, "/state")).status).toBe(410);
    const resumed = await h.gql(key, RESUME, { id: sessionId });
    expect(resumed.data.resumeSession).toMatchObject({
      __typename: "ResumeSessionPayload",
      session: { status: "created" },
      verificationLink: { link: { status: "active" } },
    });
    expect((await capture(first.token, "/state")).status).toBe(410);
    expect((await capture(resumed.data.resumeSession.verificationLink.token, "/state")).status).toBe(200);
  });

  it("simulates session actions in the sandbox; a live key gets SandboxOnlyError", async () => {
    const sessionId = await create();
    const badNode = await h.gql(key, SIMULATE, { sessionId, action: "fail_check(nope)" });
    expect(badNode.data.simulateSessionAction).toMatchObject({
      __typename: "ValidationError",
      issues: [{ path: ["node"] }],
    });
    const badAction = await h.gql(key, SIMULATE, { sessionId, action: "approve" });
    expect(badAction.data.simulateSessionAction.issues[0].path).toEqual(["action"]);
    await h.gql(key, SIMULATE, { sessionId, action: "fail_check", node: "aml" });
    const completed = await h.gql(key, SIMULATE, { sessionId, action: "complete_capture" });
    expect(completed.data.simulateSessionAction).toMatchObject({
      session: { status: "processing" },
      run: { status: "pending" },
    });
    const reviewed = await eventually(async () => {
      const s = (await h.gql(key, LINKS, { id: sessionId })).data.session;
      return s.status === "completed" ? s : null;
    });
    expect(reviewed.result).toBe("needs_review");
    // pass_check on a finished check re-runs the run from it with the new outcome.
    const passed = await h.gql(key, SIMULATE, { sessionId, action: "pass_check(aml)" });
    expect(passed.data.simulateSessionAction.run).toMatchObject({ status: "running" });
    const approved = await eventually(async () => {
      const s = (await h.gql(key, LINKS, { id: sessionId })).data.session;
      return s.status === "completed" ? s : null;
    });
    expect(approved.result).toBe("approved");
    expect(approved.checks.find((c: any) => c.nodeId === "aml")).toMatchObject({ status: "passed" });

    const liveWorkflow = (await h.gql(h.acme.keys.live, CREATE_WORKFLOW, { name: "live", graph })).data
      .createWorkflow.id;
    const live = await create(undefined, h.acme.keys.live, liveWorkflow);
    const refused = await h.gql(h.acme.keys.live, SIMULATE, { sessionId: live, action: "complete_capture" });
    expect(refused.data.simulateSessionAction).toMatchObject({
      __typename: "SandboxOnlyError",
      operation: "simulateSessionAction",
    });
    const liveLink = await link(live, {}, h.acme.keys.live);
    const liveSimulate = await capture(liveLink.token, "/simulate", {
      method: "POST",
      body: JSON.stringify({ step: "doc", outcome: "pass" }),
    });
    expect(liveSimulate.status).toBe(403);
  });

  it("simulates an expiry in the sandbox: the session refuses submit", async () => {
    const sessionId = await create();
    const expired = await h.gql(key, SIMULATE, { sessionId, action: "expire" });
    expect(expired.data.simulateSessionAction.session.status).toBe("expired");
    const submit = await h.gql(key, SUBMIT_SESSION, { sessionId });
    expect(submit.data.submitSession.__typename).toBe("ConflictError");
  });
});
