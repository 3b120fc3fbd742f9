import {
  type Actor,
  Application,
  createSession,
  createWebhookEndpoint,
  provisionWorkspace,
  updateWorkspace,
} from "@flowgate/application";
import { createTestDatabase, type TestDatabase } from "@flowgate/db/testing";
import { Engine } from "@flowgate/engine";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type FlowgateProcess, startFlowgateProcess } from "./processes.ts";
import { startReceiver, verifies, type WebhookReceiver } from "./webhook-receiver.ts";

const eventCount = 300;
const secretKey = Buffer.alloc(32, 42).toString("base64");

/**
 * Worker processes deliver a few hundred webhooks to a slow receiver while the test SIGKILLs them with
 * deliveries in flight and starts replacements. Every event must still arrive at least once, every
 * signature must verify, and a receiver deduplicating by `webhook-id` sees each event exactly once.
 */
describe.skipIf(!process.env.DATABASE_URL)("webhook delivery survives kill -9 of workers", () => {
  let t: TestDatabase;
  let app: Application;
  let actor: Actor;
  let receiver: WebhookReceiver;
  const workers: FlowgateProcess[] = [];

  beforeAll(async () => {
    t = await createTestDatabase("postgres");
    app = new Application({ engine: new Engine({ db: t.db, worker: false, secretKey }) });
    const ws = await provisionWorkspace(app, { organizationName: "o", workspaceName: "w" });
    actor = { workspaceId: ws.workspaceId, environment: "sandbox", keyId: "crash-test", scopes: ["admin"] };
    await updateWorkspace(
      app,
      { ...actor, organizationId: ws.organizationId },
      {
        id: ws.workspaceId,
        settings: { allowPrivateTaskUrls: true },
      },
    );
    // Slow answers keep deliveries in flight when the kills land.
    receiver = await startReceiver(() => ({ status: 200, delayMs: 200 + Math.floor(Math.random() * 200) }));
  });
  afterAll(async () => {
    await Promise.all(workers.map((w) => w.stop("SIGKILL")));
    await receiver?.close();
    await t?.close();
  });

  it(`delivers all ${eventCount} events at least once while workers are killed`, async () => {
    const { secret } = await createWebhookEndpoint(app, actor, {
      url: receiver.url,
      events: ["session.created"],
    });
    // A second endpoint on the same receiver: deliveries of several endpoints interleave across workers.
    const second = await createWebhookEndpoint(app, actor, { url: `${receiver.url}?second`, events: ["*"] });
    const sessionIds: string[] = [];
    for (let i = 0; i < eventCount / 2; i++) sessionIds.push((await createSession(app, actor, {})).id);
    const eventIds = new Set(
      (await t.db.selectFrom("webhook_events").select("id").execute()).map((row) => row.id),
    );
    expect(eventIds.size).toBe(eventCount / 2);

    const env = {
      DATABASE_URL: t.url!,
      FLOWGATE_DB_SCHEMA: t.schema!,
      FLOWGATE_LEASE_MS: "1500",
      FLOWGATE_POLL_INTERVAL_MS: "200",
      FLOWGATE_WEBHOOK_CONCURRENCY: "8",
      FLOWGATE_WEBHOOK_RETRY_BASE_MS: "100",
      FLOWGATE_SECRET_KEY: secretKey,
    };
    workers.push(...(await Promise.all([0, 1].map(() => startFlowgateProcess("worker", env)))));
    const succeeded = async () => {
      const row = await t.db
        .selectFrom("webhook_deliveries")
        .select((eb) => eb.fn.countAll<string>().as("n"))
        .where("status", "=", "succeeded")
        .executeTakeFirstOrThrow();
      return Number(row.n);
    };

    // Kill a live worker every 300–600 ms once deliveries flow (SIGKILL: no drain) and start a replacement
    // alongside, up to 4 kills; then let the survivors finish.
    let kills = 0;
    const replacements: Promise<void>[] = [];
    const deadline = Date.now() + 120_000;
    while ((await succeeded()) < eventCount && Date.now() < deadline) {
      await new Promise((r) => setTimeout(r, 300 + Math.random() * 300));
      if (kills >= 4 || receiver.received.length < 10) continue;
      const live = workers.filter((w) => w.child.exitCode === null && w.child.signalCode === null);
      if (live.length < 2 && replacements.length > kills - 1) continue;
      const victim = live[Math.floor(Math.random() * live.length)];
      if (!victim) continue;
      await victim.stop("SIGKILL");
      kills++;
      replacements.push(startFlowgateProcess("worker", env).then((w) => void workers.push(w)));
    }
    await Promise.all(replacements);
    expect(await succeeded()).toBe(eventCount);
    expect(kills).toBeGreaterThanOrEqual(2);

    // Every event arrived at each of its two endpoints, signed; deduplicating by webhook-id leaves one each.
    const firstSeen = new Map<string, number>();
    const secondSeen = new Map<string, number>();
    for (const request of receiver.received) {
      const id = String(request.headers["webhook-id"]);
      const toSecond = verifies(second.secret, request);
      expect(toSecond || verifies(secret, request)).toBe(true);
      const seen = toSecond ? secondSeen : firstSeen;
      seen.set(id, (seen.get(id) ?? 0) + 1);
    }
    expect(new Set(firstSeen.keys())).toEqual(eventIds);
    expect(new Set(secondSeen.keys())).toEqual(eventIds);
    const duplicates = receiver.received.length - firstSeen.size - secondSeen.size;
    console.log(
      `webhook crash test: ${kills} SIGKILLs, ${eventCount} deliveries succeeded, ${receiver.received.length} requests received, ${duplicates} duplicates removed by webhook-id`,
    );
  }, 180_000);
});
