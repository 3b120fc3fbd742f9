// Console latency: from a run event's commit to its node lighting up in the browser.
//
// Starts the real gateway (`apps/gateway/src/main.ts`, as `tooling/flowgate start` does) on a free port,
// opens a session's page of the console in headless Chromium (Debian's /usr/bin/chromium through
// playwright-core), runs a workflow of gates one decision at a time and, for every event that changes a
// node, compares the event's `createdAt` (set by the statement that writes it, just before its commit)
// with the moment the page's MutationObserver saw the node's `data-seq` reach that event. Both clocks are
// this machine's. Also prints the console's bundle size.
//
//   pnpm --filter bench bench:console           (embedded PGlite; with DATABASE_URL: a scratch schema there)
//   BENCH_CONSOLE_GATES=26                       gates in the chain (each decision gives 4 events)
//
// Two figures per event: from its `createdAt` (an upper bound: it includes the write statement and the
// commit) and from its arrival at a graphql-ws subscriber in this process (the `@flowgate/client`,
// i.e. commit → publish → one subscriber), so the browser's own share is visible.
/// <reference lib="dom" />
import { type ChildProcess, spawn } from "node:child_process";
import { randomBytes } from "node:crypto";
import { mkdtempSync, readdirSync, readFileSync, rmSync } from "node:fs";
import { createServer } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { gzipSync } from "node:zlib";
import { FlowgateClient, type RunProgressEvent, subscribeRunProgress } from "@flowgate/client";
import pg from "pg";
import { chromium } from "playwright-core";

const root = fileURLToPath(new URL("../../../", import.meta.url));
const gates = Number(process.env.BENCH_CONSOLE_GATES ?? 26);
const key = `fg_sandbox_bench${randomBytes(12).toString("hex")}`;

function percentile(sorted: number[], p: number): number {
  if (sorted.length === 0) return Number.NaN;
  return sorted[Math.min(sorted.length - 1, Math.ceil((p / 100) * sorted.length) - 1)]!;
}

async function freePort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const port = (server.address() as { port: number }).port;
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return port;
}

function bundleSize(): { files: number; raw: number; gzip: number } {
  const dir = join(root, "apps/console/dist/assets");
  let raw = 0;
  let gzip = 0;
  const files = readdirSync(dir).filter((f) => f.endsWith(".js") || f.endsWith(".css"));
  for (const file of files) {
    const body = readFileSync(join(dir, file));
    raw += body.length;
    gzip += gzipSync(body).length;
  }
  return { files: files.length, raw, gzip };
}

async function startGateway(port: number, env: NodeJS.ProcessEnv): Promise<ChildProcess> {
  const child = spawn(process.execPath, ["--conditions=source", "src/main.ts"], {
    cwd: join(root, "apps/gateway"),
    env: { ...env, PORT: String(port), HOST: "127.0.0.1", FLOWGATE_SEED_API_KEY: key },
    stdio: ["ignore", "pipe", "pipe"],
  });
  let output = "";
  await new Promise<void>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`gateway did not start:\n${output}`)), 60_000);
    const onData = (chunk: Buffer) => {
      output += chunk.toString();
      if (output.includes("Console:")) {
        clearTimeout(timer);
        resolve();
      }
    };
    child.stdout?.on("data", onData);
    child.stderr?.on("data", (chunk: Buffer) => (output += chunk.toString()));
    child.on("exit", (code) => reject(new Error(`gateway exited with ${code}:\n${output}`)));
  });
  if (output.includes("not built"))
    throw new Error("Build the console first: pnpm --filter @flowgate/console build");
  return child;
}

