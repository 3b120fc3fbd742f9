import { z } from "zod";
import type { QueryLimits } from "./query-limits.ts";

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

/** Whether `value` is 32 bytes as 64 hex digits or base64 (the form `FLOWGATE_SECRET_KEY` takes). */
function isSecretKey(value: string): boolean {
  if (/^[0-9a-fA-F]{64}$/.test(value)) return true;
  return /^[A-Za-z0-9+/_-]+={0,2}$/.test(value) && Buffer.from(value, "base64").length === 32;
}

/**
 * Every environment variable Flowgate reads, with its type, default and meaning. This is the only place
 * defaults live: the table in docs/configuration.md is generated from it (`pnpm --filter @flowgate/gateway settings:table`)
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
  FLOWGATE_API_KEY_CACHE_MS: wholeNumber(0, 3_600_000)
    .default(10_000)
    .describe(
      "how long a gateway reuses an authenticated API key without looking it up (`0`: never); revoking or rotating a key evicts it on every gateway sharing the event bus",
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
  FLOWGATE_DB_PREPARED_STATEMENTS: z
    .stringbool({ error: "must be true or false" })
    .default(true)
    .describe(
      "run parameterized statements as named prepared statements, parsed and planned once per connection (at most 200 each); `false` for a connection pooler without prepared-statement support",
    ),
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
  FLOWGATE_SECRET_KEY: z
    .string()
    .refine(isSecretKey, "must be 32 bytes, base64 or 64 hex digits (e.g. `openssl rand -base64 32`)")
    .optional()
    .describe(
      "key (32 bytes, base64) that encrypts webhook signing secrets and pending emails' link tokens at rest (AES-256-GCM), the same in every process; unset → a public development key, with a warning (never in production)",
    ),
  FLOWGATE_WEBHOOK_TIMEOUT_MS: wholeNumber(100, 60_000)
    .default(10_000)
    .describe("bound on one webhook delivery attempt, connect to last byte"),
  FLOWGATE_WEBHOOK_RETRY_BASE_MS: wholeNumber(1)
    .default(10_000)
    .describe("delay before a delivery's first retry; retry n waits base·3ⁿ⁻¹ (≤ 1 day) ± 20 %"),
  FLOWGATE_WEBHOOK_MAX_ATTEMPTS: wholeNumber(1, 100)
    .default(12)
    .describe("attempts of one delivery before it fails (default: about three days of retries)"),
  FLOWGATE_WEBHOOK_DISABLE_AFTER: wholeNumber(1)
    .default(50)
    .describe("consecutive failed attempts after which an endpoint is disabled"),
  FLOWGATE_WEBHOOK_CONCURRENCY: wholeNumber(1, 1000)
    .default(16)
    .describe("webhook deliveries a worker process sends at once (4 at most per endpoint)"),
  SMTP_URL: url("smtp", "smtps")
    .optional()
    .describe(
      "SMTP server for workflow emails; unset → sandbox emails kept in the `email_outbox` table (link token masked)",
    ),
  SMTP_FROM: z.string().optional().describe("`From` of workflow emails"),
  FLOWGATE_AUTOFILL_URL: url("http", "https")
    .optional()
    .describe(
      "OpenAI-compatible chat-completions endpoint for autofill from entity documents; unset → the built-in deterministic extractor",
    ),
  FLOWGATE_AUTOFILL_MODEL: z
    .string()
    .optional()
    .describe("model name sent to `FLOWGATE_AUTOFILL_URL` (required with it)"),
  FLOWGATE_AUTOFILL_API_KEY: z
    .string()
    .optional()
    .describe("bearer token for `FLOWGATE_AUTOFILL_URL` (never logged)"),
  FLOWGATE_AUTOFILL_TIMEOUT_MS: wholeNumber(100, 600_000)
    .default(60_000)
    .describe("bound on one autofill call to `FLOWGATE_AUTOFILL_URL`"),
  FLOWGATE_AUTOFILL_ALLOW_PRIVATE: z
    .stringbool({ error: "must be true or false" })
    .default(false)
    .describe(
      "whether `FLOWGATE_AUTOFILL_URL` may be a private or loopback address (a model in your network)",
    ),
  FLOWGATE_OUTBOX_LIVE_EMAILS: z
    .stringbool({ error: "must be true or false" })
    .default(false)
    .describe(
      "without `SMTP_URL`, keep live emails in the `email_outbox` table too (else a live send fails: sandbox only)",
    ),
  FLOWGATE_EMAILS_PER_WORKSPACE_HOUR: wholeNumber(0)
    .default(1000)
    .describe("emails a workspace may send per UTC hour (then `EmailHourlyCapError`)"),
  FLOWGATE_SEND_INLINE: z
    .stringbool({ error: "must be true or false" })
    .default(true)
    .describe(
      "the request that sends delivers its email job itself (a worker takes over if it dies); `false`: workers do",
    ),
  FLOWGATE_SEND_INLINE_LEASE_MS: wholeNumber(1000)
    .default(120_000)
    .describe("how long an inline send holds its email job before a worker may take it over"),
  FLOWGATE_SEND_WAIT_MS: wholeNumber(0)
    .default(30_000)
    .describe("how long a send waits for a worker to run its email job before answering `queued`"),
  FLOWGATE_RESERVATION_TTL_MS: wholeNumber(600_000)
    .default(3_600_000)
    .describe("how long a send's credit reservation is held before the sweeper releases it"),
  FLOWGATE_SWEEP_INTERVAL_MS: wholeNumber(10)
    .default(60_000)
    .describe("how often workers sweep expired credit reservations"),
  FLOWGATE_SIGNING_SECRET: z
    .string()
    .min(32, "must be at least 32 characters")
    .optional()
    .describe(
      "HMAC secret of download URLs (DSAR exports, PDF reports); unset → derived from `FLOWGATE_SECRET_KEY` (HKDF-SHA256), and with both unset random per process (URLs then work only on the process that made them)",
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
  NODE_ENV: z
    .string()
    .optional()
    .describe(
      '`development` keeps GraphQL\'s field suggestions ("Did you mean …?"); otherwise they are hidden',
    ),
  FLOWGATE_MAX_BODY_BYTES: wholeNumber(1024)
    .default(524_288)
    .describe("largest GraphQL request body or graphql-ws message, in bytes (HTTP 413 beyond it)"),
  FLOWGATE_MAX_QUERY_BYTES: wholeNumber(256)
    .default(65_536)
    .describe(
      "largest GraphQL document (the `query`), in bytes (`QUERY_TOO_LARGE`, HTTP 413); a JSON body is refused as soon as its document passes it",
    ),
  FLOWGATE_MAX_QUERY_DEPTH: wholeNumber(1)
    .default(12)
    .describe("deepest selection nesting of a GraphQL operation (`QUERY_TOO_DEEP`)"),
  FLOWGATE_MAX_ALIASES: wholeNumber(0)
    .default(30)
    .describe("most aliases in a GraphQL operation (`TOO_MANY_ALIASES`)"),
  FLOWGATE_MAX_TOKENS: wholeNumber(10)
    .default(2000)
    .describe("most lexical tokens in a GraphQL document (`TOO_MANY_TOKENS`)"),
  FLOWGATE_MAX_DIRECTIVES: wholeNumber(0)
    .default(50)
    .describe("most directives in a GraphQL operation (`TOO_MANY_DIRECTIVES`)"),
  FLOWGATE_MAX_QUERY_COST: wholeNumber(1)
    .default(20_000)
    .describe("highest cost of a GraphQL operation, graphql-armor's model (`QUERY_TOO_COSTLY`)"),
  FLOWGATE_RATE_LIMIT_PER_SECOND: z.coerce
    .number({ error: "must be a number from 0" })
    .min(0, { error: "must be a number from 0" })
    .default(20)
    .describe(
      "requests a second each API key may sustain (token bucket refill); `0` turns rate limiting off",
    ),
  FLOWGATE_RATE_LIMIT_BURST: wholeNumber(1)
    .default(200)
    .describe("requests an API key may make at once after being idle (token bucket size)"),
  FLOWGATE_RATE_LIMIT_ANONYMOUS_PER_SECOND: z.coerce
    .number({ error: "must be a number above 0" })
    .positive({ error: "must be a number above 0" })
    .default(5)
    .describe("requests a second each client address may sustain without a valid API key (recipients too)"),
  FLOWGATE_RATE_LIMIT_ANONYMOUS_BURST: wholeNumber(1)
    .default(60)
    .describe("burst of a client address without a valid API key"),
  FLOWGATE_RATE_LIMIT_STORE: z
    .enum(["database", "redis"], { error: "must be database or redis" })
    .optional()
    .describe(
      "where the token buckets live, shared by every gateway: `redis` if `REDIS_URL` is set, else `database`",
    ),
  FLOWGATE_RATE_LIMIT_REDIS_PREFIX: z
    .string()
    .optional()
    .describe("prefix of the Redis bucket keys (unset: `flowgate:ratelimit:<schema or public>:`)"),
  FLOWGATE_LOG_LEVEL: z
    .enum(logLevels, { error: `must be one of ${logLevels.join(", ")}` })
    .default("info")
    .describe("log level (JSON lines on stdout)"),
  FLOWGATE_METRICS: z
    .stringbool({ error: "must be true or false" })
    .default(true)
    .describe("serve Prometheus metrics at `/metrics` (see docs/observability.md)"),
  FLOWGATE_METRICS_TOKEN: z
    .string()
    .min(16, "must be at least 16 characters")
    .optional()
    .describe("bearer token `/metrics` requires (`Authorization: Bearer …`); unset → open"),
  FLOWGATE_TRACING: z
    .stringbool({ error: "must be true or false" })
    .default(false)
    .describe("OpenTelemetry spans of GraphQL operations, to the process's registered tracer provider"),
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
    /** How long an authenticated API key is reused without a lookup, in ms. */
    apiKeyCacheMs: number;
  };
  database: {
    /** PostgreSQL; unset → embedded PGlite in `dataDir`. */
    url: string | undefined;
    dataDir: string;
    schema: string | undefined;
    poolSize: number;
    connectTimeoutMs: number;
    /** Named prepared statements on PostgreSQL (see `preparingClient` in `@flowgate/db`). */
    preparedStatements: boolean;
  };
  /** Bounds of the backoff while PostgreSQL or Redis is unavailable. */
  backoff: { minMs: number; maxMs: number };
  eventBus: { kind: EventBusKind; redisUrl: string | undefined };
  worker: { concurrency: number; leaseMs: number; pollIntervalMs: number; retryBaseMs: number };
  /** Key of the secrets encrypted at rest; undefined → the public development key. */
  secretKey: string | undefined;
  webhooks: {
    timeoutMs: number;
    retryBaseMs: number;
    maxAttempts: number;
    disableAfterFailures: number;
    concurrency: number;
  };
  email: {
    smtpUrl: string | undefined;
    smtpFrom: string | undefined;
    /** Keep live emails in the outbox table when there is no SMTP server. */
    outboxLiveEmails: boolean;
  };
  /** Durable sends. */
  sends: {
    inline: boolean;
    inlineLeaseMs: number;
    emailsPerWorkspaceHour: number;
    waitMs: number;
    reservationTtlMs: number;
    sweepIntervalMs: number;
  };
  /** The LLM autofill provider; `url` unset → the built-in deterministic provider. */
  autofill: {
    url: string | undefined;
    model: string | undefined;
    apiKey: string | undefined;
    timeoutMs: number;
    allowPrivate: boolean;
  };
  /** HMAC secret of signed download URLs; see {@link urlSigningSecret} when unset. */
  signingSecret: string | undefined;
  demo: { seed: boolean; apiKey: string | undefined };
  /** Token-bucket rate limits per API key and per client address; `null` when turned off. */
  rateLimits: RateLimitSettings | null;
  /** Bounds of GraphQL documents and request bodies, on every endpoint and transport. */
  queryLimits: QueryLimits;
  logLevel: (typeof logLevels)[number];
  /** `/metrics`: served or not, and the bearer token it requires. */
  metrics: { enabled: boolean; token: string | undefined };
  /** OpenTelemetry spans for GraphQL operations. */
  tracing: { enabled: boolean };
}

