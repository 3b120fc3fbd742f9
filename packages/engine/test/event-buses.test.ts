import {
  appendRunEvents,
  insertRun,
  insertSession,
  insertWorkflow,
  insertWorkflowVersion,
} from "@flowgate/db";
import { createTestDatabase, createTestWorkspace, type TestDatabase } from "@flowgate/db/testing";
import { newId, type RunEvent, type Tenant } from "@flowgate/domain";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import {
  type BusMessage,
  channelName,
  defaultPolicyProviders,
  PgListener,
  PostgresEventBus,
} from "../src/index.ts";
import { stepRun } from "../src/run-step.ts";
import { startRun } from "../src/start-run.ts";
import { PgJobWakeups } from "../src/transport/job-wakeups.ts";
import { inTransaction } from "../src/unit-of-work.ts";
import { publishTestWorkflow } from "./fixtures.ts";

/** Real wake-ups over NOTIFY that count the NOTIFYs sent after commit (not by a statement). */
class CountingWakeups extends PgJobWakeups {
  sentAfterCommit = 0;

  override notify(): void {
    this.sentAfterCommit++;
    super.notify();
  }
}

/** A real PostgreSQL bus that counts the run events published after commit (not by a statement). */
class CountingBus extends PostgresEventBus {
  publishedRunEvents = 0;

  override publish(messages: readonly BusMessage[]): Promise<void> {
    this.publishedRunEvents += messages.filter((m) => m.channel.startsWith("run:")).length;
    return super.publish(messages);
  }
}

