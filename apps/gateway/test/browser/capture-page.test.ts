import { testBackends } from "@flowgate/db/testing";
import { SmtpEmailSender } from "@flowgate/engine";
import type { Browser, Page } from "playwright-core";
import { afterAll, beforeAll, describe, expect, it, vi } from "vitest";
import { tinyPng, verifyLinkIn } from "../capture-helpers.ts";
import { TestSmtpServer } from "../ddq-helpers.ts";
import { CREATE_WORKFLOW } from "../fixtures.ts";
import { eventually, type Harness, startHarness } from "../harness.ts";
import {
  launchChromium,
  overflowsHorizontally,
  type PageProblems,
  screenshot,
  watchPage,
} from "./chromium.ts";

vi.setConfig({ testTimeout: 120_000, hookTimeout: 120_000 });

const graph = {
  entry: "start",
  nodes: [
    { id: "start", type: "start", next: "doc" },
    { id: "doc", type: "policy", policy: "document", routes: { pass: "aml", fail: "no", error: "no" } },
    { id: "aml", type: "policy", policy: "aml_screening", routes: { pass: "ok", fail: "no" } },
    { id: "ok", type: "terminal", outcome: "approved" },
    { id: "no", type: "terminal", outcome: "rejected" },
  ],
};

const CREATE = /* GraphQL */ `
  mutation ($workflowId: ID, $inviteeEmail: String) {
    createSession(workflowId: $workflowId, inviteeEmail: $inviteeEmail) { __typename ... on Session { id } }
  }
`;
const RESEND = /* GraphQL */ `
  mutation ($sessionId: ID!) { resendSessionInvitation(sessionId: $sessionId) { __typename } }
`;
const SESSION = /* GraphQL */ `query ($id: ID!) { session(id: $id) { status result } }`;

describe.each(testBackends())("capture page in Chromium (%s)", (backend) => {
  let h: Harness;
  let browser: Browser;
  let page: Page;
  let problems: PageProblems;
  let origin: string;
  let key: string;
  let workflowId: string;

  let smtp: TestSmtpServer;

  beforeAll(async () => {
    // The invitation goes to a real SMTP server: the outbox table keeps its link token masked.
    smtp = await TestSmtpServer.start();
    h = await startHarness(backend, { email: new SmtpEmailSender({ url: smtp.url }) });
    origin = new URL(h.server.url).origin;
    key = h.acme.keys.sandbox;
    workflowId = (await h.gql(key, CREATE_WORKFLOW, { name: "capture", graph })).data.createWorkflow.id;
    browser = await launchChromium();
    // A phone-sized viewport.
    page = await browser.newPage({ viewport: { width: 390, height: 844 } });
    problems = await watchPage(page, origin);
  });
  afterAll(async () => {
    await browser?.close();
    await h?.close();
    await smtp?.close();
  });

  /** Invites a person and returns the link from the email they received, opened on this gateway. */
  async function invite(email: string): Promise<{ sessionId: string; url: string }> {
    const sessionId = (await h.gql(key, CREATE, { workflowId, inviteeEmail: email })).data.createSession.id;
    expect((await h.gql(key, RESEND, { sessionId })).data.resendSessionInvitation.__typename).toBe(
      "SessionInvitationPayload",
    );
    const message = smtp.only(email);
    const emailed = new URL(verifyLinkIn(message.text)!);
    return { sessionId, url: `${origin}${emailed.pathname}` };
  }

  it("opens the emailed link, uploads a PNG, submits, and sees the session move on", async () => {
    const { sessionId, url } = await invite(`capture-${backend}@example.com`);
    await page.goto(url);
    await page.getByRole("heading", { name: /Verify your identity/ }).waitFor();
    expect(await page.locator('[data-step="doc"] .state').textContent()).toBe("pending");
    expect(await page.getByRole("button", { name: "Submit for verification" }).isDisabled()).toBe(true);
    // The sandbox offers outcomes to simulate.
    expect(await page.getByLabel("Screening outcome").count()).toBe(1);

    await page.getByLabel("Identity document file").setInputFiles({
      name: "passport.png",
      mimeType: "image/png",
      buffer: tinyPng,
    });
    await page.locator('form.upload[data-step="doc"] button').click();
    await page.locator('[data-step="doc"] .state.uploaded').waitFor();
    expect(await page.locator('[data-step="doc"] .files').textContent()).toContain("passport.png (image/png");
    expect(await overflowsHorizontally(page)).toBe(false);
    await screenshot(page, `capture-uploaded-${backend}`);

    await page.getByRole("button", { name: "Submit for verification" }).click();
    // The session moved on: the page shows it submitted and processing, without the forms.
    await page.locator('#status[data-status="processing"]').waitFor();
    await page.getByText("Thank you: your verification was submitted.").waitFor();
    expect(await page.locator("form.upload").count()).toBe(0);
    expect(await overflowsHorizontally(page)).toBe(false);
    await screenshot(page, `capture-submitted-${backend}`);
    const session = await eventually(async () => {
      const s = (await h.gql(key, SESSION, { id: sessionId })).data.session;
      return s.status === "completed" ? s : null;
    });
    expect(session).toEqual({ status: "completed", result: "approved" });

    // The link was single-use: opening it again is refused.
    const again = await page.goto(url);
    expect(again?.status()).toBe(410);
    await page.getByText("already been used").waitFor();
    expect(problems.foreign).toEqual([]);
  });

  it("in the sandbox, a simulated outcome chosen on the page decides the check", async () => {
    const { sessionId, url } = await invite(`simulate-${backend}@example.com`);
    await page.goto(url);
    await page.getByLabel("Screening outcome").selectOption("fail");
    await page.locator('form.simulate[data-step="aml"] button').click();
    // The page reloads from the server, which now renders the chosen outcome as selected.
    await page
      .locator('form.simulate[data-step="aml"] option[value="fail"][selected]')
      .waitFor({ state: "attached" });
    await page.waitForLoadState("load");
    await page.getByLabel("Identity document file").setInputFiles({
      name: "licence.png",
      mimeType: "image/png",
      buffer: tinyPng,
    });
    await page.locator('form.upload[data-step="doc"] button').click();
    await page.locator('[data-step="doc"] .state.uploaded').waitFor();
    await page.getByRole("button", { name: "Submit for verification" }).click();
    await page.locator('#status[data-status="processing"]').waitFor();
    const session = await eventually(async () => {
      const s = (await h.gql(key, SESSION, { id: sessionId })).data.session;
      return s.status === "completed" ? s : null;
    });
    expect(session.result).toBe("rejected");
    expect(problems.errors.filter((e) => !e.includes("410"))).toEqual([]);
  });
});