/** Rate limiting: the two policies and where their buckets live. */
export interface RateLimitSettings {
  /** Each API key's bucket. */
  perKey: { ratePerSecond: number; burst: number };
  /** Each client address's bucket, for requests without a valid API key. */
  perAddress: { ratePerSecond: number; burst: number };
  store: "database" | "redis";
  /** Prefix of the Redis keys (unset: derived from the database schema). */
  redisPrefix: string | undefined;
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
  if (present.FLOWGATE_RATE_LIMIT_STORE === "redis" && !present.REDIS_URL)
    issues.push({ variable: "FLOWGATE_RATE_LIMIT_STORE", message: "redis needs REDIS_URL" });
  if (parsed.success && parsed.data.FLOWGATE_BACKOFF_MIN_MS > parsed.data.FLOWGATE_BACKOFF_MAX_MS)
    issues.push({ variable: "FLOWGATE_BACKOFF_MAX_MS", message: "must be at least FLOWGATE_BACKOFF_MIN_MS" });
  if (present.FLOWGATE_AUTOFILL_URL && !present.FLOWGATE_AUTOFILL_MODEL)
    issues.push({ variable: "FLOWGATE_AUTOFILL_MODEL", message: "is required with FLOWGATE_AUTOFILL_URL" });
  if (!parsed.success || issues.length > 0) throw new SettingsError(issues);
  return group(parsed.data);
}

