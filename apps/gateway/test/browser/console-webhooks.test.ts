import { testBackends } from "@flowgate/db/testing";
import type { Browser, Page } from "playwright-core";
import { afterAll, beforeAll, describe, expect, it, vi } from "vitest";
import { type Harness, startHarness } from "../harness.ts";
import { startReceiver, verifies, type WebhookReceiver } from "../webhook-receiver.ts";
import {
  launchChromium,
  overflowsHorizontally,
  type PageProblems,
  screenshot,
  watchPage,
} from "./chromium.ts";

// A browser drives several pages per test: allow for a loaded machine (each wait still has its own limit).
vi.setConfig({ testTimeout: 120_000, hookTimeout: 120_000 });

/** Quick retries, so that the receiver's first refusal is retried while the test watches. */
const webhookEnv = {
  FLOWGATE_WEBHOOK_RETRY_BASE_MS: "50",
  FLOWGATE_WEBHOOK_MAX_ATTEMPTS: "4",
  FLOWGATE_WEBHOOK_TIMEOUT_MS: "5000",
};

const SET_WORKSPACE = /* GraphQL */ `
  mutation ($id: ID!, $settings: WorkspaceSettingsInput!) {
    updateWorkspace(id: $id, settings: $settings) { __typename ... on Error { message } }
  }
`;
const CREATE_SESSION = /* GraphQL */ `
  mutation ($referenceId: String) {
    createSession(referenceId: $referenceId) { __typename ... on Session { id createdAt } ... on Error { message } }
  }
`;
const ADD_TAG = /* GraphQL */ `
  mutation ($sessionId: ID!, $tag: String!) {
    addSessionTag(sessionId: $sessionId, tag: $tag) { __typename ... on Session { tags } }
  }
`;
const DELIVERIES = /* GraphQL */ `
  query ($id: ID!) {
    webhookEndpoint(id: $id) {
      status
      deliveries(first: 10) {
        edges { node { id eventId eventType status sessionId attempts { attempt statusCode } } }
      }
    }
  }
`;

/** The deliveries the console shows, from their data attributes. */
function shownDeliveries(page: Page) {
  return page.$$eval("[data-delivery-id]", (elements) =>
    elements.map((el) => {
      const d = (el as HTMLElement).dataset;
      return { id: d.deliveryId, eventType: d.eventType, status: d.status, attempts: Number(d.attempts) };
    }),
  );
}

