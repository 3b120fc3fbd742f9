import { type ChildProcess, spawn } from "node:child_process";
import { appendFileSync } from "node:fs";
import { fileURLToPath } from "node:url";

const mainScript = fileURLToPath(new URL("../src/main.ts", import.meta.url));

/** A Flowgate process started from `apps/gateway/src/main.ts`. */
export interface FlowgateProcess {
  child: ChildProcess;
  role: "all" | "gateway" | "worker";
  /** The gateway's GraphQL URL (gateway roles only). */
  url: string | null;
  /** Every line the process printed on stdout so far (its JSON log lines among them). */
  lines: string[];
  /** Sends a signal and waits for the process to exit. */
  stop(signal?: NodeJS.Signals): Promise<void>;
}

/** Starts `main.ts` with `env` and resolves once it logged "Flowgate started". */
export function startFlowgateProcess(
  role: FlowgateProcess["role"],
  env: Record<string, string>,
  timeoutMs = 60_000,
): Promise<FlowgateProcess> {
  // `--conditions=source`: `@flowgate/*` imports resolve to their TypeScript sources, as in the tests, so
  // nothing has to be built first.
  const child = spawn(process.execPath, ["--conditions=source", mainScript], {
    env: { ...process.env, FLOWGATE_ROLE: role, PORT: "0", ...env },
    stdio: ["ignore", "pipe", "pipe"],
  });
  const exited = new Promise<void>((resolve) => child.once("exit", () => resolve()));
  const lines: string[] = [];
  let partial = "";
  child.stdout?.on("data", (chunk: Buffer) => {
    const parts = (partial + chunk.toString()).split("\n");
    partial = parts.pop() ?? "";
    lines.push(...parts);
  });
  let stderr = "";
  child.stderr?.on("data", (chunk) => {
    stderr += chunk;
  });
  // Set FLOWGATE_TEST_PROCESS_LOG=<file> to keep the processes' logs when debugging.
  const logFile = process.env.FLOWGATE_TEST_PROCESS_LOG;
  if (logFile) {
    const tag = `[${role} ${child.pid}] `;
    const append = (chunk: Buffer) => appendFileSync(logFile, chunk.toString().replace(/^/gm, tag));
    child.stdout?.on("data", append);
    child.stderr?.on("data", append);
  }
  return new Promise((resolve, reject) => {
    const timer = setTimeout(
      () => reject(new Error(`${role} did not start: ${stderr}${lines.slice(-5).join("\n")}`)),
      timeoutMs,
    );
    let buffered = "";
    child.stdout?.on("data", (chunk: Buffer) => {
      buffered += chunk.toString();
      for (const line of buffered.split("\n")) {
        if (!line.includes('"Flowgate started"')) continue;
        const started = JSON.parse(line) as { url?: string };
        clearTimeout(timer);
        buffered = "";
        resolve({
          child,
          role,
          url: started.url ?? null,
          lines,
          stop: async (signal = "SIGTERM") => {
            if (child.exitCode === null && child.signalCode === null) child.kill(signal);
            await exited;
          },
        });
        return;
      }
    });
    child.once("exit", (code) => {
      clearTimeout(timer);
      const logged = [...lines, partial].filter(Boolean).slice(-5).join("\n");
      reject(new Error(`${role} exited with ${code} before starting: ${stderr}${logged}`));
    });
  });
}
