import { type ChildProcess, execFile, spawn } from "node:child_process";
import { existsSync, mkdtempSync, readdirSync, rmSync } from "node:fs";
import { chown } from "node:fs/promises";
import { createServer, Socket } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { promisify } from "node:util";

const run = promisify(execFile);

/** A port nobody listens on right now (the OS picks it). */
export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once("error", reject);
    server.listen(0, "127.0.0.1", () => {
      const { port } = server.address() as { port: number };
      server.close(() => resolve(port));
    });
  });
}

/** Whether an executable is on PATH. */
function onPath(name: string): string | null {
  for (const dir of (process.env.PATH ?? "").split(":")) {
    if (dir && existsSync(join(dir, name))) return join(dir, name);
  }
  return null;
}

/**
 * The directory holding PostgreSQL's server binaries (`initdb`, `pg_ctl`): on PATH, else Debian's
 * `/usr/lib/postgresql/<version>/bin` (newest first), else null.
 */
export function findPostgresBinaries(): string | null {
  const initdb = onPath("initdb");
  if (initdb && onPath("pg_ctl")) return join(initdb, "..");
  const root = "/usr/lib/postgresql";
  if (!existsSync(root)) return null;
  const versions = readdirSync(root)
    .filter((v) => /^\d+$/.test(v))
    .sort((a, b) => Number(b) - Number(a));
  for (const version of versions) {
    const bin = join(root, version, "bin");
    if (existsSync(join(bin, "initdb")) && existsSync(join(bin, "pg_ctl"))) return bin;
  }
  return null;
}

/** A PostgreSQL cluster of a test's own, in a temporary directory, on a free port. */
export interface PostgresCluster {
  /** Connection string of its `postgres` database as the `postgres` superuser (trust auth). */
  url: string;
  port: number;
  /** Starts the server and waits until it accepts connections. */
  start(): Promise<void>;
  /** Stops the server (`pg_ctl stop -m fast`: connections are terminated, like a failover). */
  stop(): Promise<void>;
  /** Stops the server and deletes the cluster. */
  destroy(): Promise<void>;
}

/**
 * Creates and starts a cluster with `initdb` in a temporary directory, owned by and run as the
 * `postgres` user when this process is root (PostgreSQL refuses to run as root).
 */
export async function createPostgresCluster(binaries: string): Promise<PostgresCluster> {
  const dataDir = mkdtempSync(join(tmpdir(), "flowgate-pg-"));
  const asRoot = process.getuid?.() === 0;
  if (asRoot) {
    const { stdout } = await run("id", ["-u", "postgres"]);
    const { stdout: gid } = await run("id", ["-g", "postgres"]);
    await chown(dataDir, Number(stdout.trim()), Number(gid.trim()));
  }
  const pg = (tool: string, args: string[]) =>
    asRoot
      ? run("runuser", ["-u", "postgres", "--", join(binaries, tool), ...args])
      : run(join(binaries, tool), args);
  const port = await freePort();
  await pg("initdb", ["-D", dataDir, "-U", "postgres", "-A", "trust", "-E", "UTF8", "--no-sync"]);
  const options = `-p ${port} -c listen_addresses=127.0.0.1 -k ${dataDir} -c fsync=off -c max_connections=100`;
  const cluster: PostgresCluster = {
    url: `postgres://postgres@127.0.0.1:${port}/postgres`,
    port,
    start: async () => {
      await pg("pg_ctl", [
        "start",
        "-D",
        dataDir,
        "-l",
        join(dataDir, "server.log"),
        "-w",
        "-t",
        "60",
        "-o",
        options,
      ]);
    },
    stop: async () => {
      await pg("pg_ctl", ["stop", "-D", dataDir, "-m", "fast", "-w", "-t", "60"]);
    },
    destroy: async () => {
      await pg("pg_ctl", ["stop", "-D", dataDir, "-m", "immediate", "-w"]).catch(() => {});
      rmSync(dataDir, { recursive: true, force: true });
    },
  };
  await cluster.start();
  return cluster;
}

/** Whether `redis-server` is installed. */
export function findRedisServer(): string | null {
  return onPath("redis-server");
}

/** A Redis server of a test's own (no persistence), on a fixed port so it can be restarted there. */
export interface RedisServer {
  url: string;
  port: number;
  /** Starts it and waits until it answers. */
  start(): Promise<void>;
  /** Kills it (SIGKILL: no goodbye to clients). */
  kill(): Promise<void>;
}

/** Starts `redis-server --port <free> --save "" --appendonly no` on 127.0.0.1. */
export async function startRedisServer(executable: string): Promise<RedisServer> {
  const port = await freePort();
  let child: ChildProcess | undefined;
  const server: RedisServer = {
    url: `redis://127.0.0.1:${port}`,
    port,
    start: async () => {
      child = spawn(
        executable,
        ["--port", String(port), "--bind", "127.0.0.1", "--save", "", "--appendonly", "no"],
        {
          stdio: "ignore",
        },
      );
      for (let i = 0; i < 200 && !(await answersPing(port)); i++) await new Promise((r) => setTimeout(r, 25));
    },
    kill: async () => {
      const current = child;
      if (!current || current.exitCode !== null) return;
      const exited = new Promise((resolve) => current.once("exit", resolve));
      current.kill("SIGKILL");
      await exited;
    },
  };
  await server.start();
  return server;
}

function answersPing(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = new Socket();
    socket.once("error", () => resolve(false));
    socket.connect(port, "127.0.0.1", () => socket.write("PING\r\n"));
    socket.once("data", (data) => {
      socket.destroy();
      resolve(data.toString().startsWith("+PONG"));
    });
  });
}
