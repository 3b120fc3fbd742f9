import { type ChildProcess, fork } from "node:child_process";
import { mkdtempSync, rmSync } from "node:fs";
import { Agent, request } from "node:http";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { Application, type ProvisionedWorkspace, provisionWorkspace } from "@flowgate/application";
import { createDatabase, migrateToLatest } from "@flowgate/db";
import { createTestDatabase, testBackends } from "@flowgate/db/testing";
import { Engine } from "@flowgate/engine";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type FlowgateProcess, startFlowgateProcess } from "./processes.ts";

const hostileClient = fileURLToPath(new URL("./hostile-client.ts", import.meta.url));

/** The codes the hostile client's documents are refused with. */
const refusalCodes = [
  "QUERY_TOO_LARGE",
  "TOO_MANY_TOKENS",
  "QUERY_TOO_DEEP",
  "TOO_MANY_ALIASES",
  "QUERY_TOO_COSTLY",
];

/** The `p`-quantile of some numbers (nearest rank). */
function quantile(values: number[], p: number): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.ceil(p * sorted.length) - 1)] ?? Number.NaN;
}

const ms = (value: number) => Math.round(value * 10) / 10;

/**
 * The gateway as operators run it — its own process, with the default limits and the request log on —
 * on a database where two workspaces have keys: A, which sends hostile documents, and B, which sends a
 * simple query. Rate limiting is off, so that only the query limits protect B.
 */
async function startGateway(backend: "pglite" | "postgres") {
  if (backend === "postgres") {
    const database = await createTestDatabase("postgres");
    const app = new Application({ engine: new Engine({ db: database.db, worker: false }) });
    const a = await provisionWorkspace(app, { organizationName: "A", workspaceName: "A" });
    const b = await provisionWorkspace(app, { organizationName: "B", workspaceName: "B" });
    const gateway = await startFlowgateProcess("gateway", {
      DATABASE_URL: database.url ?? "",
      FLOWGATE_DB_SCHEMA: database.schema ?? "",
      FLOWGATE_RATE_LIMIT_PER_SECOND: "0",
    });
    return { gateway, a, b, close: () => database.close() };
  }
  // PGlite lives in one process: provision its data directory first, then hand it to the gateway.
  const dataDir = mkdtempSync(join(tmpdir(), "flowgate-hostile-"));
  const database = createDatabase({ dataDir });
  await migrateToLatest(database.db);
  const app = new Application({ engine: new Engine({ db: database.db, worker: false }) });
  const a = await provisionWorkspace(app, { organizationName: "A", workspaceName: "A" });
  const b = await provisionWorkspace(app, { organizationName: "B", workspaceName: "B" });
  await database.close();
  const gateway = await startFlowgateProcess("all", {
    DATABASE_URL: "",
    FLOWGATE_DATA_DIR: dataDir,
    FLOWGATE_SEED_DEMO: "false",
    FLOWGATE_POLL_INTERVAL_MS: "5000",
    FLOWGATE_RATE_LIMIT_PER_SECOND: "0",
  });
  return { gateway, a, b, close: async () => rmSync(dataDir, { recursive: true, force: true }) };
}

