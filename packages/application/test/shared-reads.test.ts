import { testBackends } from "@flowgate/db/testing";
import { describe, expect, it } from "vitest";
import {
  createSession,
  createWorkflow,
  getRunsWithNodeRunsByIds,
  getSessionsByIds,
  getWorkflowsByIds,
  listSessions,
  listWorkflows,
  submitSession,
} from "../src/index.ts";
import { SharedReads } from "../src/shared-reads.ts";
import { test as applicationTest, oneCheckGraph } from "./fixtures.ts";

/** A read that records the ids of each call and answers one row per id. */
function recordingRead() {
  const calls: string[][] = [];
  const read = async (ids: readonly string[]) => {
    calls.push([...ids]);
    return ids.map((id) => ({ id }));
  };
  return { calls, read };
}

/** Resolves after the current turn of the event loop (and the reads it sent) are over. */
const nextTurn = () => new Promise((resolve) => setImmediate(resolve));

describe("SharedReads", () => {
  it("reads the ids that callers of one group ask for in one turn once, without repeats", async () => {
    const shared = new SharedReads();
    const { calls, read } = recordingRead();
    const answers = await Promise.all([
      shared.byIds("runs|ws_a|sandbox", ["r1", "r2"], read),
      shared.byIds("runs|ws_a|sandbox", ["r2", "r3"], read),
      shared.byIds("runs|ws_a|sandbox", [], read),
    ]);
    expect(calls).toEqual([["r1", "r2", "r3"]]);
    expect(answers[0]).toEqual([{ id: "r1" }, { id: "r2" }, { id: "r3" }]);
    expect(answers[1]).toBe(answers[0]);
    expect(answers[2]).toEqual([]);
  });

  it("reads each group apart: tenants never share a statement", async () => {
    const shared = new SharedReads();
    const a = recordingRead();
    const b = recordingRead();
    await Promise.all([
      shared.byIds("runs|ws_a|sandbox", ["r1"], a.read),
      shared.byIds("runs|ws_a|live", ["r1"], b.read),
    ]);
    expect(a.calls).toEqual([["r1"]]);
    expect(b.calls).toEqual([["r1"]]);
  });

  it("sends a read asked for after the turn's read was sent on its own: it is not a cache", async () => {
    const shared = new SharedReads();
    const { calls, read } = recordingRead();
    let release!: () => void;
    const slow = async (ids: readonly string[]) => {
      await new Promise<void>((resolve) => {
        release = resolve;
      });
      return read(ids);
    };
    const first = shared.byIds("g", ["r1"], slow);
    await nextTurn();
    // The first read is in flight; an equal one asked now must not join it.
    const second = shared.byIds("g", ["r1"], read);
    await second;
    expect(calls).toEqual([["r1"]]);
    release();
    await first;
    expect(calls).toEqual([["r1"], ["r1"]]);

    let runs = 0;
    const count = async () => ++runs;
    expect(await Promise.all([shared.once("k", count), shared.once("k", count)])).toEqual([1, 1]);
    expect(await shared.once("k", count)).toBe(2);
    expect(await shared.once("other", count)).toBe(3);
  });

  it("fails only the callers whose own ids fail: a failed shared read is read again per caller", async () => {
    const shared = new SharedReads();
    const calls: string[][] = [];
    const refusesBad = async (ids: readonly string[]) => {
      calls.push([...ids]);
      if (ids.includes("bad")) throw new Error("invalid input");
      return ids.map((id) => ({ id }));
    };
    const results = await Promise.allSettled([
      shared.byIds("g", ["r1"], refusesBad),
      shared.byIds("g", ["bad"], refusesBad),
      shared.byIds("g", ["r2"], refusesBad),
    ]);
    expect(results.map((r) => r.status)).toEqual(["fulfilled", "rejected", "fulfilled"]);
    expect(results[0]).toEqual({ status: "fulfilled", value: [{ id: "r1" }] });
    expect(calls).toEqual([["r1", "bad", "r2"], ["r1"], ["bad"], ["r2"]]);

    const failing = async () => {
      throw new Error("connection lost");
    };
    const outage = await Promise.allSettled([shared.once("k", failing), shared.once("k", failing)]);
    expect(outage.map((r) => r.status)).toEqual(["rejected", "rejected"]);
    const { read } = recordingRead();
    expect(await shared.byIds("g", ["r1"], read)).toEqual([{ id: "r1" }]);
  });
});

