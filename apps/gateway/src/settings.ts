import { z } from "zod";

/** What this process does: serve GraphQL, execute runs, or both (the default, embedded mode). */
export type Role = "all" | "gateway" | "worker";

/** Which event bus carries live events between processes. */
export type EventBusKind = "memory" | "postgres" | "redis";

/** Log levels of pino, quietest last. */
const logLevels = ["trace", "debug", "info", "warn", "error", "fatal", "silent"] as const;

/** A whole number from `min` to `max`, read from a string. */
function wholeNumber(min: number, max = Number.MAX_SAFE_INTEGER) {
  const range = max === Number.MAX_SAFE_INTEGER ? `at least ${min}` : `from ${min} to ${max}`;
  const error = `must be a whole number ${range}`;
  return z.coerce.number({ error }).int({ error }).min(min, { error }).max(max, { error });
}

/** A URL with one of these schemes. The value is never echoed in errors: it may hold a password. */
function url(...schemes: string[]) {
  const error = `must be a ${schemes.map((s) => `${s}://`).join(" or ")} URL`;
  return z.string().refine((value) => {
    try {
      return schemes.includes(new URL(value).protocol.slice(0, -1));
    } catch {
      return false;
    }
  }, error);
}

/**
 * Every environment variable Flowgate reads, with its type, default and meaning. This is the only place
 * defaults live: the README's table is generated from it (`pnpm --filter @flowgate/gateway settings:table`)
 * and a test fails when the table is stale. An empty value counts as unset.
 */
export const settingsSchema = z.object({
  FLOWGATE_ROLE: z
    .enum(["all", "gateway", "worker"], { error: "must be all, gateway or worker" })
    .default("all")
    .describe("`all` (gateway + worker), `gateway` (no worker), `worker` (no HTTP)"),
  HOST: z.string().default("127.0.0.1").describe("address the gateway listens on"),
  PORT: wholeNumber(0, 65535).default(4000).describe("port the gateway listens on (`0`: any free port)"),
  FLOWGATE_PUBLIC_URL: url("http", "https")
    .optional()
    .describe(
      "base URL recipients reach the gateway at, used in magic links; unset → `http://<HOST>:<PORT>`",
    ),
  DATABASE_URL: url("postgres", "postgresql")
    .optional()
    .describe("PostgreSQL connection string; unset → embedded PGlite"),
  FLOWGATE_DATA_DIR: z
    .string()
    .default(".flowgate-data/pglite")
    .describe("PGlite data directory (relative to `apps/gateway`)"),
  FLOWGATE_DB_SCHEMA: z
    .string()
    .regex(/^[a-z_][a-z0-9_]{0,62}$/, "must be a lower-case schema name")
    .optional()
    .describe("PostgreSQL schema to use (unset: `public`); several deployments can share one database"),
  FLOWGATE_DB_POOL_SIZE: wholeNumber(1, 1000)
    .default(10)
    .describe("PostgreSQL connections per process (LISTEN and probes use their own)"),
  FLOWGATE_DB_CONNECT_TIMEOUT_MS: wholeNumber(100)
    .default(2000)
    .describe("longest wait to open a PostgreSQL connection (then `DATABASE_UNAVAILABLE`)"),
  FLOWGATE_BACKOFF_MIN_MS: wholeNumber(10)
    .default(100)
    .describe("first delay of the backoff (exponential, jittered) while PostgreSQL or Redis is down"),
  FLOWGATE_BACKOFF_MAX_MS: wholeNumber(10)
    .default(1000)
    .describe("longest delay of that backoff; bounds how late work resumes after an outage"),
  FLOWGATE_EVENT_BUS: z
    .enum(["memory", "postgres", "redis"], { error: "must be memory, postgres or redis" })
    .optional()
    .describe("`redis` if `REDIS_URL` is set, else `postgres` with `DATABASE_URL`, else `memory`"),
  REDIS_URL: url("redis", "rediss").optional().describe("Redis for the event bus (many gateways)"),
  FLOWGATE_WORKER_CONCURRENCY: wholeNumber(1, 1000).default(4).describe("runs a worker advances at once"),
  FLOWGATE_LEASE_MS: wholeNumber(100)
    .default(15_000)
    .describe("how long a claimed step stays locked without a heartbeat"),
  FLOWGATE_POLL_INTERVAL_MS: wholeNumber(10)
    .default(1000)
    .describe("idle workers' polling (LISTEN/NOTIFY wakes them sooner)"),
  FLOWGATE_RETRY_BASE_MS: wholeNumber(1)
    .default(1000)
    .describe("base of node retry backoff (attempt n waits base·2ⁿ⁻¹ ± 25 %)"),
  SMTP_URL: url("smtp", "smtps")
    .optional()
    .describe("SMTP server for workflow emails; unset → kept in the `email_outbox` table, link logged"),
  SMTP_FROM: z.string().optional().describe("`From` of workflow emails"),
  FLOWGATE_SIGNING_SECRET: z
    .string()
    .min(32, "must be at least 32 characters")
    .optional()
    .describe(
      "HMAC secret of download URLs (DSAR exports, PDF reports); unset → random per process (URLs then work only on the process that made them)",
    ),
  FLOWGATE_SEED_DEMO: z
    .stringbool({ error: "must be true or false" })
    .default(true)
    .describe("seed a demo organization, workspace and sandbox key when the database has no workspace"),
  FLOWGATE_SEED_API_KEY: z
    .string()
    .regex(/^fg_sandbox_[A-Za-z0-9_-]+$/, "must look like fg_sandbox_<letters, digits, _ or ->")
    .optional()
    .describe("value of the demo sandbox key (unset: random, printed once)"),
  FLOWGATE_LOG_LEVEL: z
    .enum(logLevels, { error: `must be one of ${logLevels.join(", ")}` })
    .default("info")
    .describe("log level (JSON lines on stdout)"),
});

