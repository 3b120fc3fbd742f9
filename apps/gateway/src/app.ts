import { isIPv4 } from "node:net";
import {
  Application,
  flushAccessLog,
  type ProvisionedWorkspace,
  scheduleRetention,
  seedDemoWorkspace,
} from "@flowgate/application";
import { deriveUrlSigningSecret } from "@flowgate/domain";
import {
  ChatCompletionsAutofillProvider,
  CoalescingRateLimiter,
  channelName,
  checkReadiness,
  createDatabase,
  type DatabaseHandle,
  DatabaseRateLimiter,
  type EmailSender,
  Engine,
  EngineMetrics,
  type EventBus,
  findDatabaseUnavailableError,
  InProcessEventBus,
  migrateToLatest,
  OptimisticGrantRefusedError,
  OptimisticRateLimiter,
  OutboxEmailSender,
  PgJobWakeups,
  PgListener,
  PostgresEventBus,
  parseKey,
  RedisEventBus,
  RedisRateLimiter,
  SmtpEmailSender,
} from "@flowgate/engine";
import type { EmbeddedDatabaseThread } from "@flowgate/engine/embedded-database-thread";
import type { TracerProvider } from "@opentelemetry/api";
import type { Plugin } from "graphql-yoga";
import type { Logger } from "pino";
import type { Registry } from "prom-client";
import { createLogger } from "./logger.ts";
import { createMetricsRegistry, graphqlMetricsPlugin } from "./observability/metrics.ts";
import type { GatewayRateLimit } from "./rate-limit.ts";
import { type GatewayServer, startGatewayServer } from "./server.ts";
import type { Settings } from "./settings.ts";

/** Parts a caller already owns and hands in instead of having them built from the settings (tests). */
export interface AppParts {
  /** A connected database (then `settings.database` is not used to open one, and it is not closed). */
  database?: DatabaseHandle;
  /**
   * The embedded database in `settings.database.dataDir`, already opening on its thread: the process
   * starts it before loading its other modules. Used unless `database` is given; closed on stop.
   */
  pglite?: EmbeddedDatabaseThread;
  /** How recipient emails go out (not closed by `stop`). */
  email?: EmailSender;
  /** Where the app logs (default: pino at `settings.logLevel`). */
  logger?: Logger;
  /** Where spans go when `settings.tracing.enabled` (default: the globally registered provider). */
  tracerProvider?: TracerProvider;
  /** The application's and the schedules' clock (default: the system's); tests move it. */
  clock?: () => Date;
}

/** What a started app runs. */
export interface StartedApp {
  database: DatabaseHandle;
  engine: Engine;
  /** The application the adapters call, running on `engine`. */
  application: Application;
  /** The HTTP server (null for the worker role). */
  server: GatewayServer | null;
  /** The demo workspace, when it was seeded by this start (its keys are shown only now). */
  demo: ProvisionedWorkspace | null;
  logger: Logger;
  /** The Prometheus registry served at `/metrics` (null when metrics are off). */
  metrics: Registry | null;
}

/** A Flowgate process: built from settings, started, stopped. */
export interface App {
  /** Connects, migrates, starts (unless the role is `worker`) the HTTP server, then the engine's worker. */
  start(): Promise<StartedApp>;
  /** Stops in order — HTTP, engine (drains the steps in flight), bus, email, LISTEN, database. */
  stop(): Promise<void>;
}

/**
 * Composes a Flowgate process from its settings: database (waiting for it at start), migrations, event
 * bus, email, engine with or without a worker (by role), the application on it, demo seeding, and the HTTP
 * server with its `/health` and `/ready` probes. `main.ts` and the tests both start Flowgate through this.
 */