function group(raw: RawSettings): Settings {
  return {
    role: raw.FLOWGATE_ROLE,
    http: {
      host: raw.HOST,
      port: raw.PORT,
      publicUrl: raw.FLOWGATE_PUBLIC_URL,
      apiKeyCacheMs: raw.FLOWGATE_API_KEY_CACHE_MS,
    },
    database: {
      url: raw.DATABASE_URL,
      dataDir: raw.FLOWGATE_DATA_DIR,
      schema: raw.FLOWGATE_DB_SCHEMA,
      poolSize: raw.FLOWGATE_DB_POOL_SIZE,
      connectTimeoutMs: raw.FLOWGATE_DB_CONNECT_TIMEOUT_MS,
      preparedStatements: raw.FLOWGATE_DB_PREPARED_STATEMENTS,
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
    secretKey: raw.FLOWGATE_SECRET_KEY,
    webhooks: {
      timeoutMs: raw.FLOWGATE_WEBHOOK_TIMEOUT_MS,
      retryBaseMs: raw.FLOWGATE_WEBHOOK_RETRY_BASE_MS,
      maxAttempts: raw.FLOWGATE_WEBHOOK_MAX_ATTEMPTS,
      disableAfterFailures: raw.FLOWGATE_WEBHOOK_DISABLE_AFTER,
      concurrency: raw.FLOWGATE_WEBHOOK_CONCURRENCY,
    },
    email: {
      smtpUrl: raw.SMTP_URL,
      smtpFrom: raw.SMTP_FROM,
      outboxLiveEmails: raw.FLOWGATE_OUTBOX_LIVE_EMAILS,
    },
    sends: {
      inline: raw.FLOWGATE_SEND_INLINE,
      inlineLeaseMs: raw.FLOWGATE_SEND_INLINE_LEASE_MS,
      emailsPerWorkspaceHour: raw.FLOWGATE_EMAILS_PER_WORKSPACE_HOUR,
      waitMs: raw.FLOWGATE_SEND_WAIT_MS,
      reservationTtlMs: raw.FLOWGATE_RESERVATION_TTL_MS,
      sweepIntervalMs: raw.FLOWGATE_SWEEP_INTERVAL_MS,
    },
    autofill: {
      url: raw.FLOWGATE_AUTOFILL_URL,
      model: raw.FLOWGATE_AUTOFILL_MODEL,
      apiKey: raw.FLOWGATE_AUTOFILL_API_KEY,
      timeoutMs: raw.FLOWGATE_AUTOFILL_TIMEOUT_MS,
      allowPrivate: raw.FLOWGATE_AUTOFILL_ALLOW_PRIVATE,
    },
    signingSecret: raw.FLOWGATE_SIGNING_SECRET,
    demo: { seed: raw.FLOWGATE_SEED_DEMO, apiKey: raw.FLOWGATE_SEED_API_KEY },
    rateLimits:
      raw.FLOWGATE_RATE_LIMIT_PER_SECOND === 0
        ? null
        : {
            perKey: {
              ratePerSecond: raw.FLOWGATE_RATE_LIMIT_PER_SECOND,
              burst: raw.FLOWGATE_RATE_LIMIT_BURST,
            },
            perAddress: {
              ratePerSecond: raw.FLOWGATE_RATE_LIMIT_ANONYMOUS_PER_SECOND,
              burst: raw.FLOWGATE_RATE_LIMIT_ANONYMOUS_BURST,
            },
            store: raw.FLOWGATE_RATE_LIMIT_STORE ?? (raw.REDIS_URL ? "redis" : "database"),
            redisPrefix: raw.FLOWGATE_RATE_LIMIT_REDIS_PREFIX,
          },
    queryLimits: {
      maxBodyBytes: raw.FLOWGATE_MAX_BODY_BYTES,
      maxQueryBytes: raw.FLOWGATE_MAX_QUERY_BYTES,
      maxDepth: raw.FLOWGATE_MAX_QUERY_DEPTH,
      maxAliases: raw.FLOWGATE_MAX_ALIASES,
      maxTokens: raw.FLOWGATE_MAX_TOKENS,
      maxDirectives: raw.FLOWGATE_MAX_DIRECTIVES,
      maxCost: raw.FLOWGATE_MAX_QUERY_COST,
      fieldSuggestions: raw.NODE_ENV === "development",
    },
    logLevel: raw.FLOWGATE_LOG_LEVEL,
    metrics: { enabled: raw.FLOWGATE_METRICS, token: raw.FLOWGATE_METRICS_TOKEN },
    tracing: { enabled: raw.FLOWGATE_TRACING },
  };
}