describe.each(testBackends())("console webhooks and session filters in Chromium (%s)", (backend) => {
  let harness: Harness;
  let browser: Browser;
  let page: Page;
  let problems: PageProblems;
  let origin: string;
  let receiver: WebhookReceiver;
  let key: string;

  beforeAll(async () => {
    harness = await startHarness(backend, { env: webhookEnv });
    key = harness.acme.keys.sandbox;
    // The receiver listens on 127.0.0.1: the workspace allows private addresses, as in development.
    const set = await harness.gql(key, SET_WORKSPACE, {
      id: harness.acme.workspaceId,
      settings: { allowPrivateTaskUrls: true },
    });
    expect(set.data.updateWorkspace.__typename).toBe("Workspace");
    // The receiver refuses the first request it gets (503) and accepts every later one.
    receiver = await startReceiver((_request, index) => ({ status: index === 0 ? 503 : 200 }));
    origin = new URL(harness.server.url).origin;
    browser = await launchChromium();
    page = await browser.newPage({ viewport: { width: 1280, height: 800 }, timezoneId: "UTC" });
    problems = await watchPage(page, origin);
    await page.goto(`${origin}/`);
    await page.fill("#api-key", key);
    await page.keyboard.press("Enter");
    await page.getByRole("heading", { name: "Workflows" }).waitFor();
  });
  afterAll(async () => {
    await browser?.close();
    await harness?.close();
    await receiver?.close();
  });

  it("creates an endpoint (secret shown once), sees a session's event delivered with its attempts, redelivers, rotates, disables, deletes", async () => {
    await page
      .getByRole("navigation", { name: "Sections" })
      .getByRole("link", { name: "Webhooks", exact: true })
      .click();
    await page.getByRole("heading", { name: "Webhooks", exact: true }).waitFor();
    await page.getByText("No endpoint yet.").waitFor();

    // Create the endpoint with the keyboard: fill the fields, submit with Enter.
    await page.getByLabel("URL", { exact: true }).fill(receiver.url);
    await page.getByLabel(/^Events/).fill("session.created");
    await page.getByLabel(/^Description/).fill(`console test ${backend}`);
    await page.keyboard.press("Enter");
    const secretBox = page.getByTestId("secret-once");
    await secretBox.waitFor();
    const secret = (await page.getByTestId("secret-value").textContent()) ?? "";
    expect(secret).toMatch(/^whsec_/);
    const row = page.locator("[data-endpoint-id]");
    await row.first().waitFor();
    const endpointId = (await row.first().getAttribute("data-endpoint-id")) ?? "";
    expect(endpointId).toMatch(/^whe_/);
    await screenshot(page, `webhooks-created-${backend}`);
    for (const width of [1280, 390]) {
      await page.setViewportSize({ width, height: width === 1280 ? 800 : 844 });
      expect(await overflowsHorizontally(page), `webhooks at ${width}px`).toBe(false);
    }
    await page.setViewportSize({ width: 1280, height: 800 });

    // Shown once: dismissed, then gone after a reload too.
    await page.getByRole("button", { name: "I stored it" }).click();
    await secretBox.waitFor({ state: "detached" });
    await page.reload();
    await row.first().waitFor();
    expect(await page.content()).not.toContain(secret);

    // Open the endpoint, then start a session through the API: its session.created event is delivered.
    await row.first().getByRole("link").click();
    await page.waitForURL(new RegExp(`/webhooks/${endpointId}$`));
    await page.getByTestId("endpoint-url").getByText(receiver.url).waitFor();
    const created = await harness.gql(key, CREATE_SESSION, { referenceId: `hook-${backend}` });
    expect(created.data.createSession.__typename).toBe("Session");
    const sessionId = created.data.createSession.id as string;

    // The first attempt got 503, the retry 200: the console shows it succeeded after two attempts.
    const delivered = page.locator('[data-event-type="session.created"][data-status="succeeded"]');
    await delivered.waitFor({ timeout: 30_000 });
    await delivered.locator(":scope > summary").click();
    const attempts = delivered.locator("table tbody tr");
    expect(await attempts.count()).toBe(2);
    expect(await attempts.nth(0).locator("td").nth(2).textContent()).toBe("503");
    expect(await attempts.nth(1).locator("td").nth(2).textContent()).toBe("200");
    await delivered.getByRole("link", { name: sessionId }).waitFor();
    const api = (await harness.gql(key, DELIVERIES, { id: endpointId })).data.webhookEndpoint;
    expect(api.deliveries.edges.map((e: any) => e.node)).toEqual([
      {
        id: await delivered.getAttribute("data-delivery-id"),
        eventId: expect.stringMatching(/^msg_/),
        eventType: "session.created",
        status: "succeeded",
        sessionId,
        attempts: [
          { attempt: 1, statusCode: 503 },
          { attempt: 2, statusCode: 200 },
        ],
      },
    ]);
    const eventId = api.deliveries.edges[0].node.eventId as string;
    // The receiver got the event twice, signed with the secret the console showed once.
    expect(receiver.received.map((r) => r.headers["webhook-id"])).toEqual([eventId, eventId]);
    expect(receiver.received.every((r) => verifies(secret, r))).toBe(true);
    expect(receiver.received[1]?.payload.data.id).toBe(sessionId);
    await screenshot(page, `webhook-deliveries-${backend}`);

    // Redeliver: a new delivery of the same event (same webhook-id) succeeds at its first attempt.
    await delivered.getByRole("button", { name: "Redeliver" }).click();
    await page.getByRole("status").getByText("Redelivering session.created").waitFor();
    await page.waitForFunction(
      () =>
        document.querySelectorAll('[data-event-type="session.created"][data-status="succeeded"]').length ===
        2,
      null,
      { timeout: 30_000 },
    );
    const shown = await shownDeliveries(page);
    expect(shown.map((d) => [d.eventType, d.status, d.attempts])).toEqual([
      ["session.created", "succeeded", 1],
      ["session.created", "succeeded", 2],
    ]);
    expect(receiver.received.map((r) => r.headers["webhook-id"])).toEqual([eventId, eventId, eventId]);

    // Rotate: a new secret, shown once, different from the first.
    await page.getByRole("button", { name: "Rotate secret" }).click();
    const rotated = (await page.getByTestId("secret-value").textContent()) ?? "";
    expect(rotated).toMatch(/^whsec_/);
    expect(rotated).not.toBe(secret);
    await page.getByRole("button", { name: "I stored it" }).click();

    // Disable and enable again with the keyboard.
    await page.getByRole("button", { name: "Disable", exact: true }).focus();
    await page.keyboard.press("Enter");
    await page.getByTestId("endpoint-status").getByText("disabled").waitFor();
    expect((await harness.gql(key, DELIVERIES, { id: endpointId })).data.webhookEndpoint.status).toBe(
      "disabled",
    );
    await page.getByRole("button", { name: "Enable", exact: true }).focus();
    await page.keyboard.press("Enter");
    await page.getByTestId("endpoint-status").getByText("enabled").waitFor();

    // A test event reaches the receiver, signed with the rotated secret.
    await page.getByRole("button", { name: "Send test event" }).click();
    await page.locator('[data-event-type="ping"][data-status="succeeded"]').waitFor({ timeout: 30_000 });
    const ping = receiver.received.find((r) => r.payload.type === "ping");
    expect(ping && verifies(rotated, ping)).toBe(true);
    for (const width of [1280, 390]) {
      await page.setViewportSize({ width, height: width === 1280 ? 800 : 844 });
      expect(await overflowsHorizontally(page), `endpoint page at ${width}px`).toBe(false);
    }
    await screenshot(page, `webhook-endpoint-phone-${backend}`);
    await page.setViewportSize({ width: 1280, height: 800 });

    // Delete (confirmed in the dialog): back on the list, without it.
    page.once("dialog", (dialog) => void dialog.accept());
    await page.getByRole("button", { name: "Delete", exact: true }).click();
    await page.waitForURL(/\/webhooks$/);
    await page.getByText("No endpoint yet.").waitFor();
    expect((await harness.gql(key, DELIVERIES, { id: endpointId })).data.webhookEndpoint).toBeNull();
    expect(problems).toEqual({ errors: [], foreign: [] });
  });

  it("filters sessions by tag and date on the server, and the URL keeps the filters across a reload", async () => {
    const create = async (referenceId: string, tag: string) => {
      const created = await harness.gql(key, CREATE_SESSION, { referenceId });
      const id = created.data.createSession.id as string;
      expect((await harness.gql(key, ADD_TAG, { sessionId: id, tag })).data.addSessionTag.tags).toEqual([
        tag,
      ]);
      return { id, createdAt: created.data.createSession.createdAt as string };
    };
    const vip = await create(`vip-${backend}`, "vip");
    const plain = await create(`plain-${backend}`, "plain");
    const today = vip.createdAt.slice(0, 10); // the page runs in UTC
    const yesterday = new Date(Date.parse(`${today}T00:00:00Z`) - 86_400_000).toISOString().slice(0, 10);

    // Every sessions query the page sends, with its variables.
    const sent: Record<string, unknown>[] = [];
    page.on("request", (request) => {
      if (!request.url().endsWith("/graphql") || request.method() !== "POST") return;
      const body = request.postDataJSON() as { query?: string; variables?: Record<string, unknown> };
      if (body.query?.includes("query Sessions(")) sent.push(body.variables ?? {});
    });

    await page
      .getByRole("navigation", { name: "Sections" })
      .getByRole("link", { name: "Sessions", exact: true })
      .click();
    await page.locator(`[data-session-id="${plain.id}"]`).waitFor();
    const shownIds = () =>
      page.$$eval("[data-session-id]", (rows) => rows.map((r) => r.getAttribute("data-session-id")));

    // Tag: typed and submitted with Enter; the server filters, the URL says so.
    await page.getByLabel("Tag").fill("vip");
    await page.keyboard.press("Enter");
    await page.waitForURL(/[?&]tag=vip/);
    await page.locator(`[data-session-id="${plain.id}"]`).waitFor({ state: "detached" });
    expect(await shownIds()).toEqual([vip.id]);
    expect(sent.at(-1)).toMatchObject({ tag: "vip", createdFrom: null, createdTo: null });

    // Date: created from today keeps it; the server gets local midnight (UTC here).
    await page.getByLabel("Created from").fill(today);
    await page.waitForURL(new RegExp(`[?&]from=${today}`));
    await page.locator(`[data-session-id="${vip.id}"]`).waitFor();
    expect(sent.at(-1)).toMatchObject({ tag: "vip", createdFrom: `${today}T00:00:00.000Z` });
    await screenshot(page, `sessions-filtered-${backend}`);

    // The URL keeps the filters: a reload shows the same filtered list and the same fields.
    const url = page.url();
    await page.reload();
    await page.locator(`[data-session-id="${vip.id}"]`).waitFor();
    expect(page.url()).toBe(url);
    expect(await page.getByLabel("Tag").inputValue()).toBe("vip");
    expect(await page.getByLabel("Created from").inputValue()).toBe(today);
    expect(await shownIds()).toEqual([vip.id]);

    // Up to yesterday (and from nothing): none; the range ends at the next midnight, exclusive.
    await page.getByLabel("Created from").fill("");
    await page.waitForURL((u) => !u.search.includes("from="));
    await page.getByLabel(/^to$/).fill(yesterday);
    await page.waitForURL(new RegExp(`[?&]to=${yesterday}`));
    await page.getByText("No sessions match.").waitFor();
    expect(sent.at(-1)).toMatchObject({ tag: "vip", createdFrom: null, createdTo: `${today}T00:00:00.000Z` });

    // Back in history: the previous filters come back from the URL.
    await page.goBack();
    await page.waitForURL((u) => !u.search.includes("to="));
    await page.locator(`[data-session-id="${vip.id}"]`).waitFor();

    // Clear: every session again.
    await page.getByRole("link", { name: "Clear" }).click();
    await page.waitForURL(/\/sessions$/);
    await page.locator(`[data-session-id="${plain.id}"]`).waitFor();
    for (const width of [1280, 390]) {
      await page.setViewportSize({ width, height: width === 1280 ? 800 : 844 });
      expect(await overflowsHorizontally(page), `sessions at ${width}px`).toBe(false);
    }
    await page.setViewportSize({ width: 1280, height: 800 });
    expect(problems).toEqual({ errors: [], foreign: [] });
  });
});