async function main() {
  const port = await freePort();
  const origin = `http://127.0.0.1:${port}`;
  const dataDir = mkdtempSync(join(tmpdir(), "flowgate-console-bench-"));
  const env: NodeJS.ProcessEnv = { ...process.env, FLOWGATE_DATA_DIR: join(dataDir, "pglite") };
  let schema: string | null = null;
  if (process.env.DATABASE_URL) {
    schema = `bench_console_${randomBytes(4).toString("hex")}`;
    const client = new pg.Client({ connectionString: process.env.DATABASE_URL });
    await client.connect();
    await client.query(`create schema ${schema}`);
    await client.end();
    env.FLOWGATE_DB_SCHEMA = schema;
  }
  const gateway = await startGateway(port, env);
  const browser = await chromium.launch({
    executablePath: process.env.CHROMIUM_PATH ?? "/usr/bin/chromium",
    args: [
      "--no-sandbox",
      "--disable-gpu",
      "--disable-quic",
      "--no-first-run",
      "--disable-background-networking",
      "--disable-component-update",
      "--disable-sync",
    ],
  });
  try {
    const gql = async (query: string, variables: Record<string, unknown> = {}) => {
      const response = await fetch(`${origin}/graphql`, {
        method: "POST",
        headers: { "content-type": "application/json", "x-api-key": key },
        body: JSON.stringify({ query, variables }),
      });
      const body = (await response.json()) as { data?: any; errors?: unknown };
      if (!body.data) throw new Error(JSON.stringify(body.errors));
      return body.data;
    };
    const nodes: Record<string, unknown>[] = [{ id: "start", type: "start", next: "gate_1" }];
    for (let i = 1; i <= gates; i++) {
      nodes.push({ id: `gate_${i}`, type: "wait", on_continue: i === gates ? "done" : `gate_${i + 1}` });
    }
    nodes.push({ id: "done", type: "terminal", outcome: "approved" });
    const workflow = (
      await gql(
        `mutation ($graph: JSON!) { createWorkflow(name: "console latency", graph: $graph) { ... on Workflow { id } ... on Error { message } } }`,
        {
          graph: { entry: "start", nodes },
        },
      )
    ).createWorkflow;
    const sessionId = (
      await gql(`mutation ($w: ID!) { createSession(workflowId: $w) { ... on Session { id } } }`, {
        w: workflow.id,
      })
    ).createSession.id as string;

    const page = await browser.newPage({ viewport: { width: 1280, height: 800 } });
    await page.addInitScript((apiKey) => sessionStorage.setItem("flowgate.apiKey", apiKey), key);
    await page.goto(`${origin}/sessions/${sessionId}`);
    await page.locator('.run-graph [data-node-id="gate_1"]').waitFor();
    await page.evaluate(() => {
      const seen: { nodeId: string; seq: number; at: number }[] = [];
      (window as unknown as { lit: typeof seen }).lit = seen;
      new MutationObserver((records) => {
        const at = performance.timeOrigin + performance.now();
        for (const record of records) {
          const el = record.target as HTMLElement;
          if (el.dataset?.nodeId && record.attributeName === "data-seq") {
            seen.push({ nodeId: el.dataset.nodeId, seq: Number(el.dataset.seq), at });
          }
        }
      }).observe(document.body, { subtree: true, attributes: true, attributeFilter: ["data-seq"] });
    });

    await page.getByRole("button", { name: "Submit and run" }).click();
    await page
      .locator('.run-graph [data-node-id="gate_1"][data-state="paused"]')
      .waitFor({ timeout: 30_000 });
    // Events from here on are measured (the first ones may have been read by the page from the store).
    const firstRun = (
      await gql(`query ($s: ID!) { session(id: $s) { workflowRun { id lastSeq } } }`, { s: sessionId })
    ).session.workflowRun as { id: string; lastSeq: number };
    const arrivals = new Map<number, number>();
    const client = new FlowgateClient({ url: `${origin}/graphql`, apiKey: key });
    const subscribed = subscribeRunProgress(client, firstRun.id, {
      afterSeq: firstRun.lastSeq,
      onEvent: (event: RunProgressEvent) =>
        arrivals.set(event.seq, performance.timeOrigin + performance.now()),
    });
    for (let i = 1; i <= gates; i++) {
      await page
        .locator(`.run-graph [data-node-id="gate_${i}"][data-state="paused"]`)
        .waitFor({ timeout: 30_000 });
      await gql(
        `mutation ($s: ID!) { submitExternalDecision(sessionId: $s, decision: continue) { __typename } }`,
        { s: sessionId },
      );
    }
    await page
      .locator('.run-graph [data-node-id="done"][data-state="completed"]')
      .waitFor({ timeout: 30_000 });

    const run = (
      await gql(
        `query ($s: ID!) { session(id: $s) { workflowRun { events { seq type data createdAt } } } }`,
        { s: sessionId },
      )
    ).session.workflowRun;
    const lit =
      (await page.evaluate(
        () => (window as unknown as { lit: { nodeId: string; seq: number; at: number }[] }).lit,
      )) ?? [];
    subscribed.unsubscribe();
    await client.dispose();
    const latencies: number[] = [];
    const fromArrival: number[] = [];
    let missing = 0;
    for (const event of run.events as { seq: number; data: { nodeId?: string }; createdAt: string }[]) {
      const nodeId = event.data.nodeId;
      if (!nodeId || event.seq <= firstRun.lastSeq) continue;
      const shown = lit.find((entry) => entry.nodeId === nodeId && entry.seq >= event.seq);
      if (!shown) {
        missing++;
        continue;
      }
      latencies.push(shown.at - new Date(event.createdAt).getTime());
      const arrived = arrivals.get(event.seq);
      if (arrived !== undefined) fromArrival.push(shown.at - arrived);
    }
    latencies.sort((a, b) => a - b);
    fromArrival.sort((a, b) => a - b);
    const size = bundleSize();
    console.log(
      `console bundle: ${size.files} files, ${(size.raw / 1024).toFixed(1)} KiB, ${(size.gzip / 1024).toFixed(1)} KiB gzip`,
    );
    console.log(
      `event commit → node lit in the browser (${latencies.length} node events, ${gates} gates, ${schema ? "PostgreSQL" : "PGlite"}): ` +
        `p50 ${percentile(latencies, 50).toFixed(1)} ms, p99 ${percentile(latencies, 99).toFixed(1)} ms, ` +
        `max ${latencies.at(-1)?.toFixed(1)} ms${missing ? `, ${missing} never seen` : ""}`,
    );
    console.log(
      `event at a graphql-ws subscriber of the same gateway → node lit in the browser (${fromArrival.length}): ` +
        `p50 ${percentile(fromArrival, 50).toFixed(1)} ms, p99 ${percentile(fromArrival, 99).toFixed(1)} ms`,
    );
    if (missing > 0) process.exitCode = 1;
  } finally {
    await browser.close();
    gateway.kill("SIGTERM");
    await new Promise((resolve) => gateway.once("exit", resolve));
    rmSync(dataDir, { recursive: true, force: true });
    if (schema && process.env.DATABASE_URL) {
      const client = new pg.Client({ connectionString: process.env.DATABASE_URL });
      await client.connect();
      await client.query(`drop schema ${schema} cascade`);
      await client.end();
    }
  }
}

await main();