/** Two buses on separate LISTEN connections stand for two gateway processes. */
describe.skipIf(!process.env.DATABASE_URL)("PostgreSQL NOTIFY event bus", () => {
  let t: TestDatabase;
  let tenant: Tenant;
  const listeners: PgListener[] = [];

  beforeAll(async () => {
    t = await createTestDatabase("postgres");
    const ws = await createTestWorkspace(t.db, { organizationName: "o", workspaceName: "w" });
    tenant = { workspaceId: ws.workspaceId, environment: "sandbox" };
  });
  afterAll(async () => {
    await Promise.all(listeners.map((l) => l.close()));
    await t?.close();
  });

  function bus() {
    const listener = new PgListener(t.url!);
    listeners.push(listener);
    return new PostgresEventBus(t.db, listener, channelName("events", t.schema));
  }

  it("delivers events to another process's subscribers, fetching a payload too large for NOTIFY from the store", async () => {
    const graph = {
      entry: "s",
      nodes: [
        { id: "s", type: "start" as const, next: "e" },
        { id: "e", type: "terminal" as const, outcome: "approved" },
      ],
    };
    const workflowId = newId("wfl");
    await insertWorkflow(t.db, tenant, {
      id: workflowId,
      name: "w",
      description: null,
      metadata: {},
      currentVersion: 1,
    });
    await insertWorkflowVersion(t.db, { workflowId, version: 1, graph, publishedBy: null });
    const session = await insertSession(t.db, tenant, {
      id: newId("ses"),
      workflowId,
      referenceId: null,
      metadata: {},
      sandbox: null,
    });
    const run = await insertRun(t.db, tenant, {
      id: newId("wfr"),
      sessionId: session.id,
      workflowId,
      workflowVersion: 1,
      graphSnapshot: graph,
      triggerPayload: {},
      triggeredBy: null,
    });
    const big = "x".repeat(20_000);
    const { events } = await appendRunEvents(t.db, run.id, 0, [
      { type: "run.started", data: { workflowId, workflowVersion: 1 } },
      { type: "node.completed", data: { nodeId: "s", note: big } },
    ]);

    const publisher = bus();
    const subscriber = bus();
    const received: RunEvent[] = [];
    const done = new Promise<void>((resolve) => {
      void subscriber.subscribe(`run:${run.id}`, (message: BusMessage) => {
        received.push(message.event as RunEvent);
        if (received.length === 2) resolve();
      });
    });
    // Let the subscriber's LISTEN be in place before publishing.
    await subscriber.subscribe(`run:${run.id}`, () => {});
    await publisher.publish(events.map((event) => ({ channel: `run:${run.id}` as const, event })));
    await done;
    const bySeq = [...received].sort((a, b) => a.seq - b.seq);
    expect(bySeq.map((e) => e.seq)).toEqual([1, 2]);
    expect(bySeq[1]!.data.note).toBe(big);
    expect(bySeq[0]!.type).toBe("run.started");
    await Promise.all([publisher.close(), subscriber.close()]);
  });

  it("a step that commits alone announces its events in its own statement, in order, once", async () => {
    const graph = {
      entry: "s",
      nodes: [
        { id: "s", type: "start" as const, next: "c" },
        {
          id: "c",
          type: "policy" as const,
          policy: "document",
          retries: 0,
          routes: { pass: "e", fail: "e" },
        },
        { id: "e", type: "terminal" as const, outcome: "approved" },
      ],
    };
    const listener = new PgListener(t.url!);
    listeners.push(listener);
    const publisher = new CountingBus(t.db, listener, channelName("events", t.schema));
    const subscriber = bus();
    const deps = { db: t.db, bus: publisher, providers: defaultPolicyProviders(), wake: () => {} };

    const workflow = await publishTestWorkflow(deps, tenant, "announce", graph);
    const newRun = () =>
      insertRun(t.db, tenant, {
        id: newId("wfr"),
        sessionId: null,
        workflowId: workflow.id,
        workflowVersion: 1,
        graphSnapshot: graph,
        triggerPayload: {},
        triggeredBy: null,
      });
    for (const announceInStatement of [true, false]) {
      const run = await newRun();
      const received: RunEvent[] = [];
      const completed = new Promise<void>((resolve) => {
        void subscriber.subscribe(`run:${run.id}`, (message: BusMessage) => {
          received.push(message.event as RunEvent);
          if ((message.event as RunEvent).type === "run.completed") resolve();
        });
      });
      await subscriber.subscribe(`run:${run.id}`, () => {});
      const before = publisher.publishedRunEvents;
      const step = await stepRun(deps, run.id, undefined, { announceInStatement });
      expect(step.outcome).toBe("finished");
      await completed;
      expect(received.map((e) => e.seq)).toEqual(received.map((_, i) => i + 1));
      expect(received.map((e) => e.type)).toEqual([
        "run.started",
        "node.started",
        "node.completed",
        "node.started",
        "node.completed",
        "node.started",
        "node.completed",
        "run.completed",
      ]);
      // Announced by the step's statement: nothing published after commit; otherwise all of them were.
      expect(publisher.publishedRunEvents - before).toBe(announceInStatement ? 0 : received.length);
    }
    await Promise.all([publisher.close(), subscriber.close()]);
  });

  it("a transaction that queues a run alone wakes the other processes' workers from its own statement", async () => {
    const channel = channelName("jobs", t.schema);
    const here = new PgListener(t.url!);
    const there = new PgListener(t.url!);
    listeners.push(here, there);
    const wakeups = new CountingWakeups(t.db, here, channel);
    let woken = 0;
    let onWake = () => {};
    const stop = await new PgJobWakeups(t.db, there, channel).onWake(() => {
      woken++;
      onWake();
    });
    const nextWake = () => new Promise<void>((resolve) => (onWake = resolve));
    let wokenHere = 0;
    const deps = {
      db: t.db,
      bus: bus(),
      wake: () => {
        wokenHere++;
        wakeups.notify();
      },
      wakeChannel: wakeups.channel,
      wakeHere: () => wokenHere++,
    };
    const workflow = await publishTestWorkflow(deps, tenant, "wake", {
      entry: "s",
      nodes: [
        { id: "s", type: "start", next: "e" },
        { id: "e", type: "terminal", outcome: "approved" },
      ],
    });
    const start = () =>
      inTransaction(deps, (trx, after) =>
        startRun(trx, after, tenant, { workflow, session: null, triggeredBy: null }),
      );

    // Alone: the run's statement notifies; after commit only this process's workers are woken.
    let wake = nextWake();
    await start();
    await wake;
    expect({ woken, wokenHere, sentAfterCommit: wakeups.sentAfterCommit }).toEqual({
      woken: 1,
      wokenHere: 1,
      sentAfterCommit: 0,
    });

    // Beside another open transaction: the wake-up is sent after commit, as before.
    let release = () => {};
    const held = inTransaction(deps, () => new Promise<void>((resolve) => (release = resolve)));
    wake = nextWake();
    await start();
    await wake;
    release();
    await held;
    expect({ woken, wokenHere, sentAfterCommit: wakeups.sentAfterCommit }).toEqual({
      woken: 2,
      wokenHere: 2,
      sentAfterCommit: 1,
    });
    await stop();
    await deps.bus.close();
  });

  it("keeps the order of publishes nobody waits for, and sends what is queued before it closes", async () => {
    const publisher = bus();
    const subscriber = bus();
    const channel = `run:${newId("wfr")}` as const;
    const count = 60;
    const received: number[] = [];
    const done = new Promise<void>((resolve) => {
      void subscriber.subscribe(channel, (message: BusMessage) => {
        received.push((message.event as RunEvent).seq);
        if (received.length === count) resolve();
      });
    });
    await subscriber.subscribe(channel, () => {});
    const event = (seq: number) =>
      ({ runId: "r", seq, type: "node.started", data: {}, createdAt: new Date() }) satisfies RunEvent;
    // One publish per step, as the worker does, none awaited: they queue behind the send in flight.
    for (let seq = 1; seq <= count; seq++) void publisher.publish([{ channel, event: event(seq) }]);
    await publisher.close();
    await done;
    expect(received).toEqual(Array.from({ length: count }, (_, i) => i + 1));
    await subscriber.close();
  });
});
