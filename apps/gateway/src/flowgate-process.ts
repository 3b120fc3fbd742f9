/**
 * The Flowgate process (gateway, worker or both, by `FLOWGATE_ROLE`): reads the settings, builds the app,
 * starts it, prints where it listens, and drains on SIGINT/SIGTERM. `main.ts` loads it.
 *
 * Only the settings are imported up front. On the embedded database the process then starts PGlite on a
 * thread of its own (compiling its WebAssembly, reading its files, starting PostgreSQL) before it loads
 * the rest of Flowgate, which takes about as long, so that the two run side by side: together they are
 * most of a cold start.
 */
import { mkdirSync, writeFileSync } from "node:fs";
import { dirname, join, resolve } from "node:path";
import { parseSettings, type Settings, SettingsError } from "./settings.ts";

let settings: Settings;
try {
  settings = parseSettings(process.env);
} catch (error) {
  if (!(error instanceof SettingsError)) throw error;
  console.error(error.message);
  process.exit(1);
}

const pglite = settings.database.url
  ? undefined
  : new (await import("@flowgate/engine/embedded-database-thread")).EmbeddedDatabaseThread(
      settings.database.dataDir,
    );
const [{ buildApp }, { createLogger }, { connectionFailureReason }] = await Promise.all([
  import("./app.ts"),
  import("./logger.ts"),
  import("@flowgate/engine"),
]);

const logger = createLogger(settings.logLevel);
// Connections have error listeners and every promise is awaited or caught; these are the safety net.
// A rejection nobody handled is logged and survived. An exception nobody caught is survived only when it
// is a lost connection (a driver emitting 'error' without a listener); anything else leaves the process
// in an unknown state, so it is logged and the process exits for its supervisor to restart it.
process.on("unhandledRejection", (reason) => logger.error({ err: reason }, "unhandled rejection"));
process.on("uncaughtException", (error) => {
  if (connectionFailureReason(error)) {
    logger.error({ err: error }, "uncaught connection error (survived)");
    return;
  }
  logger.fatal({ err: error }, "uncaught exception");
  process.exit(1);
});

const app = buildApp(settings, { logger, ...(pglite ? { pglite } : {}) });
const started = await app.start().catch(async (error: unknown) => {
  logger.fatal({ err: error }, "Flowgate failed to start");
  await app.stop();
  process.exit(1);
});
const { server, demo, engine, database } = started;

logger.info(
  {
    role: settings.role,
    database: database.kind === "pglite" ? `PGlite at ${settings.database.dataDir}` : "PostgreSQL",
    eventBus: settings.eventBus.kind,
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
  // A key is shown on a terminal only: where stdout is collected as a log, it goes to a private file.
  if (process.stdout.isTTY) {
    console.log(`  Sandbox API key (all scopes; shown once): ${demo.keys.sandbox}\n`);
  } else {
    const file = join(dirname(resolve(settings.database.dataDir)), "demo-api-key");
    mkdirSync(dirname(file), { recursive: true });
    writeFileSync(file, `${demo.keys.sandbox}\n`, { mode: 0o600 });
    console.log(`  Sandbox API key (all scopes) written to ${file} (readable by this user only).\n`);
  }
} else if (server && settings.demo.apiKey) {
  console.log("  Sandbox API key: the value of FLOWGATE_SEED_API_KEY\n");
}

let stopping = false;
async function shutdown(signal: string) {
  if (stopping) return;
  stopping = true;
  logger.info({ signal }, "shutting down: draining in-flight steps");
  await app.stop();
  process.exit(0);
}
process.on("SIGINT", () => void shutdown("SIGINT"));
process.on("SIGTERM", () => void shutdown("SIGTERM"));
