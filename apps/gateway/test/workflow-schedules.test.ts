import { createDatabase, type DatabaseHandle } from "@flowgate/db";
import { testBackends } from "@flowgate/db/testing";
import { Engine } from "@flowgate/engine";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { CREATE_WORKFLOW } from "./fixtures.ts";
import { eventually, type Harness, startHarness } from "./harness.ts";

const echoGraph = {
  entry: "start",
  nodes: [
    { id: "start", type: "start", next: "echo" },
    { id: "echo", type: "task", handler: { type: "echo" }, routes: { success: "done" } },
    { id: "done", type: "terminal", outcome: "approved" },
  ],
};

const SET_PAYLOAD_SCHEMA = /* GraphQL */ `
  mutation ($workflowId: ID!, $payloadSchema: JSON) {
    setWorkflowPayloadSchema(workflowId: $workflowId, payloadSchema: $payloadSchema) { __typename }
  }
`;

const SCHEDULE_FIELDS = /* GraphQL */ `
  id workflowId cron timezone payload catchUp status nextFireAt lastFiredAt lastError lastRun { id triggeredBy }
`;

const CREATE_SCHEDULE = /* GraphQL */ `
  mutation ($workflowId: ID!, $cron: String!, $timezone: String, $payload: JSONObject, $catchUp: ScheduleCatchUp) {
    createSchedule(workflowId: $workflowId, cron: $cron, timezone: $timezone, payload: $payload, catchUp: $catchUp) {
      __typename
      ... on Schedule { ${SCHEDULE_FIELDS} }
      ... on ValidationError { message issues { path message } }
      ... on NotFoundError { resource missingId: id }
    }
  }
`;

const SCHEDULE = /* GraphQL */ `
  query ($id: ID!) { schedule(id: $id) { ${SCHEDULE_FIELDS} } }
`;

const RUNS_BY = /* GraphQL */ `
  query ($triggeredBy: String!) {
    runs(filter: { triggeredBy: $triggeredBy }, first: 100) {
      edges { node { id triggeredBy triggerSource triggerPayload schedule { id } inboundTrigger { id } } }
    }
  }
`;

