import { testBackends } from "@flowgate/db/testing";
import { SmtpEmailSender } from "@flowgate/engine";
import { sql } from "kysely";
import type { Browser, Page } from "playwright-core";
import { afterAll, beforeAll, describe, expect, it, vi } from "vitest";
import { createKycQuestionnaire, RESPONSE, SEND_WORKFLOW, TestSmtpServer } from "../ddq-helpers.ts";
import { eventually, type Harness, startHarness } from "../harness.ts";
import {
  launchChromium,
  overflowsHorizontally,
  type PageProblems,
  screenshot,
  watchPage,
} from "./chromium.ts";

// A browser drives several pages per test: allow for a loaded machine (each wait still has its own limit).
vi.setConfig({ testTimeout: 120_000, hookTimeout: 120_000 });

const REVOKE = /* GraphQL */ `
  mutation ($id: ID!) { revokeWorkflowSession(id: $id) { __typename ... on WorkflowSession { linkStatus } } }
`;

describe.each(testBackends())("recipient page in Chromium (%s)", (backend) => {
  let harness: Harness;
  let smtp: TestSmtpServer;
  let browser: Browser;
  let page: Page;
  let problems: PageProblems;
  let origin: string;
  let key: string;
  let questionnaireId: string;
  let mailbox = 0;

  /** Sends the questionnaire (with a verification step when asked) and returns the emailed link, opened on this gateway. */
  async function send(withVerification = false) {
    const email = `browser-${backend}-${++mailbox}@supplier.example`;
    const sent = await harness.gql(key, SEND_WORKFLOW, {
      entity: withVerification
        ? { entityType: "individual", firstName: "Ada", lastName: "Lovelace" }
        : { legalName: `Supplier ${mailbox} Ltd` },
      ddq: { questionnaireId },
      ...(withVerification ? { verification: { checks: { document: true, identity: true } } } : {}),
      email,
    });
    expect(sent.data.sendWorkflow.__typename).toBe("WorkflowResponse");
    const message = await eventually(async () => smtp.to(email)[0]);
    const emailed = new URL(message.link!);
    expect(emailed.pathname).toBe("/recipient");
    // The engine writes links for its public URL; the test opens the same path and token on this gateway.
    return { url: `${origin}${emailed.pathname}${emailed.search}`, result: sent.data.sendWorkflow };
  }

  beforeAll(async () => {
    smtp = await TestSmtpServer.start();
    harness = await startHarness(backend, { email: new SmtpEmailSender({ url: smtp.url }) });
    origin = new URL(harness.server.url).origin;
    key = harness.acme.keys.sandbox;
    questionnaireId = await createKycQuestionnaire(harness, key);
    browser = await launchChromium();
    page = await browser.newPage({ viewport: { width: 1280, height: 800 } });
    problems = await watchPage(page, origin);
  });
  afterAll(async () => {
    await browser?.close();
    await harness?.close();
    await smtp?.close();
  });

  it("fills in every question type, saves a draft, finds it after a reload, submits: the response is SUBMITTED", async () => {
    const { url, result } = await send();
    await page.goto(url);
    await page.getByRole("heading", { name: "Supplier DDQ" }).waitFor();
    expect(await page.getAttribute('[data-step="ddq"]', "data-step-status")).toBe("pending");

    // The regulator question shows only once the company says it is regulated (visibleIf).
    expect(await page.locator('[data-question-id="regulator"]').count()).toBe(0);
    await page.getByLabel("Legal name").fill("Acme Supplies Ltd");
    await page.getByLabel("Country of incorporation").fill("GB");
    await page.getByLabel("What does the company do?").fill("Industrial fasteners.");
    await page.getByLabel("Date of incorporation").fill("2011-04-05");
    await page.getByLabel("Number of employees").fill("120");
    const regulated = page.locator('[data-question-id="regulated"]');
    await regulated.getByLabel("Yes").check();
    await page.locator('[data-question-id="regulator"]').getByLabel("FCA").check();
    await regulated.getByLabel("No").check();
    expect(await page.locator('[data-question-id="regulator"]').count()).toBe(0);
    await regulated.getByLabel("Yes").check();
    const products = page.locator('[data-question-id="products"]');
    await products.getByLabel("Payments").check();
    await products.getByLabel("Custody").check();
    await page.getByLabel("Licence document").fill("file_licence_2024.pdf");
    await page.evaluate(() => window.scrollTo(0, 0));
    await screenshot(page, `recipient-form-${backend}`);

    await page.getByRole("button", { name: "Save draft" }).click();
    await page.getByText("Draft saved").waitFor();
    const saved = (await harness.gql(key, RESPONSE, { id: result.responseId })).data.response;
    expect(saved.status).toBe("DRAFT");

    // Reload: the answers come back from the server.
    await page.reload();
    await page.getByRole("heading", { name: "Supplier DDQ" }).waitFor();
    expect(await page.getByLabel("Legal name").inputValue()).toBe("Acme Supplies Ltd");
    expect(await page.getByLabel("Number of employees").inputValue()).toBe("120");
    expect(await page.getByLabel("Date of incorporation").inputValue()).toBe("2011-04-05");
    expect(await regulated.getByLabel("Yes").isChecked()).toBe(true);
    expect(await page.locator('[data-question-id="regulator"]').getByLabel("FCA").isChecked()).toBe(true);
    expect(await products.getByLabel("Payments").isChecked()).toBe(true);
    expect(await products.getByLabel("Lending").isChecked()).toBe(false);
    expect(await products.getByLabel("Custody").isChecked()).toBe(true);

    // A required question left empty is caught before anything is sent.
    await page.getByLabel("Legal name").fill("");
    await page.getByRole("button", { name: "Submit" }).click();
    await page.locator('[data-question-id="legal_name"]').getByText("This question is required.").waitFor();
    await page.getByLabel("Legal name").fill("Acme Supplies Ltd");

    expect(await overflowsHorizontally(page)).toBe(false);
    await page.setViewportSize({ width: 390, height: 844 });
    expect(await overflowsHorizontally(page)).toBe(false);
    await page.setViewportSize({ width: 1280, height: 800 });

    await page.getByRole("button", { name: "Submit" }).click();
    await page.getByRole("heading", { name: "Thank you" }).waitFor();
    await screenshot(page, `recipient-submitted-${backend}`);
    const response = (await harness.gql(key, RESPONSE, { id: result.responseId })).data.response;
    expect(response.status).toBe("SUBMITTED");
    expect(
      Object.fromEntries(
        response.answers.map((a: { questionId: string; value: unknown }) => [a.questionId, a.value]),
      ),
    ).toEqual({
      legal_name: "Acme Supplies Ltd",
      country: "GB",
      description: "Industrial fasteners.",
      founded: "2011-04-05",
      employees: 120,
      regulated: true,
      regulator: "fca",
      products: ["payments", "custody"],
      licence: "file_licence_2024.pdf",
    });
    expect(problems).toEqual({ errors: [], foreign: [] });
  });

  it("shows the verification steps of the send", async () => {
    const { url } = await send(true);
    await page.goto(url);
    await page.getByRole("heading", { name: "Identity verification" }).waitFor();
    expect(await page.getAttribute('[data-step="verification"]', "data-step-status")).toBe("pending");
    await page.getByText("an identity document").waitFor();
    await page.getByText("a selfie / liveness check").waitFor();
    await page.getByRole("button", { name: "Complete verification (sandbox)" }).click();
    await page.locator('[data-step="verification"][data-step-status="completed"]').waitFor();
  });

  it("answers a missing, unknown, revoked or expired link with a clear page", async () => {
    const cases: [string, string, string][] = [];
    cases.push([`${origin}/recipient`, "LINK_MISSING", "This link is incomplete"]);
    cases.push([`${origin}/recipient?token=fgl_not_a_real_token`, "LINK_INVALID", "This link is not valid"]);
    const revoked = await send();
    expect(
      (await harness.gql(key, REVOKE, { id: revoked.result.workflowSessionId })).data.revokeWorkflowSession
        .linkStatus,
    ).toBe("revoked");
    cases.push([revoked.url, "LINK_REVOKED", "This link is no longer valid"]);
    const expired = await send();
    // Time passes: the link's expiry is moved into the past (the one write a test makes itself).
    await sql`update workflow_sessions set expires_at = now() - interval '1 minute' where id = ${expired.result.workflowSessionId}`.execute(
      harness.database.db,
    );
    cases.push([expired.url, "LINK_EXPIRED", "This link has expired"]);
    for (const [url, code, title] of cases) {
      await page.goto(url);
      await page.locator(`[data-link-problem="${code}"]`).getByRole("heading", { name: title }).waitFor();
      expect(await page.locator("body").textContent()).not.toMatch(/Error:|at .*\.js|stack/i);
      if (code === "LINK_EXPIRED") await screenshot(page, `recipient-expired-${backend}`);
    }
    // The refused links answered 401 from /recipient/graphql; nothing else went wrong in the page.
    expect(problems.foreign).toEqual([]);
    expect(problems.errors.filter((e) => !e.includes("401"))).toEqual([]);
  });
});
