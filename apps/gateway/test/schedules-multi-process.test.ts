import { sql } from "kysely";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { CREATE_WORKFLOW } from "./fixtures.ts";
import { eventually, type Harness, startHarness } from "./harness.ts";
import { type FlowgateProcess, startFlowgateProcess } from "./processes.ts";

const echoGraph = {
  entry: "start",
  nodes: [
    { id: "start", type: "start", next: "echo" },
    { id: "echo", type: "task", handler: { type: "echo" }, routes: { success: "done" } },
    { id: "done", type: "terminal", outcome: "approved" },
  ],
};

const CREATE_SCHEDULE = /* GraphQL */ `
  mutation ($workflowId: ID!, $payload: JSONObject) {
    createSchedule(workflowId: $workflowId, cron: "0 0 1 1 *", payload: $payload) {
      __typename
      ... on Schedule { id }
    }
  }
`;

/**
 * Schedules fired by two worker processes on one PostgreSQL (the harness's own worker stopped): twenty
 * schedules made due at the same instant race between them, then again after one worker process was
 * killed and another started. The real clock runs; the schedules are yearly (so none comes due by itself
 * during the test), and the test makes them due by moving their `next_fire_at` back, as a time passing
 * would.
 */
describe.skipIf(!process.env.DATABASE_URL)("schedules across worker processes", () => {
  let h: Harness;
  const processes: FlowgateProcess[] = [];
  let env: Record<string, string>;
  const scheduleIds: string[] = [];

  beforeAll(async () => {
    h = await startHarness("postgres");
    env = {
      DATABASE_URL: h.database.url!,
      FLOWGATE_DB_SCHEMA: h.database.schema!,
      FLOWGATE_POLL_INTERVAL_MS: "20",
      FLOWGATE_SEED_DEMO: "false",
    };
    await Promise.all(
      [0, 1].map(async (index) => {
        processes[index] = await startFlowgateProcess("worker", env);
      }),
    );
    const key = h.acme.keys.sandbox;
    const workflowId = (await h.gql(key, CREATE_WORKFLOW, { name: "Yearly", graph: echoGraph })).data
      .createWorkflow.id;
    for (let i = 0; i < 20; i++) {
      const created = await h.gql(key, CREATE_SCHEDULE, { workflowId, payload: { i } });
      expect(created.data.createSchedule.__typename).toBe("Schedule");
      scheduleIds.push(created.data.createSchedule.id);
    }
    // Only the worker processes fire from here on.
    await h.engine.stop();
  }, 180_000);

  afterAll(async () => {
    await Promise.all(processes.map((p) => p?.stop()));
    await h?.close();
  });

  /** Makes every schedule due now, waits until each was fired, and answers the runs per schedule. */
  async function fireAllOnce(): Promise<Map<string, number>> {
    await h.database.db
      .updateTable("workflow_schedules")
      .set({ next_fire_at: sql`now() - interval '1 second'` })
      .where("id", "in", scheduleIds)
      .execute();
    await eventually(async () => {
      const row = await h.database.db
        .selectFrom("workflow_schedules")
        .select((eb) => eb.fn.countAll<string>().as("due"))
        .where("id", "in", scheduleIds)
        .where("next_fire_at", "<=", sql<Date>`now()`)
        .executeTakeFirstOrThrow();
      return Number(row.due) === 0;
    }, 30_000);
    const runs = await h.database.db
      .selectFrom("runs")
      .select(["triggered_by", (eb) => eb.fn.countAll<string>().as("runs")])
      .where("triggered_by", "in", scheduleIds)
      .groupBy("triggered_by")
      .execute();
    return new Map(runs.map((row) => [row.triggered_by ?? "", Number(row.runs)]));
  }

  async function firesPerSchedule(): Promise<number[]> {
    const rows = await h.database.db
      .selectFrom("schedule_fires")
      .select(["schedule_id", (eb) => eb.fn.countAll<string>().as("fires")])
      .where("schedule_id", "in", scheduleIds)
      .groupBy("schedule_id")
      .execute();
    return rows.map((row) => Number(row.fires));
  }

  it("fires each due time exactly once, also after a worker process is killed and another starts", async () => {
    const first = await fireAllOnce();
    expect([...first.values()]).toEqual(Array(20).fill(1));
    expect(first.size).toBe(20);
    expect(await firesPerSchedule()).toEqual(Array(20).fill(1));

    // One worker process dies without draining; a new one starts.
    await processes[0]!.stop("SIGKILL");
    processes[0] = await startFlowgateProcess("worker", env);
    const second = await fireAllOnce();
    expect([...second.values()]).toEqual(Array(20).fill(2));
    expect(await firesPerSchedule()).toEqual(Array(20).fill(2));
  }, 120_000);
});