describe.each(testBackends())("workflow schedules (%s)", (backend) => {
  let h: Harness;
  let key: string;
  let workflowId: string;
  /** The fake clock shared by the application and every worker's schedule runner. */
  let now = new Date("2026-12-01T07:58:30.000Z");
  const clock = () => now;
  /** Two more worker processes' engines on the same database (their own connection pools on PostgreSQL). */
  const workers: { engine: Engine; handle: DatabaseHandle | null }[] = [];

  async function createSchedule(variables: Record<string, unknown>) {
    const response = await h.gql(key, CREATE_SCHEDULE, { workflowId, ...variables });
    expect(response.errors, JSON.stringify(response.errors)).toBeUndefined();
    return response.data.createSchedule;
  }

  async function schedule(id: string) {
    const response = await h.gql(key, SCHEDULE, { id });
    return response.data.schedule;
  }

  async function runsOf(scheduleId: string) {
    const response = await h.gql(key, RUNS_BY, { triggeredBy: scheduleId });
    expect(response.errors, JSON.stringify(response.errors)).toBeUndefined();
    return response.data.runs.edges.map((edge: any) => edge.node);
  }

  /** Moves the clock and waits until the workers fired every schedule that was due. */
  async function advanceTo(iso: string, ids: string[]) {
    now = new Date(iso);
    for (const id of ids) {
      await eventually(async () => {
        const current = await schedule(id);
        return current.status !== "active" || new Date(current.nextFireAt).getTime() > now.getTime();
      });
    }
  }

  function startWorker(): Engine {
    const handle =
      h.database.backend === "postgres" && h.database.url
        ? createDatabase({ url: h.database.url, schema: h.database.schema, poolSize: 4 })
        : null;
    const engine = new Engine({
      db: handle?.db ?? h.database.db,
      worker: { pollIntervalMs: 20, concurrency: 2 },
      schedules: { clock, pollIntervalMs: 20 },
      webhooks: false,
      analyticsCompactionMs: 0,
    });
    workers.push({ engine, handle });
    return engine;
  }

  beforeAll(async () => {
    h = await startHarness(backend, { clock });
    key = h.acme.keys.sandbox;
    const created = await h.gql(key, CREATE_WORKFLOW, { name: "Nightly", graph: echoGraph });
    workflowId = created.data.createWorkflow.id;
    const schema = await h.gql(key, SET_PAYLOAD_SCHEMA, {
      workflowId,
      payloadSchema: {
        type: "object",
        required: ["report"],
        properties: { report: { type: "string", minLength: 2 } },
      },
    });
    expect(schema.data.setWorkflowPayloadSchema.__typename).toBe("Workflow");
    for (let i = 0; i < 2; i++) await startWorker().start();
  });

  afterAll(async () => {
    for (const worker of workers) {
      await worker.engine.stop();
      await worker.handle?.close();
    }
    await h?.close();
  });

  it("refuses a bad expression, zone or payload with ValidationErrors naming the field", async () => {
    const badCron = await createSchedule({ cron: "0 25 * * *", payload: { report: "daily" } });
    expect(badCron.__typename).toBe("ValidationError");
    expect(badCron.issues).toEqual([{ path: ["cron"], message: expect.stringContaining("hour") }]);
    const sixFields = await createSchedule({ cron: "0 0 9 * * *", payload: { report: "daily" } });
    expect(sixFields.issues[0].path).toEqual(["cron"]);
    const badZone = await createSchedule({
      cron: "0 9 * * *",
      timezone: "Mars/Olympus",
      payload: { report: "x1" },
    });
    expect(badZone.__typename).toBe("ValidationError");
    expect(badZone.issues).toEqual([{ path: ["timezone"], message: expect.stringContaining("IANA") }]);
    const badPayload = await createSchedule({ cron: "0 9 * * *", payload: { report: 7 } });
    expect(badPayload.__typename).toBe("ValidationError");
    expect(badPayload.issues.map((issue: any) => issue.path)).toEqual([["payload", "report"]]);
    const missing = await createSchedule({ cron: "0 9 * * *" });
    expect(missing.issues.map((issue: any) => issue.path)).toEqual([["payload", "report"]]);
    const never = await createSchedule({ cron: "0 0 30 2 *", payload: { report: "xx" } });
    expect(never.issues).toEqual([{ path: ["cron"], message: expect.stringContaining("never fires") }]);
    // Another workspace's workflow is not found; its schedules are not visible.
    const foreign = await h.gql(h.other.keys.sandbox, CREATE_SCHEDULE, {
      workflowId,
      cron: "0 9 * * *",
      payload: { report: "xx" },
    });
    expect(foreign.data.createSchedule).toMatchObject({ __typename: "NotFoundError", resource: "Workflow" });
  });

  it("fires each time exactly once across three workers, in the schedule's time zone", async () => {
    const berlin = await createSchedule({
      cron: "0 9 * * *",
      timezone: "Europe/Berlin",
      payload: { report: "daily" },
    });
    expect(berlin).toMatchObject({
      __typename: "Schedule",
      status: "active",
      catchUp: "SKIP",
      // 09:00 in Berlin (CET, UTC+1) is 08:00 UTC.
      nextFireAt: "2026-12-01T08:00:00.000Z",
    });
    const everyFive = await createSchedule({
      cron: "*/5 * * * *",
      payload: { report: "often" },
      catchUp: "RUN_ONCE",
    });
    expect(everyFive.nextFireAt).toBe("2026-12-01T08:00:00.000Z");
    const ids = [berlin.id, everyFive.id];
    // Minute by minute through 30 minutes, three workers polling every 20-100 ms, and in each minute
    // every worker's runner also called at once: every time fires once.
    for (let minute = 0; minute <= 30; minute++) {
      const at = new Date(Date.parse("2026-12-01T08:00:10.000Z") + minute * 60_000);
      now = at;
      await Promise.all(workers.map((worker) => worker.engine.scheduleRunner?.fireDue()));
      await advanceTo(at.toISOString(), ids);
    }
    const berlinRuns = await runsOf(berlin.id);
    expect(berlinRuns).toHaveLength(1);
    expect(berlinRuns[0]).toMatchObject({
      triggeredBy: berlin.id,
      triggerSource: "schedule",
      triggerPayload: { report: "daily" },
      schedule: { id: berlin.id },
      inboundTrigger: null,
    });
    const fiveRuns = await runsOf(everyFive.id);
    // 08:00, 08:05, …, 08:30.
    expect(fiveRuns).toHaveLength(7);
    const fires = await h.database.db
      .selectFrom("schedule_fires")
      .select(["fire_at", "run_id", "missed"])
      .where("schedule_id", "=", everyFive.id)
      .orderBy("fire_at")
      .execute();
    expect(fires.map((fire) => fire.fire_at.toISOString())).toEqual(
      Array.from({ length: 7 }, (_, i) =>
        new Date(Date.parse("2026-12-01T08:00:00Z") + i * 300_000).toISOString(),
      ),
    );
    expect(new Set(fires.map((fire) => fire.run_id)).size).toBe(7);
    expect(fires.every((fire) => fire.missed === 0)).toBe(true);
    const after = await schedule(berlin.id);
    expect(after).toMatchObject({
      lastFiredAt: "2026-12-01T08:00:00.000Z",
      nextFireAt: "2026-12-02T08:00:00.000Z",
      lastError: null,
      lastRun: { id: berlinRuns[0].id, triggeredBy: berlin.id },
    });
    await h.gql(key, `mutation ($id: ID!) { deleteSchedule(id: $id) { __typename } }`, { id: berlin.id });
    await h.gql(key, `mutation ($id: ID!) { deleteSchedule(id: $id) { __typename } }`, { id: everyFive.id });
  });

  it("after every worker was down: SKIP leaves the missed times out, RUN_ONCE starts one run for them", async () => {
    now = new Date("2026-12-02T10:00:30.000Z");
    const skip = await createSchedule({ cron: "*/5 * * * *", payload: { report: "skip" }, catchUp: "SKIP" });
    const once = await createSchedule({
      cron: "*/5 * * * *",
      payload: { report: "once" },
      catchUp: "RUN_ONCE",
    });
    expect(skip.nextFireAt).toBe("2026-12-02T10:05:00.000Z");
    // Every worker stops (a deploy, a crash); 2 hours and 3 minutes pass.
    await h.engine.stop();
    for (const worker of workers) await worker.engine.stop();
    now = new Date("2026-12-02T12:08:00.000Z");
    // The workers come back (new processes: new engines on the same database).
    const restarted = [startWorker(), startWorker()];
    await Promise.all([
      ...restarted.map((engine) => engine.scheduleRunner?.fireDue()),
      ...restarted.map((engine) => engine.start()),
    ]);
    await advanceTo(now.toISOString(), [skip.id, once.id]);
    expect(await runsOf(skip.id)).toHaveLength(0);
    const onceRuns = await runsOf(once.id);
    expect(onceRuns).toHaveLength(1);
    const [fire] = await h.database.db
      .selectFrom("schedule_fires")
      .select(["fire_at", "missed"])
      .where("schedule_id", "=", once.id)
      .execute();
    // One run for 10:05 … 12:05 (25 times), keyed by the latest of them.
    expect(fire).toMatchObject({ fire_at: new Date("2026-12-02T12:05:00.000Z"), missed: 24 });
    expect(await schedule(skip.id)).toMatchObject({
      nextFireAt: "2026-12-02T12:10:00.000Z",
      lastFiredAt: null,
    });
    expect(await schedule(once.id)).toMatchObject({
      nextFireAt: "2026-12-02T12:10:00.000Z",
      lastFiredAt: "2026-12-02T12:05:00.000Z",
    });
    // Back on time: the next time fires under either policy, once.
    await advanceTo("2026-12-02T12:10:20.000Z", [skip.id, once.id]);
    expect(await runsOf(skip.id)).toHaveLength(1);
    expect(await runsOf(once.id)).toHaveLength(2);
  });

  it("pauses, resumes, updates and deletes; another workspace sees none of it", async () => {
    now = new Date("2026-12-03T06:00:00.000Z");
    const created = await createSchedule({ cron: "30 6 * * *", payload: { report: "morning" } });
    const pause = await h.gql(
      key,
      `mutation ($id: ID!) { pauseSchedule(id: $id) { __typename ... on Schedule { status nextFireAt } } }`,
      {
        id: created.id,
      },
    );
    expect(pause.data.pauseSchedule).toEqual({ __typename: "Schedule", status: "paused", nextFireAt: null });
    // Paused through its time: nothing fires, and resuming does not catch up.
    now = new Date("2026-12-03T07:00:00.000Z");
    await Promise.all(workers.map((worker) => worker.engine.scheduleRunner?.fireDue()));
    const resume = await h.gql(
      key,
      `mutation ($id: ID!) { resumeSchedule(id: $id) { ... on Schedule { status nextFireAt } } }`,
      {
        id: created.id,
      },
    );
    expect(resume.data.resumeSchedule).toEqual({ status: "active", nextFireAt: "2026-12-04T06:30:00.000Z" });
    expect(await runsOf(created.id)).toHaveLength(0);
    const UPDATE = /* GraphQL */ `
      mutation ($id: ID!, $cron: String, $timezone: String, $payload: JSONObject) {
        updateSchedule(id: $id, cron: $cron, timezone: $timezone, payload: $payload) {
          __typename
          ... on Schedule { cron timezone payload nextFireAt }
          ... on ValidationError { issues { path message } }
        }
      }
    `;
    const bad = await h.gql(key, UPDATE, {
      id: created.id,
      timezone: "Nowhere/Land",
      payload: { report: 1 },
    });
    expect(bad.data.updateSchedule.issues.map((issue: any) => issue.path)).toEqual([
      ["timezone"],
      ["payload", "report"],
    ]);
    const updated = await h.gql(key, UPDATE, {
      id: created.id,
      cron: "0 8 * * *",
      timezone: "America/New_York",
    });
    expect(updated.data.updateSchedule).toMatchObject({
      cron: "0 8 * * *",
      timezone: "America/New_York",
      payload: { report: "morning" },
      // 08:00 in New York (EST, UTC-5) is 13:00 UTC.
      nextFireAt: "2026-12-03T13:00:00.000Z",
    });
    const listed = await h.gql(
      key,
      `query ($id: ID!) { workflow(id: $id) { schedules { id } } schedules(workflowId: $id) { id } }`,
      {
        id: workflowId,
      },
    );
    expect(listed.data.workflow.schedules.map((s: any) => s.id)).toContain(created.id);
    expect(listed.data.schedules.map((s: any) => s.id)).toContain(created.id);
    const node = await h.gql(
      key,
      `query ($id: ID!) { node(id: $id) { __typename ... on Schedule { cron } } }`,
      {
        id: created.id,
      },
    );
    expect(node.data.node).toEqual({ __typename: "Schedule", cron: "0 8 * * *" });
    const otherKey = h.other.keys.sandbox;
    expect((await h.gql(otherKey, SCHEDULE, { id: created.id })).data.schedule).toBeNull();
    expect((await h.gql(otherKey, `{ schedules { id } }`)).data.schedules).toEqual([]);
    const foreignPause = await h.gql(
      otherKey,
      `mutation ($id: ID!) { pauseSchedule(id: $id) { __typename ... on NotFoundError { resource } } }`,
      {
        id: created.id,
      },
    );
    expect(foreignPause.data.pauseSchedule).toEqual({ __typename: "NotFoundError", resource: "Schedule" });
    const liveKey = await h.gql(h.acme.keys.live, CREATE_SCHEDULE, { workflowId, cron: "0 9 * * *" });
    expect(liveKey.data.createSchedule).toMatchObject({ __typename: "NotFoundError" });
    const deleted = await h.gql(
      key,
      `mutation ($id: ID!) { deleteSchedule(id: $id) { ... on Schedule { id } } }`,
      {
        id: created.id,
      },
    );
    expect(deleted.data.deleteSchedule.id).toBe(created.id);
    expect(await schedule(created.id)).toBeNull();
  });
});
