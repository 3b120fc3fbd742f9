import { readFileSync } from "node:fs";
import { fileURLToPath } from "node:url";
import { describe, expect, it } from "vitest";
import { parseSettings, SettingsError, settingsSchema } from "../src/settings.ts";
import { renderSettingsTable, settingsTableMarkers, withSettingsTable } from "../src/settings-table.ts";

const readmePath = fileURLToPath(new URL("../../../README.md", import.meta.url));

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
      http: { host: "127.0.0.1", port: 4000, publicUrl: undefined },
      database: {
        url: undefined,
        dataDir: ".flowgate-data/pglite",
        schema: undefined,
        poolSize: 10,
        connectTimeoutMs: 2000,
      },
      backoff: { minMs: 100, maxMs: 1000 },
      eventBus: { kind: "memory", redisUrl: undefined },
      worker: { concurrency: 4, leaseMs: 15_000, pollIntervalMs: 1000, retryBaseMs: 1000 },
      email: { smtpUrl: undefined, smtpFrom: undefined, outboxLiveEmails: false },
      sends: {
        inline: true,
        inlineLeaseMs: 120_000,
        emailsPerWorkspaceHour: 1000,
        waitMs: 30_000,
        reservationTtlMs: 3_600_000,
        sweepIntervalMs: 60_000,
      },
      secretKey: undefined,
      demo: { seed: true, apiKey: undefined },
      logLevel: "info",
    });
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

  it("README.md holds the current settings table (run `pnpm --filter @flowgate/gateway settings:table`)", () => {
    const readme = readFileSync(readmePath, "utf8");
    expect(readme).toContain(settingsTableMarkers.start);
    expect(readme).toContain(renderSettingsTable());
    expect(withSettingsTable(readme)).toBe(readme);
    for (const name of Object.keys(settingsSchema.shape)) expect(readme).toContain(`\`${name}\``);
  });
});