export function buildApp(settings: Settings, parts: AppParts = {}): App {
  const logger = parts.logger ?? createLogger(settings.logLevel);
  /** What to close, in order, once started. */
  const closers: (() => Promise<void> | void)[] = [];
  let stopping: Promise<void> | undefined;

  return {
    async start() {
      const database = parts.database ?? openDatabase(settings, logger, parts.pglite);
      if (!parts.database) closers.unshift(() => database.close());
      watchAvailability(database, logger);
      let migrated = false;
      await untilDatabaseServes(() => migrateToLatest(database.db, database.schema), database, logger);
      migrated = true;

      const listener = createListener(settings, database, logger);
      if (listener) closers.unshift(() => listener.close());
      const bus = createEventBus(settings, database, listener, logger);
      closers.unshift(() => bus.close());
      const email = parts.email ?? createEmailSender(settings, database, logger);
      if (!parts.email) closers.unshift(() => email.close?.());

      const metrics = settings.metrics.enabled ? createMetricsRegistry() : null;
      const engineMetrics = metrics
        ? new EngineMetrics(metrics, database.db, (error, metric) =>
            logger.debug({ err: error, metric }, "metric not collected"),
          )
        : undefined;
      const engine = createEngine(settings, database, bus, listener, logger, engineMetrics, parts.clock);
      if (engine.secrets.isDevelopmentKey) {
        logger.warn(
          "FLOWGATE_SECRET_KEY is unset: webhook secrets and pending link tokens are encrypted with the public development key; set it in production",
        );
      }
      // Stopped after the HTTP server closes (closers run last-registered first); started once it listens.
      closers.unshift(() => engine.stop());
      const { host, port, publicUrl } = settings.http;
      // Built before the engine starts: it registers the job handlers (emails, reservation sweeper).
      const application = new Application({
        engine,
        email,
        ...(settings.autofill.url && settings.autofill.model
          ? {
              autofill: new ChatCompletionsAutofillProvider({
                url: settings.autofill.url,
                model: settings.autofill.model,
                apiKey: settings.autofill.apiKey,
                timeoutMs: settings.autofill.timeoutMs,
                allowPrivate: settings.autofill.allowPrivate,
              }),
            }
          : {}),
        linkBaseUrl: publicUrl ?? `http://${host}:${port}`,
        apiKeyCacheMs: settings.http.apiKeyCacheMs,
        databaseAvailability: database.availability,
        ...(parts.clock ? { clock: parts.clock } : {}),
        sends: settings.sends,
        ...urlSigning(settings),
      });
      // Runs after the server closed (closers run newest first) and before the engine stops: the access log's
      // last buffered reads are written.
      closers.unshift(() => flushAccessLog(application));
      // The daily retention job is a job row: created once, it reschedules itself.
      if (settings.role !== "gateway") await scheduleRetention(application);

      const demo =
        settings.role !== "worker" && settings.demo.seed
          ? await seedDemoWorkspace(application, settings.demo.apiKey)
          : null;

      const rateLimit = settings.role === "worker" ? null : createRateLimit(settings, database, logger);
      if (rateLimit) closers.unshift(() => rateLimit.limiter.close());
      const server =
        settings.role === "worker"
          ? null
          : await startGatewayServer({
              app: application,
              port: settings.http.port,
              host: settings.http.host,
              logger,
              plugins: await graphqlPlugins(settings, metrics, parts.tracerProvider),
              ...(metrics ? { metrics: { registry: metrics, token: settings.metrics.token } } : {}),
              queryLimits: settings.queryLimits,
              rateLimit,
              graphiql: graphiqlHeaders(demo, settings),
              readiness: () => checkReadiness(database, migrated, settings.database.connectTimeoutMs),
            });
      if (server) closers.unshift(() => server.close());
      // The worker starts after the gateway listens, so that its first claims do not delay the first
      // requests (one connection serves both on the embedded database), and after the application
      // registered its job handlers (autofill, sends) with it.
      await engine.start();
      return { database, engine, application, server, demo, logger, metrics };
    },

    stop() {
      stopping ??= (async () => {
        for (const close of closers.splice(0)) {
          try {
            await close();
          } catch (error) {
            logger.warn({ err: error }, "error while stopping");
          }
        }
      })();
      return stopping;
    },
  };
}

/** Opens the configured database: PostgreSQL with `DATABASE_URL`, else PGlite in its data directory. */
function openDatabase(
  settings: Settings,
  logger: Logger,
  pglite: EmbeddedDatabaseThread | undefined,
): DatabaseHandle {
  const { url, dataDir, schema, poolSize, connectTimeoutMs, preparedStatements } = settings.database;
  return createDatabase({
    url,
    schema,
    dataDir: url ? undefined : dataDir,
    pglite: url ? undefined : pglite,
    poolSize,
    connectTimeoutMs,
    preparedStatements,
    retry: settings.backoff,
    onConnectionError: (error) => logger.debug({ err: error }, "database connection closed"),
  });
}

