import { type ChildProcess, spawn } from "node:child_process";
import { readFileSync } from "node:fs";
import { createServer } from "node:net";
import { fileURLToPath } from "node:url";

/** Flowgate's own entry point: the process a deployment runs (`FLOWGATE_ROLE` = all | gateway | worker). */
export const flowgateMain = fileURLToPath(new URL("../../../../apps/gateway/src/main.ts", import.meta.url));

/** A child process of the benchmark. */
export interface BenchProcess {
  child: ChildProcess;
  pid: number;
  /** Resolves when the process has exited. */
  exited: Promise<void>;
  /** The end of its stdout and stderr, for error messages. */
  output(): string;
  /** Sends SIGTERM (or `signal`) and waits for the exit; kills it after 10 s. */
  stop(signal?: NodeJS.Signals): Promise<void>;
}

/** How to start a process and when it counts as ready. */
export interface SpawnOptions {
  script: string;
  env: Record<string, string | undefined>;
  /** Variables of the benchmark's own environment not to pass on (e.g. DATABASE_URL for PGlite). */
  unset?: readonly string[];
  /** A stdout line that means "ready"; resolve at once when absent. */
  readyWhen?: (line: string) => boolean;
  timeoutMs?: number;
  /** Open an IPC channel (for `process.send`). */
  ipc?: boolean;
  execArgv?: readonly string[];
}

const keptOutput = 16_000;

/**
 * Spawns `node <script>`, keeps draining its output (a full pipe would block the child), and resolves
 * once a stdout line satisfies `readyWhen`. Rejects with the child's output if it exits first.
 */
export function spawnProcess(options: SpawnOptions): Promise<BenchProcess & { readyLine: string }> {
  const env: Record<string, string> = {};
  for (const [name, value] of Object.entries(process.env)) {
    if (value !== undefined && !options.unset?.includes(name)) env[name] = value;
  }
  for (const [name, value] of Object.entries(options.env)) {
    if (value === undefined) delete env[name];
    else env[name] = value;
  }
  const child = spawn(
    process.execPath,
    ["--conditions=source", ...(options.execArgv ?? []), options.script],
    {
      env,
      stdio: ["ignore", "pipe", "pipe", ...(options.ipc ? (["ipc"] as const) : [])],
    },
  );
  let output = "";
  const keep = (chunk: Buffer) => {
    output = (output + chunk.toString()).slice(-keptOutput);
  };
  child.stderr!.on("data", keep);
  const exited = new Promise<void>((resolve) => child.once("exit", () => resolve()));
  const handle: BenchProcess = {
    child,
    pid: child.pid!,
    exited,
    output: () => output,
    stop: async (signal = "SIGTERM") => {
      if (child.exitCode !== null || child.signalCode !== null) return;
      child.kill(signal);
      const timer = setTimeout(() => child.kill("SIGKILL"), 10_000);
      await exited;
      clearTimeout(timer);
    },
  };
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => {
      void handle.stop("SIGKILL");
      reject(new Error(`${options.script} did not start in time:\n${output}`));
    }, options.timeoutMs ?? 120_000);
    let pending = "";
    let ready = !options.readyWhen;
    child.stdout!.on("data", (chunk: Buffer) => {
      keep(chunk);
      if (ready) return;
      pending += chunk.toString();
      const lines = pending.split("\n");
      pending = lines.pop() ?? "";
      const line = lines.find((l) => options.readyWhen!(l));
      if (line !== undefined) {
        ready = true;
        pending = "";
        clearTimeout(timer);
        resolve({ ...handle, readyLine: line });
      }
    });
    child.once("exit", (code, signal) => {
      clearTimeout(timer);
      if (!ready)
        reject(new Error(`${options.script} exited (${code ?? signal}) before it was ready:\n${output}`));
    });
    if (ready) {
      clearTimeout(timer);
      resolve({ ...handle, readyLine: "" });
    }
  });
}

/** A Flowgate process started from `apps/gateway/src/main.ts`. */
export interface FlowgateProcess extends BenchProcess {
  role: "all" | "gateway" | "worker";
  /** The GraphQL URL (gateway roles). */
  url: string | null;
}

/**
 * Starts Flowgate's `main.ts` in `role` with `env` (DATABASE_URL, FLOWGATE_DB_SCHEMA, …) on port 0 and
 * resolves once it logged "Flowgate started".
 */
export async function startFlowgate(
  role: FlowgateProcess["role"],
  env: Record<string, string | undefined>,
  unset: readonly string[] = [],
): Promise<FlowgateProcess> {
  const started = await spawnProcess({
    script: flowgateMain,
    env: { FLOWGATE_ROLE: role, PORT: "0", ...env },
    unset,
    readyWhen: (line) => line.includes('"Flowgate started"'),
  });
  const { url } = JSON.parse(started.readyLine) as { url?: string };
  return { ...started, role, url: url ?? null };
}

/** The resident set size of a process in bytes (Linux, from /proc). */
export function residentBytes(pid: number): number {
  const status = readFileSync(`/proc/${pid}/status`, "utf8");
  const kb = /^VmRSS:\s+(\d+) kB/m.exec(status)?.[1];
  if (!kb) throw new Error(`no VmRSS for process ${pid}`);
  return Number(kb) * 1024;
}

/** CPU time (user + system) a process has used so far, in seconds (Linux, from /proc; 100 ticks/s). */
export function cpuSeconds(pid: number): number {
  const stat = readFileSync(`/proc/${pid}/stat`, "utf8");
  // Fields after the command name (which may contain spaces) start at ")"; utime and stime are 14 and 15.
  const fields = stat.slice(stat.lastIndexOf(")") + 2).split(" ");
  return (Number(fields[11]) + Number(fields[12])) / 100;
}

/** The open-files limit (soft) of this process, which children inherit. */
export function openFilesLimit(): number {
  const limits = readFileSync("/proc/self/limits", "utf8");
  const soft = /^Max open files\s+(\d+|unlimited)/m.exec(limits)?.[1];
  return soft === undefined || soft === "unlimited" ? Number.POSITIVE_INFINITY : Number(soft);
}

/** A TCP port that was free a moment ago on 127.0.0.1. */
export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once("error", reject);
    server.listen(0, "127.0.0.1", () => {
      const address = server.address();
      server.close(() => resolve(typeof address === "object" && address ? address.port : 0));
    });
  });
}