describe.each(testBackends())("a hostile tenant (%s)", (backend) => {
  let gateway: FlowgateProcess;
  let a: ProvisionedWorkspace;
  let b: ProvisionedWorkspace;
  let closeDatabase: () => Promise<void>;
  let attacker: ChildProcess;

  beforeAll(async () => {
    ({ gateway, a, b, close: closeDatabase } = await startGateway(backend));
    attacker = fork(hostileClient, [], {
      env: { ...process.env, URL: gateway.url ?? "", KEY: a.keys.sandbox, LOOPS: "4" },
      stdio: ["ignore", "inherit", "inherit", "ipc"],
    });
    await new Promise((resolve) => attacker.once("message", resolve));
  }, 120_000);

  afterAll(async () => {
    if (attacker && attacker.exitCode === null) {
      const exited = new Promise((resolve) => attacker.once("exit", resolve));
      attacker.kill("SIGTERM");
      await exited;
    }
    await gateway?.stop();
    await closeDatabase?.();
  });

  it("keeps another key's p99 within 2× of its baseline while 4 hostile documents run at once", async () => {
    const agent = new Agent({ keepAlive: true, maxSockets: 1 });
    const simple = Buffer.from(
      JSON.stringify({
        query: "query Simple { workflows(first: 5) { edges { node { id name } } } viewer { environment } }",
      }),
    );
    /** One simple query of key B; resolves with its latency in ms. */
    const simpleQuery = () =>
      new Promise<number>((resolve, reject) => {
        const started = performance.now();
        const req = request(gateway.url ?? "", {
          method: "POST",
          agent,
          headers: {
            "content-type": "application/json",
            "content-length": String(simple.length),
            "x-api-key": b.keys.sandbox,
          },
        });
        req.once("response", (res) => {
          const chunks: Buffer[] = [];
          res.on("data", (chunk: Buffer) => chunks.push(chunk));
          res.once("end", () => {
            const elapsed = performance.now() - started;
            const body = Buffer.concat(chunks).toString("utf8");
            if (res.statusCode !== 200 || !body.includes('"environment":"sandbox"'))
              reject(new Error(`B's query failed: ${res.statusCode} ${body}`));
            else resolve(elapsed);
          });
        });
        req.once("error", reject);
        req.end(simple);
      });
    const sample = async (n: number) => {
      const latencies: number[] = [];
      for (let i = 0; i < n; i++) latencies.push(await simpleQuery());
      return latencies;
    };
    const report = () =>
      new Promise<{ codes: Record<string, number>; latencies: number[] }>((resolve) => {
        attacker.once("message", resolve as never);
        attacker.send("report");
      });

    await sample(100); // warm-up: JIT, connections, caches
    // Interleaved rounds, so that whatever else the machine runs weighs on both sides alike.
    const baseline: number[] = [];
    const attack: number[] = [];
    const rounds = 10;
    for (let round = 0; round < rounds; round++) {
      baseline.push(...(await sample(100)));
      attacker.send("attack");
      await new Promise((resolve) => setTimeout(resolve, 100)); // the four loops are under way
      attack.push(...(await sample(100)));
      attacker.send("pause");
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
    agent.destroy();
    const { codes, latencies } = await report();

    const baselineP99 = quantile(baseline, 0.99);
    const attackP99 = quantile(attack, 0.99);
    console.log(
      `[hostile-tenant ${backend}] key B's simple query, ${baseline.length} samples each: baseline ` +
        `p50 ${ms(quantile(baseline, 0.5))} ms, p99 ${ms(baselineP99)} ms; during the attack p50 ` +
        `${ms(quantile(attack, 0.5))} ms, p99 ${ms(attackP99)} ms (×${ms(attackP99 / baselineP99)}). ` +
        `Hostile documents refused: ${JSON.stringify(codes)}, answered in p50 ${ms(quantile(latencies, 0.5))} ms, ` +
        `p99 ${ms(quantile(latencies, 0.99))} ms (while queued behind the other tenant).`,
    );

    // Every hostile document was refused with a limit's code, and each round had the four loops' worth.
    const outcomes = Object.keys(codes);
    expect(outcomes.length).toBeGreaterThan(0);
    for (const outcome of outcomes) expect(refusalCodes).toContain(outcome.split(" ")[1]);
    expect(latencies.length).toBeGreaterThanOrEqual(4 * rounds);
    // The bound: the other key's p99 stays within 2× of its baseline (a floor of 5 ms, below
    // which a p99 is timer noise).
    expect(attackP99).toBeLessThanOrEqual(2 * Math.max(baselineP99, 5));
  }, 300_000);
});
