/** What this process does: serve GraphQL, execute runs, or both (the default, embedded mode). */
export type Role = "all" | "gateway" | "worker";

/** Settings read from the environment. */
export interface GatewayConfig {
  databaseUrl: string | undefined;
  dataDir: string;
  host: string;
  port: number;
  role: Role;
  seedApiKey: string | undefined;
  workerConcurrency: number;
}

/** Reads the configuration from environment variables (see the README's table). */
export function readConfig(env: NodeJS.ProcessEnv = process.env): GatewayConfig {
  const role = env.FLOWGATE_ROLE ?? "all";
  if (role !== "all" && role !== "gateway" && role !== "worker") {
    throw new Error(`FLOWGATE_ROLE must be all, gateway or worker (got "${role}")`);
  }
  const port = Number(env.PORT ?? 4000);
  if (!Number.isInteger(port) || port < 0 || port > 65535)
    throw new Error(`PORT must be a port number (got "${env.PORT}")`);
  return {
    databaseUrl: env.DATABASE_URL || undefined,
    dataDir: env.FLOWGATE_DATA_DIR ?? ".flowgate-data/pglite",
    host: env.HOST ?? "127.0.0.1",
    port,
    role,
    seedApiKey: env.FLOWGATE_SEED_API_KEY || undefined,
    workerConcurrency: Number(env.FLOWGATE_WORKER_CONCURRENCY ?? 4),
  };
}
