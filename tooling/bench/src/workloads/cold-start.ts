import { execFileSync } from "node:child_process";
import { randomBytes } from "node:crypto";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import {
  type BenchProcess,
  flowgateMain,
  freePort,
  spawnProcess,
  startFlowgate,
} from "../support/processes.ts";
import { now, sleep } from "../support/stats.ts";
import type { Workload } from "./workload.ts";

const bareYoga = fileURLToPath(new URL("../anchors/bare-yoga-server.ts", import.meta.url));
const buildProcessBundle = fileURLToPath(
  new URL("../../../../apps/gateway/src/bundle/build-process-bundle.ts", import.meta.url),
);
/** Variables of the benchmark's environment that would point Flowgate away from its embedded database. */
const external = ["DATABASE_URL", "REDIS_URL", "FLOWGATE_DB_SCHEMA", "FLOWGATE_EVENT_BUS", "FLOWGATE_ROLE"];
const pollMs = 5;

/**
 * Cold start: from spawning `node apps/gateway/src/main.ts` (gateway + worker on embedded PGlite, the
 * `tooling/flowgate start` default) on an existing data directory to the first answered
 * `workflows(first: 1)`; beside the same for a bare Yoga `{ hello }` process. Both are polled every 5 ms
 * on a port chosen beforehand, and stopped gracefully between repetitions. The process bundle is built
 * first (when stale), as `tooling/flowgate start` builds it, so `main.ts` runs it.
 */
export const coldStart: Workload = async (config, progress) => {
  const dataDir = mkdtempSync(join(tmpdir(), "flowgate-bench-coldstart-"));
  const apiKey = `fg_sandbox_${randomBytes(32).toString("base64url")}`;
  const env = { FLOWGATE_DATA_DIR: dataDir, FLOWGATE_SEED_API_KEY: apiKey };
  try {
    progress("cold start: building the process bundle (when stale)");
    execFileSync(process.execPath, ["--conditions=source", buildProcessBundle], { stdio: "ignore" });
    progress("cold start: creating the embedded database");
    const first = await startFlowgate("all", env, external);
    await first.stop();

    const flowgate: number[] = [];
    const anchor: number[] = [];
    for (let rep = 1; rep <= config.repetitions; rep++) {
      progress(`cold start ${rep}/${config.repetitions}`);
      flowgate.push(
        await timeToFirstAnswer(flowgateMain, env, external, (port) => ({
          url: `http://127.0.0.1:${port}/graphql`,
          headers: { "x-api-key": apiKey },
          query: "{ workflows(first: 1) { edges { node { id } } } }",
        })),
      );
      anchor.push(
        await timeToFirstAnswer(bareYoga, {}, [], (port) => ({
          url: `http://127.0.0.1:${port}/graphql`,
          headers: {},
          query: "{ hello }",
        })),
      );
    }
    return {
      figures: [
        {
          workload: "cold start",
          label: "process spawn → first answered query, existing embedded (PGlite) database",
          unit: "ms",
          flowgate,
          anchor: { label: "bare Yoga process", values: anchor },
          targets: [{ kind: "atMost", value: 1000 }],
        },
      ],
      notes: [
        "Cold start: Flowgate is main.ts with FLOWGATE_ROLE=all on PGlite (gateway + worker, as `tooling/flowgate start` runs it, from the process bundle), asked `workflows(first: 1)` with the seeded key; the anchor is a bare Yoga process asked `{ hello }`; both polled every 5 ms from spawn.",
      ],
    };
  } finally {
    rmSync(dataDir, { recursive: true, force: true });
  }
};

async function timeToFirstAnswer(
  script: string,
  env: Record<string, string>,
  unset: readonly string[],
  request: (port: number) => { url: string; headers: Record<string, string>; query: string },
): Promise<number> {
  const port = await freePort();
  const { url, headers, query } = request(port);
  const started = now();
  const child: BenchProcess = await spawnProcess({ script, env: { ...env, PORT: String(port) }, unset });
  try {
    const deadline = Date.now() + 120_000;
    for (;;) {
      try {
        const response = await fetch(url, {
          method: "POST",
          headers: { "content-type": "application/json", ...headers },
          body: JSON.stringify({ query }),
        });
        const answer = (await response.json()) as { data?: unknown; errors?: unknown };
        if (response.ok && answer.data && !answer.errors) return now() - started;
        throw new Error(`${script} answered ${response.status}: ${JSON.stringify(answer)}`);
      } catch (error) {
        if (!(error instanceof TypeError)) throw error; // a refused connection: not listening yet
      }
      if (child.child.exitCode !== null) throw new Error(`${script} exited:\n${child.output()}`);
      if (Date.now() > deadline) throw new Error(`${script} did not answer within 120 s`);
      await sleep(pollMs);
    }
  } finally {
    await child.stop();
  }
}
