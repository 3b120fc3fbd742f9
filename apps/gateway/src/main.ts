import { mkdirSync } from "node:fs";
import { createDatabase, migrateToLatest } from "@flowgate/db";
import {
  channelName,
  type EmailSender,
  Engine,
  type EventBus,
  InProcessEventBus,
  OutboxEmailSender,
  PgJobWakeups,
  PgListener,
  PostgresEventBus,
  RedisEventBus,
  SmtpEmailSender,
  seedDemoWorkspace,
} from "@flowgate/engine";
import pino from "pino";
import { readConfig } from "./config.ts";
import { startGatewayServer } from "./server.ts";

const logger = pino({ name: "flowgate" });
const config = readConfig();
// PGlite creates its data directory but not the directories above it.
if (!config.databaseUrl) mkdirSync(config.dataDir, { recursive: true });
const database = createDatabase({
  url: config.databaseUrl,
  schema: config.databaseSchema,
  dataDir: config.databaseUrl ? undefined : config.dataDir,
});
await migrateToLatest(database.db, config.databaseSchema);

const listener = config.databaseUrl
  ? new PgListener(config.databaseUrl, {
      onError: (error) => logger.warn({ err: error }, "LISTEN connection error"),
    })
  : undefined;
const bus: EventBus =
  config.eventBus === "redis"
    ? new RedisEventBus(config.redisUrl ?? "", `flowgate:events:${config.databaseSchema ?? "public"}`)
    : config.eventBus === "postgres" && listener
      ? new PostgresEventBus(database.db, listener, channelName("events", config.databaseSchema))
      : new InProcessEventBus();

// Workflow emails: SMTP when SMTP_URL is set; otherwise kept in the outbox table with the link logged.
const email: EmailSender = config.smtpUrl
  ? new SmtpEmailSender({ url: config.smtpUrl, ...(config.smtpFrom ? { from: config.smtpFrom } : {}) })
  : new OutboxEmailSender(database.db, (line) => logger.info(line));

const engine = new Engine({
  email,
  linkBaseUrl: config.publicUrl ?? `http://${config.host}:${config.port}`,
  db: database.db,
  bus,
  retryBaseMs: config.retryBaseMs,
  ...(listener
    ? { wakeups: new PgJobWakeups(database.db, listener, channelName("jobs", config.databaseSchema)) }
    : {}),
  worker:
    config.role === "gateway"
      ? false
      : {
          concurrency: config.workerConcurrency,
          leaseMs: config.leaseMs,
          pollIntervalMs: config.pollIntervalMs,
          onError: (error) => logger.error({ err: error }, "worker error"),
        },
});
await engine.start();

const demo = config.role === "worker" ? null : await seedDemoWorkspace(database.db, config.seedApiKey);
const server =
  config.role === "worker"
    ? null
    : await startGatewayServer({
        db: database.db,
        engine,
        port: config.port,
        host: config.host,
        graphiql:
          demo || config.seedApiKey
            ? { headers: { "X-API-Key": demo?.keys.sandbox ?? config.seedApiKey ?? "" } }
            : true,
      });

logger.info(
  {
    role: config.role,
    database: database.kind === "pglite" ? `PGlite at ${config.dataDir}` : "PostgreSQL",
    eventBus: config.eventBus,
    ...(server ? { url: server.url, port: server.port } : {}),
    ...(engine.worker ? { workerId: engine.worker.workerId } : {}),
  },
  "Flowgate started",
);
if (server) {
  console.log(`\n  Flowgate GraphQL + GraphiQL: ${server.url}`);
  console.log(
    server.consoleAvailable
      ? `  Console: ${server.consoleUrl}\n`
      : `  Console: not built (pnpm --filter @flowgate/console build), ${server.consoleUrl} explains\n`,
  );
}
if (demo) {
  console.log(`  Demo workspace ${demo.workspaceId} seeded.`);
  console.log(`  Sandbox API key (all scopes; shown once): ${demo.keys.sandbox}\n`);
} else if (config.seedApiKey) {
  console.log(`  Sandbox API key (FLOWGATE_SEED_API_KEY): ${config.seedApiKey}\n`);
}

let stopping = false;
async function shutdown(signal: string) {
  if (stopping) return;
  stopping = true;
  logger.info({ signal }, "shutting down: draining in-flight steps");
  await server?.close();
  await engine.stop();
  await bus.close();
  await email.close?.();
  await listener?.close();
  await database.close();
  process.exit(0);
}
process.on("SIGINT", () => void shutdown("SIGINT"));
process.on("SIGTERM", () => void shutdown("SIGTERM"));
