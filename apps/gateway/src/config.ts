/** What this process does: serve GraphQL, execute runs, or both (the default, embedded mode). */
export type Role = "all" | "gateway" | "worker";

/** Which event bus carries live events between processes. */
export type EventBusKind = "memory" | "postgres" | "redis";

/** Settings read from the environment. */
export interface GatewayConfig {
  databaseUrl: string | undefined;
  /** PostgreSQL schema (search_path) to use; lets several deployments or test runs share a database. */
  databaseSchema: string | undefined;
  eventBus: EventBusKind;
  redisUrl: string | undefined;
  leaseMs: number;
  pollIntervalMs: number;
  retryBaseMs: number;
  dataDir: string;
  host: string;
  port: number;
  role: Role;
  seedApiKey: string | undefined;
  workerConcurrency: number;
  /** SMTP server for workflow emails (`smtp://user:pass@host:port`); unset → messages kept in the outbox table. */
  smtpUrl: string | undefined;
  /** From header of workflow emails. */
  smtpFrom: string | undefined;
  /** Public base URL of the gateway, used in magic links (default `http://<HOST>:<PORT>`). */
  publicUrl: string | undefined;
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
  const databaseUrl = env.DATABASE_URL || undefined;
  const redisUrl = env.REDIS_URL || undefined;
  const eventBus = (env.FLOWGATE_EVENT_BUS ??
    (redisUrl ? "redis" : databaseUrl ? "postgres" : "memory")) as EventBusKind;
  if (!["memory", "postgres", "redis"].includes(eventBus)) {
    throw new Error(`FLOWGATE_EVENT_BUS must be memory, postgres or redis (got "${eventBus}")`);
  }
  if (eventBus === "postgres" && !databaseUrl)
    throw new Error("FLOWGATE_EVENT_BUS=postgres needs DATABASE_URL");
  if (eventBus === "redis" && !redisUrl) throw new Error("FLOWGATE_EVENT_BUS=redis needs REDIS_URL");
  const schema = env.FLOWGATE_DB_SCHEMA || undefined;
  if (schema && !/^[a-z_][a-z0-9_]{0,62}$/.test(schema))
    throw new Error(`FLOWGATE_DB_SCHEMA is not a schema name`);
  return {
    databaseUrl,
    databaseSchema: schema,
    eventBus,
    redisUrl,
    leaseMs: positiveInt(env.FLOWGATE_LEASE_MS, 15_000, "FLOWGATE_LEASE_MS"),
    pollIntervalMs: positiveInt(env.FLOWGATE_POLL_INTERVAL_MS, 1000, "FLOWGATE_POLL_INTERVAL_MS"),
    retryBaseMs: positiveInt(env.FLOWGATE_RETRY_BASE_MS, 1000, "FLOWGATE_RETRY_BASE_MS"),
    dataDir: env.FLOWGATE_DATA_DIR ?? ".flowgate-data/pglite",
    host: env.HOST ?? "127.0.0.1",
    port,
    role,
    seedApiKey: env.FLOWGATE_SEED_API_KEY || undefined,
    workerConcurrency: positiveInt(env.FLOWGATE_WORKER_CONCURRENCY, 4, "FLOWGATE_WORKER_CONCURRENCY"),
    smtpUrl: env.SMTP_URL || undefined,
    smtpFrom: env.SMTP_FROM || undefined,
    publicUrl: env.FLOWGATE_PUBLIC_URL || undefined,
  };
}

function positiveInt(value: string | undefined, fallback: number, name: string): number {
  if (value === undefined || value === "") return fallback;
  const parsed = Number(value);
  if (!Number.isInteger(parsed) || parsed <= 0)
    throw new Error(`${name} must be a positive integer (got "${value}")`);
  return parsed;
}