describe.each(testBackends())("reads shared by concurrent callers (%s)", (backend) => {
  applicationTest.override({ backend });

  applicationTest(
    "callers of different tenants asking in one turn each get their own records only",
    async ({ application: t }) => {
      const acme = t.acmeSandbox;
      const workflow = await createWorkflow(t.app, acme, { name: "Shared", graph: oneCheckGraph });
      const otherWorkflow = await createWorkflow(t.app, t.other, { name: "Theirs", graph: oneCheckGraph });
      const session = await createSession(t.app, acme, { workflowId: workflow.id });
      const { run } = await submitSession(t.app, acme, { sessionId: session.id });
      const ids = [workflow.id, otherWorkflow.id];
      const [mine, live, theirs, runs, otherRuns, sessions, otherSessions] = await Promise.all([
        getWorkflowsByIds(t.app, acme, ids),
        getWorkflowsByIds(t.app, t.acmeLive, ids),
        getWorkflowsByIds(t.app, t.other, ids),
        getRunsWithNodeRunsByIds(t.app, acme, [run.id]),
        getRunsWithNodeRunsByIds(t.app, t.other, [run.id]),
        getSessionsByIds(t.app, acme, [session.id]),
        getSessionsByIds(t.app, t.other, [session.id]),
      ]);
      expect(mine.map((w) => w?.id)).toEqual([workflow.id, undefined]);
      expect(live).toEqual([undefined, undefined]);
      expect(theirs.map((w) => w?.id)).toEqual([undefined, otherWorkflow.id]);
      expect(runs[0]?.run.id).toBe(run.id);
      expect(otherRuns).toEqual([undefined]);
      expect(sessions[0]?.id).toBe(session.id);
      expect(otherSessions).toEqual([undefined]);

      const [myList, theirList] = await Promise.all([
        listWorkflows(t.app, acme, { limit: 100 }),
        listWorkflows(t.app, t.other, { limit: 100 }),
      ]);
      expect(myList.map((w) => w.id)).toContain(workflow.id);
      expect(myList.map((w) => w.id)).not.toContain(otherWorkflow.id);
      expect(theirList.map((w) => w.id)).toEqual([otherWorkflow.id]);
    },
  );

  applicationTest(
    "a read asked for after a commit sees it, whatever reads are in flight",
    async ({ application: t }) => {
      const acme = t.acmeSandbox;
      for (let i = 0; i < 5; i++) {
        // Reads asked for before the write, still being answered while it commits.
        const inFlight = [
          listWorkflows(t.app, acme, { limit: 100 }),
          listSessions(t.app, acme, { limit: 100 }),
        ];
        const workflow = await createWorkflow(t.app, acme, { name: `Fresh ${i}`, graph: oneCheckGraph });
        const session = await createSession(t.app, acme, { workflowId: workflow.id });
        const [workflows, sessions, byId] = await Promise.all([
          listWorkflows(t.app, acme, { limit: 100 }),
          listSessions(t.app, acme, { limit: 100 }),
          getWorkflowsByIds(t.app, acme, [workflow.id]),
        ]);
        expect(workflows.map((w) => w.id)).toContain(workflow.id);
        expect(sessions.map((s) => s.id)).toContain(session.id);
        expect(byId[0]?.name).toBe(`Fresh ${i}`);
        await Promise.all(inFlight);
      }
    },
  );
});
