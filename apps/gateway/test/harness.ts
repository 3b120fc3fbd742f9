import { type Application, type ProvisionedWorkspace, provisionWorkspace } from "@flowgate/application";
import type { TestBackend } from "@flowgate/db/testing";
import { createTestDatabase, type TestDatabase } from "@flowgate/db/testing";
import type { EmailSender, Engine } from "@flowgate/engine";
import { type Client, createClient } from "graphql-ws";
import type { Logger } from "pino";
import WebSocket from "ws";
import { buildApp } from "../src/app.ts";
import type { GatewayServer } from "../src/server.ts";
import { parseSettings } from "../src/settings.ts";

/** A GraphQL response as a client sees it. */
export interface GraphQLResponse<T = any> {
  status: number;
  data?: T;
  errors?: { message: string; extensions?: Record<string, unknown> }[];
}

/** A running gateway + worker on a fresh database, with two provisioned workspaces. */
export interface Harness {
  database: TestDatabase;
  engine: Engine;
  /** The application the gateway serves. */
  app: Application;
  server: GatewayServer;
  /** The first workspace (keys for both environments). */
  acme: ProvisionedWorkspace;
  /** Another workspace. */
  other: ProvisionedWorkspace;
  /** POSTs a GraphQL operation with the given key (or none). */
  gql<T = any>(
    key: string | null,
    query: string,
    variables?: Record<string, unknown>,
  ): Promise<GraphQLResponse<T>>;
  /** Opens a graphql-ws client authenticated with `key`. */
  ws(key: string): Client;
  close(): Promise<void>;
}

/** Optional settings of {@link startHarness}; leaving them out keeps the defaults. */
export interface HarnessOptions {
  /** How the engine delivers workflow emails (default: the outbox table). */
  email?: EmailSender;
  /** Where the app logs (default: silent), e.g. a pino logger writing into an array to scan. */
  logger?: Logger;
}

/**
 * The settings of a harness: gateway and worker in one process on any free port, quick polling and
 * retries, no demo workspace, no log output.
 */
export const harnessSettings = parseSettings({
  PORT: "0",
  FLOWGATE_POLL_INTERVAL_MS: "100",
  FLOWGATE_WORKER_CONCURRENCY: "2",
  FLOWGATE_RETRY_BASE_MS: "20",
  FLOWGATE_SEED_DEMO: "false",
  FLOWGATE_LOG_LEVEL: "silent",
});

/** Starts a harness on `backend`: the app as `main.ts` builds it, on a fresh test database. */
export async function startHarness(backend: TestBackend, options: HarnessOptions = {}): Promise<Harness> {
  const database = await createTestDatabase(backend);
  const flowgate = buildApp(harnessSettings, {
    database,
    ...(options.email ? { email: options.email } : {}),
    ...(options.logger ? { logger: options.logger } : {}),
  });
  const { engine, application: app, server } = await flowgate.start();
  if (!server) throw new Error("The harness needs the gateway role");
  const acme = await provisionWorkspace(app, { organizationName: "Acme", workspaceName: "KYC" });
  const other = await provisionWorkspace(app, { organizationName: "Other", workspaceName: "Other" });
  const clients: Client[] = [];
  return {
    database,
    engine,
    app,
    server,
    acme,
    other,
    async gql(key, query, variables) {
      const response = await fetch(server.url, {
        method: "POST",
        headers: { "content-type": "application/json", ...(key ? { "x-api-key": key } : {}) },
        body: JSON.stringify({ query, variables }),
      });
      return { status: response.status, ...((await response.json()) as object) };
    },
    ws(key) {
      const client = createClient({
        url: server.url.replace("http", "ws"),
        webSocketImpl: WebSocket,
        connectionParams: { "X-API-Key": key },
        retryAttempts: 0,
        lazy: true,
      });
      clients.push(client);
      return client;
    },
    async close() {
      await Promise.all(clients.map((c) => c.dispose()));
      await flowgate.stop();
      await database.close();
    },
  };
}

/** Collects a subscription's results until `until` returns true or it completes. */
export function collect<T>(
  client: Client,
  query: string,
  variables: Record<string, unknown>,
  until: (item: T, all: T[]) => boolean = () => false,
): Promise<{ items: T[]; completed: boolean; errors: unknown[] }> {
  return new Promise((resolve) => {
    const items: T[] = [];
    const errors: unknown[] = [];
    let done = false;
    const finish = (completed: boolean) => {
      if (done) return;
      done = true;
      unsubscribe();
      resolve({ items, completed, errors });
    };
    const unsubscribe = client.subscribe<T>(
      { query, variables },
      {
        next: (result) => {
          if (result.errors) errors.push(...result.errors);
          if (result.data) {
            const value = Object.values(result.data)[0] as T;
            items.push(value);
            if (until(value, items)) finish(false);
          }
        },
        error: (error) => {
          errors.push(error);
          finish(false);
        },
        complete: () => finish(true),
      },
    );
  });
}

/** Polls `probe` until it returns a truthy value (or throws after `timeoutMs`). */
export async function eventually<T>(
  probe: () => Promise<T | undefined | null | false>,
  timeoutMs = 10_000,
): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await probe();
    if (value) return value;
    if (Date.now() > deadline) throw new Error("condition not met in time");
    await new Promise((r) => setTimeout(r, 25));
  }
}
