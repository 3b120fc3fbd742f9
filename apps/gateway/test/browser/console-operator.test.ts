import { testBackends } from "@flowgate/db/testing";
import type { Browser, Page } from "playwright-core";
import { afterAll, beforeAll, describe, expect, it, vi } from "vitest";
import { designExampleGraph, RUN } from "../fixtures.ts";
import { type Harness, startHarness } from "../harness.ts";
import {
  launchChromium,
  overflowsHorizontally,
  type PageProblems,
  screenshot,
  watchPage,
} from "./chromium.ts";

// A browser drives several pages per test: allow for a loaded machine (each wait still has its own limit).
vi.setConfig({ testTimeout: 120_000, hookTimeout: 120_000 });

interface StoredEvent {
  seq: number;
  type: string;
  data: { nodeId?: string; result?: string };
}

/** What each node should show after `events`, computed here independently of the console's code. */
function expectedNodes(events: StoredEvent[]) {
  const nodes = new Map<
    string,
    { state: string; startedSeq: string; completedSeq: string; pausedSeq: string; result: string }
  >();
  const of = (id: string) => {
    const node = nodes.get(id) ?? {
      state: "idle",
      startedSeq: "",
      completedSeq: "",
      pausedSeq: "",
      result: "",
    };
    nodes.set(id, node);
    return node;
  };
  for (const event of events) {
    const id = event.data.nodeId;
    if (!id) continue;
    if (event.type === "NODE_STARTED")
      Object.assign(of(id), {
        state: "running",
        startedSeq: String(event.seq),
        completedSeq: "",
        pausedSeq: "",
        result: "",
      });
    if (event.type === "NODE_COMPLETED")
      Object.assign(of(id), {
        state: "completed",
        completedSeq: String(event.seq),
        result: event.data.result ?? "",
      });
    if (event.type === "RUN_PAUSED") Object.assign(of(id), { state: "paused", pausedSeq: String(event.seq) });
    if (event.type === "RUN_RESUMED") Object.assign(of(id), { state: "running" });
  }
  return nodes;
}

/** The run graph's nodes as the DOM shows them. */
function domNodes(page: Page) {
  return page.$$eval(".run-graph [data-node-id]", (elements) =>
    elements.map((el) => {
      const d = (el as HTMLElement).dataset;
      return {
        id: d.nodeId ?? "",
        state: d.state ?? "",
        startedSeq: d.startedSeq ?? "",
        completedSeq: d.completedSeq ?? "",
        pausedSeq: d.pausedSeq ?? "",
        result: d.result ?? "",
      };
    }),
  );
}

/** Checks every node of the drawn run against the stored events of the run. */
async function expectDomToMatchEvents(page: Page, events: StoredEvent[]) {
  const expected = expectedNodes(events);
  const shown = await domNodes(page);
  expect(shown.map((n) => n.id).sort()).toEqual(designExampleGraph.nodes.map((n) => n.id).sort());
  for (const node of shown) {
    const want = expected.get(node.id) ?? {
      state: "idle",
      startedSeq: "",
      completedSeq: "",
      pausedSeq: "",
      result: "",
    };
    expect({ id: node.id, ...want }).toEqual(node);
  }
  const lastSeq = await page.getAttribute(".run-graph", "data-last-seq");
  expect(Number(lastSeq)).toBe(events.at(-1)?.seq);
}