/** Logs each outage once when it begins and once when it ends. */
function watchAvailability(database: DatabaseHandle, logger: Logger): void {
  database.availability.onChange((change) => {
    if (change.available) {
      logger.info({ unavailableForMs: change.unavailableForMs }, "database available again");
    } else {
      logger.warn({ err: change.error }, "database unavailable: requests answer 503, workers back off");
    }
  });
}

/**
 * Runs `task` until it succeeds, waiting for the database while it is unavailable (a process may start
 * before its database); other errors are thrown.
 */
async function untilDatabaseServes(task: () => Promise<void>, database: DatabaseHandle, logger: Logger) {
  for (let waited = false; ; ) {
    try {
      await task();
      return;
    } catch (error) {
      if (!findDatabaseUnavailableError(error)) throw error;
      if (!waited) logger.warn({ err: error }, "waiting for the database");
      waited = true;
      await database.availability.waitUntilAvailable();
      // A failure that did not mark the database down (all pooled connections busy) retries after a pause.
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
  }
}

/** The LISTEN connection for wake-ups and the PostgreSQL bus (PostgreSQL only). */
function createListener(
  settings: Settings,
  database: DatabaseHandle,
  logger: Logger,
): PgListener | undefined {
  if (database.kind !== "postgres" || !settings.database.url) return undefined;
  return new PgListener(settings.database.url, {
    backoff: settings.backoff,
    connectTimeoutMs: settings.database.connectTimeoutMs,
    availability: database.availability,
    onError: (error) => logger.debug({ err: error }, "LISTEN connection error"),
    onReconnect: () => logger.info("LISTEN connection re-established"),
  });
}

function createEventBus(
  settings: Settings,
  database: DatabaseHandle,
  listener: PgListener | undefined,
  logger: Logger,
): EventBus {
  const onError = (error: unknown) => logger.debug({ err: error }, "event bus error");
  switch (settings.eventBus.kind) {
    case "redis":
      return new RedisEventBus(
        settings.eventBus.redisUrl ?? "",
        `flowgate:events:${database.schema ?? "public"}`,
        { db: database.db, backoff: settings.backoff, onError },
      );
    case "postgres":
      if (!listener) throw new Error("The PostgreSQL event bus needs DATABASE_URL");
      return new PostgresEventBus(database.db, listener, channelName("events", database.schema), {
        backoff: settings.backoff,
        onError,
      });
    case "memory":
      return new InProcessEventBus();
  }
}

/**
 * The gateway's rate limits (null when turned off): token buckets in Redis when configured so, else in the
 * database, so every gateway shares them either way.
 */
function createRateLimit(
  settings: Settings,
  database: DatabaseHandle,
  logger: Logger,
): GatewayRateLimit | null {
  const limits = settings.rateLimits;
  if (!limits) return null;
  const onError = (error: unknown) =>
    logger.warn({ err: error }, "rate limiter unavailable; request not limited");
  const store =
    limits.store === "redis"
      ? new RedisRateLimiter(settings.eventBus.redisUrl ?? "", {
          prefix: limits.redisPrefix ?? `flowgate:ratelimit:${database.schema ?? "public"}:`,
          onError: (error) => logger.debug({ err: error }, "rate limiter connection error"),
        })
      : new DatabaseRateLimiter(database.db, { onError });
  // Concurrent requests of one key share a round trip (and do not queue on the bucket's row lock); a key
  // with plenty of tokens known left is answered at once and charged in the background.
  const limiter = new OptimisticRateLimiter(new CoalescingRateLimiter(store), {
    onError: (error) =>
      error instanceof OptimisticGrantRefusedError
        ? logger.debug({ bucketPolicy: error.policy }, "rate limit: a request granted early was one too many")
        : onError(error),
  });
  return {
    limiter,
    perKey: { name: "api-key", ...limits.perKey },
    perAddress: { name: "address", ...limits.perAddress },
    onError,
  };
}

/** SMTP when `SMTP_URL` is set; otherwise the outbox table, with the link logged. */
function createEmailSender(settings: Settings, database: DatabaseHandle, logger: Logger): EmailSender {
  const { smtpUrl, smtpFrom, outboxLiveEmails } = settings.email;
  return smtpUrl
    ? new SmtpEmailSender({ url: smtpUrl, ...(smtpFrom ? { from: smtpFrom } : {}) })
    : new OutboxEmailSender(database.db, {
        log: (line) => logger.info(line),
        keepLive: outboxLiveEmails,
      });
}

/**
 * The secret that signs download URLs: `FLOWGATE_SIGNING_SECRET`, else derived from `FLOWGATE_SECRET_KEY`
 * (HKDF with a label of its own), so that an operator configures one secret; with neither, the application
 * picks a random one per process.
 */
function urlSigning(settings: Settings): { signingSecret?: string } {
  if (settings.signingSecret) return { signingSecret: settings.signingSecret };
  if (settings.secretKey) return { signingSecret: deriveUrlSigningSecret(parseKey(settings.secretKey)) };
  return {};
}

function createEngine(
  settings: Settings,
  database: DatabaseHandle,
  bus: EventBus,
  listener: PgListener | undefined,
  logger: Logger,
  metrics: EngineMetrics | undefined,
  clock: (() => Date) | undefined,
): Engine {
  return new Engine({
    // Schedules fire, and old rows are purged, by the same clock as the application's (tests move it).
    ...(clock ? { schedules: { clock }, purge: { clock } } : {}),
    db: database.db,
    bus,
    logger,
    ...(metrics ? { metrics } : {}),
    retryBaseMs: settings.worker.retryBaseMs,
    secretKey: settings.secretKey,
    webhooks: {
      timeoutMs: settings.webhooks.timeoutMs,
      retryBaseMs: settings.webhooks.retryBaseMs,
      maxAttempts: settings.webhooks.maxAttempts,
      disableAfterFailures: settings.webhooks.disableAfterFailures,
      concurrency: settings.webhooks.concurrency,
    },
    ...(listener
      ? { wakeups: new PgJobWakeups(database.db, listener, channelName("jobs", database.schema)) }
      : {}),
    worker:
      settings.role === "gateway"
        ? false
        : {
            concurrency: settings.worker.concurrency,
            leaseMs: settings.worker.leaseMs,
            pollIntervalMs: settings.worker.pollIntervalMs,
            availability: database.availability,
            backoff: settings.backoff,
            onError: (error) =>
              // Outages are logged once by the availability watch; failures during one are expected.
              findDatabaseUnavailableError(error)
                ? logger.debug({ err: error }, "worker waits for the database")
                : logger.error({ err: error }, "worker error"),
          },
  });
}

/**
 * The plugins both GraphQL endpoints add: metrics and tracing, as the settings ask. OpenTelemetry's
 * modules load only when tracing is on (about a hundred modules a start would otherwise load for nothing).
 */
async function graphqlPlugins(
  settings: Settings,
  metrics: Registry | null,
  tracerProvider: TracerProvider | undefined,
): Promise<Plugin[]> {
  const tracing = settings.tracing.enabled
    ? [(await import("./observability/tracing.ts")).tracingPlugin(tracerProvider)]
    : [];
  return [...(metrics ? [graphqlMetricsPlugin(metrics)] : []), ...tracing];
}

/** GraphiQL's prefilled key: the demo key when it is known. */
/**
 * Whether `host` (the address the gateway listens on) is a loopback address: `localhost`, `127.0.0.0/8`
 * or `::1`. `0.0.0.0`, `::` and every other address can be reached from other machines.
 */
export function isLoopbackHost(host: string): boolean {
  const bare = host.replace(/^\[|\]$/g, "").toLowerCase();
  if (bare === "localhost" || bare === "::1" || bare === "0:0:0:0:0:0:0:1") return true;
  if (isIPv4(bare)) return bare.startsWith("127.");
  const mapped = /^::ffff:(\d+\.\d+\.\d+\.\d+)$/.exec(bare);
  return mapped ? mapped[1]!.startsWith("127.") : false;
}

/**
 * GraphiQL's prefilled key: the demo key when it is known and the gateway listens on a loopback address
 * only. A page any other machine can load must not hand out a key.
 */
function graphiqlHeaders(demo: ProvisionedWorkspace | null, settings: Settings) {
  const key = demo?.keys.sandbox ?? settings.demo.apiKey;
  return key && isLoopbackHost(settings.http.host) ? { headers: { "X-API-Key": key } } : true;
}
