import { type Db, insertInboundTrigger, insertWorkflowSchedule } from "@flowgate/db";
import { createTestWorkspace, testBackends, withDatabase } from "@flowgate/db/testing";
import { newId, type Tenant } from "@flowgate/domain";
import { test as baseTest, describe, expect } from "vitest";
import { Engine, type EngineLogger, purgeJobKey, purgeOldRows, type UnitOfWorkDeps } from "../src/index.ts";
import { publishTestWorkflow } from "./fixtures.ts";

const dayMs = 86_400_000;

const graph = {
  entry: "start",
  nodes: [
    { id: "start", type: "start", next: "done" },
    { id: "done", type: "terminal", outcome: "approved" },
  ],
};

/** The database fixtures, and `actor`: the sandbox of a workspace of its own for each test. */
const test = withDatabase(baseTest).extend("actor", async ({ database }): Promise<Tenant> => {
  const ws = await createTestWorkspace(database.db, { organizationName: "o", workspaceName: "w" });
  return { workspaceId: ws.workspaceId, environment: "sandbox" };
});

/** Rows of the three purged tables, old and recent, with the keys that tell them apart. */
interface Seeded {
  keys: { expired: string[]; live: string[] };
  messages: { old: string[]; recent: string[] };
  fires: { scheduleId: string; old: Date[]; recent: Date[] };
  /** A schedule whose next fire time is long past (no worker ran): its fire at that time must stay. */
  stuck: { scheduleId: string; fireAt: Date };
}

/**
 * Seeds `count` old and `count` recent rows per table, dated relative to `now`, with keys and message ids
 * of their own (tests share the file's database).
 */
async function seed(deps: UnitOfWorkDeps, tenant: Tenant, now: Date, count: number): Promise<Seeded> {
  const db = deps.db;
  const at = (offsetMs: number) => new Date(now.getTime() + offsetMs);
  const workflow = await publishTestWorkflow(deps, tenant, "purged", graph);
  const tag = workflow.id;
  const range = (n: number) => Array.from({ length: n }, (_, i) => i);

  const keys = {
    expired: range(count).map((i) => `${tag}-expired-${i}`),
    live: range(count).map((i) => `${tag}-live-${i}`),
  };
  await db
    .insertInto("idempotency_keys")
    .values(
      [
        ...keys.expired.map((key, i) => ({ key, created_at: at(-2 * dayMs), expires_at: at(-dayMs + i) })),
        ...keys.live.map((key) => ({ key, created_at: at(-60_000), expires_at: at(dayMs) })),
      ].map((row) => ({
        ...row,
        workspace_id: tenant.workspaceId,
        environment: tenant.environment,
        request_hash: "hash",
        state: "completed" as const,
        response_status: 200,
        response_body: "{}",
      })),
    )
    .execute();

  const trigger = await insertInboundTrigger(db, tenant, {
    id: newId("hok"),
    workflowId: workflow.id,
    token: newId("hok"),
    auth: "bearer",
    secretEncrypted: null,
    tokenHash: "sha256",
    createdBy: null,
  });
  const messages = {
    old: range(count).map((i) => `${tag}-old-${i}`),
    recent: range(count).map((i) => `${tag}-recent-${i}`),
  };
  await db
    .insertInto("inbound_trigger_messages")
    .values(
      [
        ...messages.old.map((message_id, i) => ({ message_id, created_at: at(-8 * dayMs - i * 1000) })),
        ...messages.recent.map((message_id) => ({ message_id, created_at: at(-6 * dayMs) })),
      ].map((row) => ({ ...row, trigger_id: trigger.id, run_id: null })),
    )
    .execute();

  const schedule = await insertWorkflowSchedule(db, tenant, {
    id: newId("sch"),
    workflowId: workflow.id,
    cron: "0 * * * *",
    timezone: "UTC",
    payload: {},
    catchUp: "skip",
    nextFireAt: at(3_600_000),
    createdBy: null,
  });
  const fires = {
    scheduleId: schedule.id,
    old: range(count).map((i) => at(-31 * dayMs - i * 3_600_000)),
    recent: range(count).map((i) => at(-29 * dayMs - i * 3_600_000)),
  };
  const stuckFireAt = at(-40 * dayMs);
  const stuck = await insertWorkflowSchedule(db, tenant, {
    id: newId("sch"),
    workflowId: workflow.id,
    cron: "0 * * * *",
    timezone: "UTC",
    payload: {},
    catchUp: "skip",
    nextFireAt: stuckFireAt,
    createdBy: null,
  });
  await db
    .insertInto("schedule_fires")
    .values([
      ...[...fires.old, ...fires.recent].map((fire_at) => ({ schedule_id: schedule.id, fire_at })),
      { schedule_id: stuck.id, fire_at: stuckFireAt },
    ])
    .execute();
  return { keys, messages, fires, stuck: { scheduleId: stuck.id, fireAt: stuckFireAt } };
}