describe.each(testBackends())("operations console in Chromium (%s)", (backend) => {
  let harness: Harness;
  let browser: Browser;
  let page: Page;
  let problems: PageProblems;
  let origin: string;

  beforeAll(async () => {
    harness = await startHarness(backend);
    origin = new URL(harness.server.url).origin;
    browser = await launchChromium();
    page = await browser.newPage({ viewport: { width: 1280, height: 800 } });
    problems = await watchPage(page, origin);
  });
  afterAll(async () => {
    await browser?.close();
    await harness?.close();
  });

  it("signs in, creates a workflow, watches the run light up to the gate, continues it to completion", async () => {
    const key = harness.acme.keys.sandbox;
    await page.goto(`${origin}/`);
    await page.fill("#api-key", key);
    await page.keyboard.press("Enter");
    await page.getByRole("heading", { name: "Workflows" }).waitFor();
    expect(
      await page.evaluate(() => [sessionStorage.getItem("flowgate.apiKey"), localStorage.length]),
    ).toEqual([key, 0]);

    // Create the workflow of DESIGN §3 from the form (its graph is the form's default).
    await page.fill("#workflow-name", `KYC ${backend}`);
    await page.getByRole("button", { name: "Create workflow" }).click();
    await page.waitForURL(/\/workflows\/wfl_/);
    await page.locator('.run-graph [data-node-id="gate"]').waitFor();
    await screenshot(page, `workflow-graph-${backend}`);

    // Start a session (sandbox data sends it to the gate) and open its page.
    await page.getByRole("button", { name: "Create session" }).click();
    await page.waitForURL(/\/sessions\/ses_/);
    const sessionId = page.url().split("/").at(-1)!;
    await page.locator('.run-graph [data-node-id="start"]').waitFor();

    // Record every change of a node as it happens, in order.
    await page.evaluate(() => {
      const seen: { nodeId: string; state: string; seq: number }[] = [];
      (window as unknown as { litNodes: typeof seen }).litNodes = seen;
      new MutationObserver((records) => {
        for (const record of records) {
          const el = record.target as HTMLElement;
          if (!el.dataset?.nodeId || record.attributeName !== "data-seq") continue;
          seen.push({
            nodeId: el.dataset.nodeId,
            state: el.dataset.state ?? "",
            seq: Number(el.dataset.seq),
          });
        }
      }).observe(document.body, { subtree: true, attributes: true, attributeFilter: ["data-seq"] });
    });

    await page.getByRole("button", { name: "Submit and run" }).click();
    await page.locator('.run-graph [data-node-id="gate"][data-state="paused"]').waitFor();
    const session = await harness.gql(
      key,
      `query ($id: ID!) { session(id: $id) { status workflowRun { id } } }`,
      { id: sessionId },
    );
    expect(session.data.session.status).toBe("awaiting_external");
    const runId = session.data.session.workflowRun.id as string;
    const atGate = (
      await harness.gql(key, `query ($id: ID!) { run(id: $id) { lastSeq events { seq type data } } }`, {
        id: runId,
      })
    ).data.run;
    await page.locator(`.run-graph[data-last-seq="${atGate.lastSeq}"]`).waitFor();
    await expectDomToMatchEvents(page, atGate.events);
    expect(atGate.events.at(-1).type).toBe("RUN_PAUSED");

    // The nodes lit up one after another, in the order the run started them.
    const lit = (
      await page.evaluate(
        () => (window as unknown as { litNodes: { nodeId: string; seq: number }[] }).litNodes,
      )
    ).slice();
    const firstLit = [...new Set(lit.map((entry) => entry.nodeId))];
    const startedOrder = atGate.events
      .filter((e: StoredEvent) => e.type === "NODE_STARTED")
      .map((e: StoredEvent) => e.data.nodeId);
    expect(firstLit).toEqual(startedOrder);
    expect(startedOrder).toEqual(["start", "document", "aml", "risk", "gate"]);
    const seqs = lit.map((entry) => entry.seq);
    expect(seqs).toEqual([...seqs].sort((a, b) => a - b));
    await screenshot(page, `session-at-gate-${backend}`);
    expect(await overflowsHorizontally(page)).toBe(false);

    // Node details: result, attempts and output of a node.
    await page.getByRole("button", { name: "aml", exact: true }).click();
    await page.locator('[data-node-run="aml"]').getByText('"score": 85').waitFor();

    // Decide the gate with the keyboard and watch the run finish.
    await page.getByRole("button", { name: "Continue", exact: true }).focus();
    await page.keyboard.press("Enter");
    await page.locator('.run-graph[data-run-status="completed"]').waitFor();
    await page.locator('.run-graph [data-node-id="approved"][data-state="completed"]').waitFor();
    const done = (await harness.gql(key, RUN, { id: runId })).data.run;
    expect(done).toMatchObject({ status: "completed", finalStatus: "approved" });
    const allEvents = (
      await harness.gql(key, `query ($id: ID!) { run(id: $id) { events { seq type data } } }`, { id: runId })
    ).data.run.events;
    await page.locator(`.run-graph[data-last-seq="${allEvents.at(-1).seq}"]`).waitFor();
    await expectDomToMatchEvents(page, allEvents);
    await page.locator('[data-testid="session-status"]', { hasText: "completed" }).waitFor();
    await page.locator('[data-testid="audit-trail"]').getByText("decision").first().waitFor();
    // The session's checks (one per policy node, with its attempts) and its risk assessment.
    const surface = (
      await harness.gql(
        key,
        `query ($id: ID!) { session(id: $id) { checks { nodeId status attempts { number } } riskAssessment { score level } } }`,
        { id: sessionId },
      )
    ).data.session;
    for (const check of surface.checks) {
      const shownCheck = page.locator(`[data-check-node="${check.nodeId}"]`);
      await shownCheck.getByText(check.status, { exact: true }).waitFor();
      await shownCheck.locator(":scope > summary").click();
      expect(await shownCheck.locator("[data-attempt]").count()).toBe(check.attempts.length);
    }
    expect(surface.checks.map((c: { nodeId: string }) => c.nodeId)).toEqual(["document", "aml"]);
    expect(surface.riskAssessment).toMatchObject({ score: expect.any(Number) });
    await page
      .getByTestId("risk-assessment")
      .getByText(`score ${surface.riskAssessment.score}`, { exact: false })
      .waitFor();
    await screenshot(page, `session-completed-${backend}`);

    // At phone width the page reflows instead of scrolling sideways.
    await page.setViewportSize({ width: 390, height: 844 });
    expect(await overflowsHorizontally(page)).toBe(false);
    await screenshot(page, `session-phone-${backend}`);
    await page.setViewportSize({ width: 1280, height: 800 });
    expect(problems).toEqual({ errors: [], foreign: [] });
  });

  it("shows the other screens without a layout break: sessions, draft editor with errors on nodes, credits, keys", async () => {
    await page
      .getByRole("navigation", { name: "Sections" })
      .getByRole("link", { name: "Sessions", exact: true })
      .click();
    await page.locator("[data-session-id]").first().waitFor();
    for (const width of [1280, 390]) {
      await page.setViewportSize({ width, height: width === 1280 ? 800 : 844 });
      expect(await overflowsHorizontally(page), `sessions at ${width}px`).toBe(false);
    }
    await page.setViewportSize({ width: 1280, height: 800 });
    await screenshot(page, `sessions-${backend}`);

    await page
      .getByRole("navigation", { name: "Sections" })
      .getByRole("link", { name: "Workflows", exact: true })
      .click();
    await page.locator("[data-workflow-id] a").first().click();
    await page.getByRole("button", { name: "Edit as draft" }).click();
    await page.waitForURL(/\/draft$/);
    const editor = page.getByLabel("Draft graph JSON");
    const text = await editor.inputValue();
    await editor.fill(text.replace('"pass": "risk"', '"pass": "riskk"'));
    await page.locator('.run-graph [data-node-id="aml"].has-issues').waitFor();
    await page.locator('[data-testid="draft-validity"]', { hasText: "invalid" }).waitFor();
    await page.getByText('route "pass" points to unknown node "riskk"').first().waitFor();
    await screenshot(page, `draft-editor-${backend}`);
    await editor.fill(text.replace('"retries": 2', '"retries": 3'));
    await page.locator('[data-testid="draft-validity"]', { hasText: "valid" }).waitFor();
    await page.locator('[data-testid="draft-diff"]').getByText("retries").waitFor();

    await page
      .getByRole("navigation", { name: "Sections" })
      .getByRole("link", { name: "Credits", exact: true })
      .click();
    await page.locator('[data-testid="credit-balance"]').waitFor();
    await screenshot(page, `credits-${backend}`);
    await page
      .getByRole("navigation", { name: "Sections" })
      .getByRole("link", { name: "Keys & workspaces", exact: true })
      .click();
    await page.locator("[data-key-id]").first().waitFor();
    expect(await overflowsHorizontally(page)).toBe(false);
    await screenshot(page, `keys-${backend}`);
    expect(problems).toEqual({ errors: [], foreign: [] });
  });
});
