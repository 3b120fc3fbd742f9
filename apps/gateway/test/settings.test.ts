import { readFileSync } from "node:fs";
import { fileURLToPath } from "node:url";
import { describe, expect, it } from "vitest";
import { parseSettings, SettingsError, settingsSchema } from "../src/settings.ts";
import { renderSettingsTable, settingsTableMarkers, withSettingsTable } from "../src/settings-table.ts";

const readmePath = fileURLToPath(new URL("../../../docs/configuration.md", import.meta.url));

/** The issues `parseSettings` reports for `env`, as `VARIABLE: message`. */
function issuesOf(env: Record<string, string>): string[] {
  try {
    parseSettings(env);
  } catch (error) {
    expect(error).toBeInstanceOf(SettingsError);
    return (error as SettingsError).issues.map((i) => `${i.variable}: ${i.message}`);
  }
  throw new Error("expected the settings to be refused");
}

describe("settings", () => {
  it("defaults every variable: embedded PGlite, gateway + worker, in-process bus", () => {
    const settings = parseSettings({});
    expect(settings).toEqual({
      role: "all",
      http: { host: "127.0.0.1", port: 4000, publicUrl: undefined, apiKeyCacheMs: 10_000 },
      database: {
        url: undefined,
        dataDir: ".flowgate-data/pglite",
        schema: undefined,
        poolSize: 10,
        connectTimeoutMs: 2000,
        preparedStatements: true,
      },
      backoff: { minMs: 100, maxMs: 1000 },
      eventBus: { kind: "memory", redisUrl: undefined },
      worker: { concurrency: 4, leaseMs: 15_000, pollIntervalMs: 1000, retryBaseMs: 1000 },
      secretKey: undefined,
      webhooks: {
        timeoutMs: 10_000,
        retryBaseMs: 10_000,
        maxAttempts: 12,
        disableAfterFailures: 50,
        concurrency: 16,
      },
      email: { smtpUrl: undefined, smtpFrom: undefined, outboxLiveEmails: false },
      sends: {
        inline: true,
        inlineLeaseMs: 120_000,
        emailsPerWorkspaceHour: 1000,
        waitMs: 30_000,
        reservationTtlMs: 3_600_000,
        sweepIntervalMs: 60_000,
      },
      autofill: {
        url: undefined,
        model: undefined,
        apiKey: undefined,
        timeoutMs: 60_000,
        allowPrivate: false,
      },
      demo: { seed: true, apiKey: undefined },
      rateLimits: {
        perKey: { ratePerSecond: 20, burst: 200 },
        perAddress: { ratePerSecond: 5, burst: 60 },
        store: "database",
        redisPrefix: undefined,
      },
      queryLimits: {
        maxBodyBytes: 524_288,
        maxQueryBytes: 65_536,
        maxDepth: 12,
        maxAliases: 30,
        maxTokens: 2000,
        maxDirectives: 50,
        maxCost: 20_000,
        fieldSuggestions: false,
      },
      logLevel: "info",
      metrics: { enabled: true, token: undefined },
      tracing: { enabled: false },
    });
  });

  it("takes a 32-byte secret key as base64 or hex, and names FLOWGATE_SECRET_KEY otherwise", () => {
    const base64 = Buffer.alloc(32, 7).toString("base64");
    expect(parseSettings({ FLOWGATE_SECRET_KEY: base64 }).secretKey).toBe(base64);
    expect(parseSettings({ FLOWGATE_SECRET_KEY: "ab".repeat(32) }).secretKey).toBe("ab".repeat(32));
    expect(() => parseSettings({ FLOWGATE_SECRET_KEY: "too-short" })).toThrow(
      /FLOWGATE_SECRET_KEY: must be 32 bytes/,
    );
  });

  it("reads the rate limits, keeps their buckets in Redis when it is configured, and turns them off with 0", () => {
    expect(
      parseSettings({
        REDIS_URL: "redis://h:6379",
        FLOWGATE_RATE_LIMIT_PER_SECOND: "2.5",
        FLOWGATE_RATE_LIMIT_BURST: "10",
        FLOWGATE_RATE_LIMIT_ANONYMOUS_PER_SECOND: "0.5",
        FLOWGATE_RATE_LIMIT_ANONYMOUS_BURST: "4",
      }).rateLimits,
    ).toEqual({
      perKey: { ratePerSecond: 2.5, burst: 10 },
      perAddress: { ratePerSecond: 0.5, burst: 4 },
      store: "redis",
      redisPrefix: undefined,
    });
    expect(parseSettings({ FLOWGATE_RATE_LIMIT_PER_SECOND: "0" }).rateLimits).toBeNull();
    expect(() => parseSettings({ FLOWGATE_RATE_LIMIT_STORE: "redis" })).toThrow(/redis needs REDIS_URL/);
    expect(() => parseSettings({ FLOWGATE_RATE_LIMIT_BURST: "0" })).toThrow(/FLOWGATE_RATE_LIMIT_BURST/);
  });

  it("keeps GraphQL field suggestions only in development, and reads every query limit", () => {
    expect(parseSettings({ NODE_ENV: "development" }).queryLimits.fieldSuggestions).toBe(true);
    expect(parseSettings({ NODE_ENV: "production" }).queryLimits.fieldSuggestions).toBe(false);
    expect(
      parseSettings({
        FLOWGATE_MAX_BODY_BYTES: "2048",
        FLOWGATE_MAX_QUERY_BYTES: "1000",
        FLOWGATE_MAX_QUERY_DEPTH: "5",
        FLOWGATE_MAX_ALIASES: "0",
        FLOWGATE_MAX_TOKENS: "300",
        FLOWGATE_MAX_DIRECTIVES: "3",
        FLOWGATE_MAX_QUERY_COST: "99",
      }).queryLimits,
    ).toEqual({
      maxBodyBytes: 2048,
      maxQueryBytes: 1000,
      maxDepth: 5,
      maxAliases: 0,
      maxTokens: 300,
      maxDirectives: 3,
      maxCost: 99,
      fieldSuggestions: false,
    });
    expect(() => parseSettings({ FLOWGATE_MAX_BODY_BYTES: "10" })).toThrow(/FLOWGATE_MAX_BODY_BYTES/);
  });

  it("reads typed values, treats empty as unset, and picks the bus from what is configured", () => {
    const settings = parseSettings({
      FLOWGATE_ROLE: "worker",
      PORT: "0",
      DATABASE_URL: "postgres://flowgate:secret@db.internal:5432/flowgate",
      FLOWGATE_DB_SCHEMA: "tenant_a",
      FLOWGATE_DB_POOL_SIZE: "25",
      FLOWGATE_BACKOFF_MAX_MS: "3000",
      FLOWGATE_SEED_DEMO: "false",
      SMTP_URL: "",
    });
    expect(settings.role).toBe("worker");
    expect(settings.http.port).toBe(0);
    expect(settings.database).toMatchObject({ schema: "tenant_a", poolSize: 25 });
    expect(settings.backoff).toEqual({ minMs: 100, maxMs: 3000 });
    expect(settings.eventBus.kind).toBe("postgres");
    expect(settings.email.smtpUrl).toBeUndefined();
    expect(settings.demo.seed).toBe(false);
    expect(
      parseSettings({ DATABASE_URL: "postgres://h/db", REDIS_URL: "redis://h:6379" }).eventBus.kind,
    ).toBe("redis");
  });

  it("reports every invalid variable at once, by name, without echoing values", () => {
    const issues = issuesOf({
      FLOWGATE_ROLE: "both",
      PORT: "80a",
      DATABASE_URL: "mysql://root:hunter2@db/flowgate",
      FLOWGATE_DB_SCHEMA: "Bad-Name",
      FLOWGATE_WORKER_CONCURRENCY: "0",
      FLOWGATE_SEED_DEMO: "maybe",
      FLOWGATE_EVENT_BUS: "redis",
      FLOWGATE_SEED_API_KEY: "not a key",
    });
    expect(issues).toEqual([
      "FLOWGATE_ROLE: must be all, gateway or worker",
      "PORT: must be a whole number from 0 to 65535",
      "DATABASE_URL: must be a postgres:// or postgresql:// URL",
      "FLOWGATE_DB_SCHEMA: must be a lower-case schema name",
      "FLOWGATE_WORKER_CONCURRENCY: must be a whole number from 1 to 1000",
      "FLOWGATE_SEED_DEMO: must be true or false",
      "FLOWGATE_SEED_API_KEY: must look like fg_sandbox_<letters, digits, _ or ->",
      "FLOWGATE_EVENT_BUS: redis needs REDIS_URL",
    ]);
    expect(issues.join("\n")).not.toContain("hunter2");
    expect(issuesOf({ FLOWGATE_BACKOFF_MIN_MS: "5000", FLOWGATE_BACKOFF_MAX_MS: "1000" })).toEqual([
      "FLOWGATE_BACKOFF_MAX_MS: must be at least FLOWGATE_BACKOFF_MIN_MS",
    ]);
  });

  it("documents every variable", () => {
    for (const [name, schema] of Object.entries(settingsSchema.shape)) {
      expect(schema.description, name).toBeTruthy();
    }
  });

  it("docs/configuration.md holds the current settings table (run `pnpm --filter @flowgate/gateway settings:table`)", () => {
    const readme = readFileSync(readmePath, "utf8");
    expect(readme).toContain(settingsTableMarkers.start);
    expect(readme).toContain(renderSettingsTable());
    expect(withSettingsTable(readme)).toBe(readme);
    for (const name of Object.keys(settingsSchema.shape)) expect(readme).toContain(`\`${name}\``);
  });
});

describe("autofill settings", () => {
  it("needs a model with the endpoint, and checks the URL without echoing it", () => {
    expect(() => parseSettings({ FLOWGATE_AUTOFILL_URL: "https://llm.example/v1/chat/completions" })).toThrow(
      /FLOWGATE_AUTOFILL_MODEL: is required with FLOWGATE_AUTOFILL_URL/,
    );
    expect(() => parseSettings({ FLOWGATE_AUTOFILL_URL: "ftp://secret@x" })).toThrow(
      /FLOWGATE_AUTOFILL_URL: must be/,
    );
    expect(
      parseSettings({
        FLOWGATE_AUTOFILL_URL: "https://llm.example/v1/chat/completions",
        FLOWGATE_AUTOFILL_MODEL: "m",
        FLOWGATE_AUTOFILL_API_KEY: "k",
      }).autofill,
    ).toEqual({
      url: "https://llm.example/v1/chat/completions",
      model: "m",
      apiKey: "k",
      timeoutMs: 60_000,
      allowPrivate: false,
    });
  });
});
