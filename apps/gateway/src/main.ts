import { createDatabase, migrateToLatest } from "@flowgate/db";
import { Engine, seedDemoWorkspace } from "@flowgate/engine";
import pino from "pino";
import { readConfig } from "./config.ts";
import { startGatewayServer } from "./server.ts";

const logger = pino({ name: "flowgate" });
const config = readConfig();
const database = createDatabase({
  url: config.databaseUrl,
  dataDir: config.databaseUrl ? undefined : config.dataDir,
});
await migrateToLatest(database.db);

const engine = new Engine({
  db: database.db,
  worker:
    config.role === "gateway"
      ? false
      : {
          concurrency: config.workerConcurrency,
          onError: (error) => logger.error({ err: error }, "worker error"),
        },
});
engine.start();

const demo = await seedDemoWorkspace(database.db, config.seedApiKey);
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
  { role: config.role, database: database.kind === "pglite" ? `PGlite at ${config.dataDir}` : "PostgreSQL" },
  "Flowgate started",
);
if (server) console.log(`\n  Flowgate GraphQL + GraphiQL: ${server.url}\n`);
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
  await database.close();
  process.exit(0);
}
process.on("SIGINT", () => void shutdown("SIGINT"));
process.on("SIGTERM", () => void shutdown("SIGTERM"));