/** What is left of the seeded rows. */
async function remaining(db: Db, seeded: Seeded) {
  const keys = await db
    .selectFrom("idempotency_keys")
    .select("key")
    .where("key", "in", [...seeded.keys.expired, ...seeded.keys.live])
    .orderBy("key")
    .execute();
  const messages = await db
    .selectFrom("inbound_trigger_messages")
    .select("message_id")
    .where("message_id", "in", [...seeded.messages.old, ...seeded.messages.recent])
    .orderBy("message_id")
    .execute();
  const fires = await db
    .selectFrom("schedule_fires")
    .select(["schedule_id", "fire_at"])
    .where("schedule_id", "in", [seeded.fires.scheduleId, seeded.stuck.scheduleId])
    .orderBy("fire_at")
    .execute();
  return {
    keys: keys.map((row) => row.key),
    messages: messages.map((row) => row.message_id),
    fires: fires.map((row) => `${row.schedule_id}@${row.fire_at.toISOString()}`),
  };
}

/** What should be left once the old rows are purged. */
function recentOf(seeded: Seeded) {
  return {
    keys: [...seeded.keys.live].sort(),
    messages: [...seeded.messages.recent].sort(),
    fires: [
      { schedule_id: seeded.stuck.scheduleId, fire_at: seeded.stuck.fireAt },
      ...seeded.fires.recent.map((fire_at) => ({ schedule_id: seeded.fires.scheduleId, fire_at })),
    ]
      .sort((a, b) => a.fire_at.getTime() - b.fire_at.getTime())
      .map((row) => `${row.schedule_id}@${row.fire_at.toISOString()}`),
  };
}

describe.each(testBackends())("maintenance.purge (%s)", (backend) => {
  test.override({ backend });

  test("a worker's recurring purge deletes expired idempotency keys, message ids older than 7 days and fires older than 30 days, keeps the rest, logs the counts and queues its next run", async ({
    database: t,
    actor,
  }) => {
    const seeded = await seed(new Engine({ db: t.db, worker: false }).unitOfWork, actor, new Date(), 3);
    const lines: { fields: Record<string, unknown>; message: string }[] = [];
    const log = (fields: Record<string, unknown>, message: string) => void lines.push({ fields, message });
    const logger: EngineLogger = { debug: log, info: log, warn: log, error: log };
    // The schedule runner stays off: it would fire the stuck schedule and move its next fire time on.
    const engine = new Engine({ db: t.db, logger, schedules: false, worker: { pollIntervalMs: 20 } });
    await engine.start();
    try {
      // The job ran once its row is handed back, due again later.
      for (;;) {
        const job = await t.db
          .selectFrom("jobs")
          .select(["run_at", "locked_by", "kind"])
          .where("key", "=", purgeJobKey)
          .executeTakeFirst();
        if (job && job.locked_by === null && job.run_at.getTime() > Date.now()) {
          expect(job.kind).toBe("maintenance.purge");
          break;
        }
        await new Promise((resolve) => setTimeout(resolve, 20));
      }
    } finally {
      await engine.stop();
    }

    expect(await remaining(t.db, seeded)).toEqual(recentOf(seeded));
    const purged = lines.filter((line) => line.message === "purged old rows");
    expect(purged).toEqual([
      {
        message: "purged old rows",
        fields: { idempotencyKeys: 3, inboundTriggerMessages: 3, scheduleFires: 3, more: false },
      },
    ]);
    // Another run finds nothing more to delete.
    expect(await purgeOldRows(t.db, new Date())).toEqual({
      idempotencyKeys: 0,
      inboundTriggerMessages: 0,
      scheduleFires: 0,
      more: false,
    });
    expect(await remaining(t.db, seeded)).toEqual(recentOf(seeded));
  });

  test("deletes in batches of `batchSize`, at most `maxBatchesPerRun` per table, and says when rows are left", async ({
    database: t,
    actor,
  }) => {
    const now = new Date();
    const seeded = await seed(new Engine({ db: t.db, worker: false }).unitOfWork, actor, now, 5);
    // 5 old rows per table, 2 per batch, 2 batches: 4 go, and the run reports more to do.
    expect(await purgeOldRows(t.db, now, { batchSize: 2, maxBatchesPerRun: 2 })).toEqual({
      idempotencyKeys: 4,
      inboundTriggerMessages: 4,
      scheduleFires: 4,
      more: true,
    });
    // The last old row of each table: a batch of fewer than `batchSize` ends the table's loop.
    expect(await purgeOldRows(t.db, now, { batchSize: 2, maxBatchesPerRun: 2 })).toEqual({
      idempotencyKeys: 1,
      inboundTriggerMessages: 1,
      scheduleFires: 1,
      more: false,
    });
    expect(await remaining(t.db, seeded)).toEqual(recentOf(seeded));
  });
});