/** The settings as read from the environment, before grouping. */
type RawSettings = z.output<typeof settingsSchema>;

/** Flowgate's settings, typed and grouped by concern. */
export interface Settings {
  role: Role;
  http: {
    host: string;
    port: number;
    /** Base URL of magic links. */
    publicUrl: string | undefined;
  };
  database: {
    /** PostgreSQL; unset → embedded PGlite in `dataDir`. */
    url: string | undefined;
    dataDir: string;
    schema: string | undefined;
    poolSize: number;
    connectTimeoutMs: number;
  };
  /** Bounds of the backoff while PostgreSQL or Redis is unavailable. */
  backoff: { minMs: number; maxMs: number };
  eventBus: { kind: EventBusKind; redisUrl: string | undefined };
  worker: { concurrency: number; leaseMs: number; pollIntervalMs: number; retryBaseMs: number };
  email: { smtpUrl: string | undefined; smtpFrom: string | undefined };
  /** HMAC secret of signed download URLs; random per process when unset. */
  signingSecret: string | undefined;
  demo: { seed: boolean; apiKey: string | undefined };
  logLevel: (typeof logLevels)[number];
}

/** One problem with one environment variable. */
export interface SettingsIssue {
  variable: string;
  message: string;
}

/** The environment does not make valid settings; `issues` lists every problem at once. */
export class SettingsError extends Error {
  override readonly name = "SettingsError";
  readonly issues: SettingsIssue[];

  constructor(issues: SettingsIssue[]) {
    super(`Invalid settings:\n${issues.map((i) => `  ${i.variable}: ${i.message}`).join("\n")}`);
    this.issues = issues;
  }
}

/**
 * Reads the settings from `env` (default `process.env`); throws a {@link SettingsError} naming every
 * invalid variable (values are not echoed: some hold passwords).
 */
export function parseSettings(env: Record<string, string | undefined> = process.env): Settings {
  const present = Object.fromEntries(
    Object.keys(settingsSchema.shape)
      .map((name) => [name, env[name]] as const)
      .filter(([, value]) => value !== undefined && value !== ""),
  );
  const parsed = settingsSchema.safeParse(present);
  const issues: SettingsIssue[] = (parsed.error?.issues ?? []).map((issue) => ({
    variable: String(issue.path[0] ?? "(settings)"),
    message: issue.message,
  }));
  if (present.FLOWGATE_EVENT_BUS === "postgres" && !present.DATABASE_URL)
    issues.push({ variable: "FLOWGATE_EVENT_BUS", message: "postgres needs DATABASE_URL" });
  if (present.FLOWGATE_EVENT_BUS === "redis" && !present.REDIS_URL)
    issues.push({ variable: "FLOWGATE_EVENT_BUS", message: "redis needs REDIS_URL" });
  if (parsed.success && parsed.data.FLOWGATE_BACKOFF_MIN_MS > parsed.data.FLOWGATE_BACKOFF_MAX_MS)
    issues.push({ variable: "FLOWGATE_BACKOFF_MAX_MS", message: "must be at least FLOWGATE_BACKOFF_MIN_MS" });
  if (!parsed.success || issues.length > 0) throw new SettingsError(issues);
  return group(parsed.data);
}

function group(raw: RawSettings): Settings {
  return {
    role: raw.FLOWGATE_ROLE,
    http: { host: raw.HOST, port: raw.PORT, publicUrl: raw.FLOWGATE_PUBLIC_URL },
    database: {
      url: raw.DATABASE_URL,
      dataDir: raw.FLOWGATE_DATA_DIR,
      schema: raw.FLOWGATE_DB_SCHEMA,
      poolSize: raw.FLOWGATE_DB_POOL_SIZE,
      connectTimeoutMs: raw.FLOWGATE_DB_CONNECT_TIMEOUT_MS,
    },
    backoff: { minMs: raw.FLOWGATE_BACKOFF_MIN_MS, maxMs: raw.FLOWGATE_BACKOFF_MAX_MS },
    eventBus: {
      kind: raw.FLOWGATE_EVENT_BUS ?? (raw.REDIS_URL ? "redis" : raw.DATABASE_URL ? "postgres" : "memory"),
      redisUrl: raw.REDIS_URL,
    },
    worker: {
      concurrency: raw.FLOWGATE_WORKER_CONCURRENCY,
      leaseMs: raw.FLOWGATE_LEASE_MS,
      pollIntervalMs: raw.FLOWGATE_POLL_INTERVAL_MS,
      retryBaseMs: raw.FLOWGATE_RETRY_BASE_MS,
    },
    email: { smtpUrl: raw.SMTP_URL, smtpFrom: raw.SMTP_FROM },
    signingSecret: raw.FLOWGATE_SIGNING_SECRET,
    demo: { seed: raw.FLOWGATE_SEED_DEMO, apiKey: raw.FLOWGATE_SEED_API_KEY },
    logLevel: raw.FLOWGATE_LOG_LEVEL,
  };
}
