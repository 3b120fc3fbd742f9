import { assessSessionRisk, newId, type Tenant } from "@flowgate/domain";
import type { KyselyPlugin } from "kysely";
import { test as baseTest, describe, expect } from "vitest";
import {
  type CheckAttemptRecord,
  type Executor,
  findRiskAssessmentsOfRuns,
  insertOrganization,
  insertRun,
  insertSession,
  insertWorkflow,
  insertWorkspace,
  listRiskInputsOfRun,
  recordCheckAttempt,
  recordCheckAttempts,
  updateSessionStatusReturning,
  updateSessionStatusStoringRisk,
} from "../src/index.ts";
import { type TestDatabase, testBackends, withDatabase } from "../src/testing/index.ts";

const graph = {
  entry: "start",
  nodes: [
    { id: "start", type: "start" as const, next: "done" },
    { id: "done", type: "terminal" as const, outcome: "approved" },
  ],
};

/** A workspace's sandbox with a workflow, a session and a run of it. */
async function seedRun(t: TestDatabase) {
  const tenant: Tenant = { workspaceId: newId("ws"), environment: "sandbox" };
  const organizationId = newId("org");
  await insertOrganization(t.db, { id: organizationId, name: "Acme" });
  await insertWorkspace(t.db, { id: tenant.workspaceId, organizationId, name: "KYC" });
  const workflowId = newId("wfl");
  await insertWorkflow(t.db, tenant, {
    id: workflowId,
    name: "w",
    description: null,
    metadata: {},
    currentVersion: 1,
  });
  const newRun = async () => {
    const session = await insertSession(t.db, tenant, {
      id: newId("ses"),
      workflowId,
      referenceId: null,
      metadata: {},
      sandbox: null,
    });
    return insertRun(t.db, tenant, {
      id: newId("wfr"),
      sessionId: session.id,
      workflowId,
      workflowVersion: 1,
      graphSnapshot: graph,
      triggerPayload: {},
      triggeredBy: null,
    });
  };
  return { tenant, run: await newRun(), other: await newRun() };
}

type Seeded = Awaited<ReturnType<typeof seedRun>>;

/** An attempt of `nodeId`'s check in `run`, keyed by `seq`, ended with `outcome` unless `outcome` is null. */
function attempt(
  run: Seeded["run"],
  nodeId: string,
  seq: number,
  outcome: "pass" | "fail" | "retrying" | null,
): CheckAttemptRecord {
  const start = {
    sessionId: run.sessionId!,
    runId: run.id,
    nodeId,
    policy: `policy_${nodeId}`,
    startedSeq: seq,
    startedAt: new Date(Date.UTC(2026, 0, 1, 0, 0, seq)),
  };
  if (outcome === null) return { start };
  return {
    start,
    end: {
      outcome: outcome === "retrying" ? "error" : outcome,
      error: outcome === "retrying" ? "timeout" : null,
      providerReference: `ref_${nodeId}_${seq}`,
      output: { nodeId, seq },
      completedAt: new Date(Date.UTC(2026, 0, 1, 0, 1, seq)),
      checkStatus: outcome === "retrying" ? "retrying" : outcome === "pass" ? "passed" : "failed",
    },
  };
}

async function checksOf(db: Executor, runId: string) {
  return db
    .selectFrom("session_checks")
    .select(["id", "node_id", "policy", "status", "result", "output", "error", "created_at", "updated_at"])
    .where("run_id", "=", runId)
    .orderBy("created_at")
    .orderBy("id")
    .execute();
}

async function attemptsOf(db: Executor, runId: string) {
  return db
    .selectFrom("session_check_attempts")
    .innerJoin("session_checks", "session_checks.id", "session_check_attempts.check_id")
    .select([
      "session_checks.node_id",
      "session_check_attempts.number",
      "session_check_attempts.started_seq",
      "session_check_attempts.started_at",
      "session_check_attempts.completed_at",
      "session_check_attempts.outcome",
      "session_check_attempts.error",
      "session_check_attempts.provider_reference",
      "session_check_attempts.output",
    ])
    .where("session_checks.run_id", "=", runId)
    .orderBy("session_checks.node_id")
    .orderBy("session_check_attempts.number")
    .execute();
}

/** `db` with a count of the statements sent through it. */
function counted(db: TestDatabase["db"]) {
  const statements: string[] = [];
  const plugin: KyselyPlugin = {
    transformQuery: ({ node }) => {
      statements.push(node.kind);
      return node;
    },
    transformResult: async ({ result }) => result,
  };
  return { db: db.withPlugin(plugin), statements };
}

const test = withDatabase(baseTest).extend("seeded", async ({ database }) => seedRun(database));

describe.each(testBackends())("session checks (%s)", (backend) => {
  test.override({ backend });

  test("records several checks' ended attempts in one statement, as one call each would", async ({
    database: t,
    seeded,
  }) => {
    const { tenant, run, other } = seeded;
    const batch = [attempt(run, "doc", 3, "pass"), attempt(run, "aml", 5, "fail")];
    const { db, statements } = counted(t.db);
    await recordCheckAttempts(db, tenant, batch);
    expect(statements).toHaveLength(1);
    // The same attempts one call each, for the other run.
    for (const { start, end } of [attempt(other, "doc", 3, "pass"), attempt(other, "aml", 5, "fail")]) {
      await recordCheckAttempt(t.db, tenant, start, end);
    }
    const strip = <T extends { id: string; created_at: Date }>(rows: T[]) =>
      rows.map(({ id: _id, created_at: _created, ...row }) => row);
    const checks = await checksOf(t.db, run.id);
    expect(strip(checks)).toEqual(strip(await checksOf(t.db, other.id)));
    expect(checks.map((c) => [c.node_id, c.status, c.result, c.output, c.updated_at])).toEqual([
      ["doc", "passed", "pass", { nodeId: "doc", seq: 3 }, batch[0]!.end!.completedAt],
      ["aml", "failed", "fail", { nodeId: "aml", seq: 5 }, batch[1]!.end!.completedAt],
    ]);
    const attempts = await attemptsOf(t.db, run.id);
    expect(attempts).toEqual(await attemptsOf(t.db, other.id));
    expect(attempts).toEqual([
      {
        node_id: "aml",
        number: 1,
        started_seq: 5,
        started_at: batch[1]!.start.startedAt,
        completed_at: batch[1]!.end!.completedAt,
        outcome: "fail",
        error: null,
        provider_reference: "ref_aml_5",
        output: { nodeId: "aml", seq: 5 },
      },
      {
        node_id: "doc",
        number: 1,
        started_seq: 3,
        started_at: batch[0]!.start.startedAt,
        completed_at: batch[0]!.end!.completedAt,
        outcome: "pass",
        error: null,
        provider_reference: "ref_doc_3",
        output: { nodeId: "doc", seq: 3 },
      },
    ]);
  });

  test("a node repeated in the batch, or a start among ends, goes to a next statement: attempts are numbered in order", async ({
    database: t,
    seeded,
  }) => {
    const { tenant, run } = seeded;
    const { db, statements } = counted(t.db);
    await recordCheckAttempts(db, tenant, [
      attempt(run, "doc", 3, "retrying"),
      attempt(run, "aml", 4, "pass"),
      attempt(run, "doc", 6, "pass"),
      attempt(run, "kyb", 8, null),
    ]);
    expect(statements).toHaveLength(3);
    expect((await checksOf(t.db, run.id)).map((c) => [c.node_id, c.status, c.result, c.error])).toEqual([
      ["doc", "passed", "pass", null],
      ["aml", "passed", "pass", null],
      ["kyb", "running", null, null],
    ]);
    expect(
      (await attemptsOf(t.db, run.id)).map((a) => [a.node_id, a.number, a.started_seq, a.outcome]),
    ).toEqual([
      ["aml", 1, 4, "pass"],
      ["doc", 1, 3, "error"],
      ["doc", 2, 6, "pass"],
      ["kyb", 1, 8, null],
    ]);
    // The same attempt again (a re-executed step) adds nothing; the check takes its values again.
    await recordCheckAttempts(t.db, tenant, [attempt(run, "doc", 6, "pass")]);
    expect((await attemptsOf(t.db, run.id)).filter((a) => a.node_id === "doc")).toHaveLength(2);
  });

  test("returns the run's risk inputs with the write: stored checks merged with the fresh ones, in start order", async ({
    database: t,
    seeded,
  }) => {
    const { tenant, run, other } = seeded;
    // An earlier commit: aml started (its provider answers later), doc failed once and is retried.
    await t.db.transaction().execute(async (trx) => {
      await recordCheckAttempts(trx, tenant, [
        attempt(run, "doc", 2, "retrying"),
        attempt(run, "aml", 3, null),
      ]);
      await recordCheckAttempts(trx, tenant, [attempt(other, "doc", 2, "pass")]);
    });
    const inputs = await t.db.transaction().execute(async (trx) => {
      const { db, statements } = counted(trx as unknown as TestDatabase["db"]);
      const read = await recordCheckAttempts(
        db,
        tenant,
        [attempt(run, "doc", 7, "pass"), attempt(run, "kyb", 9, "fail")],
        {
          riskInputsOf: run.id,
        },
      );
      expect(statements).toHaveLength(1);
      // What a read after the write returns.
      expect(read).toEqual(await listRiskInputsOfRun(trx, run.id));
      return read;
    });
    const checks = await checksOf(t.db, run.id);
    expect(inputs).toEqual([
      {
        id: checks[0]!.id,
        nodeId: "doc",
        policy: "policy_doc",
        result: "pass",
        output: { nodeId: "doc", seq: 7 },
        attempts: 2,
      },
      { id: checks[1]!.id, nodeId: "aml", policy: "policy_aml", result: null, output: null, attempts: 1 },
      {
        id: checks[2]!.id,
        nodeId: "kyb",
        policy: "policy_kyb",
        result: "fail",
        output: { nodeId: "kyb", seq: 9 },
        attempts: 1,
      },
    ]);
    // An attempt written again (no new row) counts as stored; without attempts, the inputs are read.
    expect(
      await recordCheckAttempts(t.db, tenant, [attempt(run, "kyb", 9, "fail")], { riskInputsOf: run.id }),
    ).toEqual(inputs);
    expect(await recordCheckAttempts(t.db, tenant, [], { riskInputsOf: run.id })).toEqual(inputs);
  });

  test("stores the risk assessment and updates the session in one statement, returning the session", async ({
    database: t,
    seeded,
  }) => {
    const { tenant, run, other } = seeded;
    await recordCheckAttempts(t.db, tenant, [attempt(run, "doc", 2, "fail")]);
    const assessment = assessSessionRisk(await listRiskInputsOfRun(t.db, run.id));
    const completedAt = new Date(Date.UTC(2026, 0, 2));
    const change = { status: "completed", result: "rejected", completedAt } as const;
    const { db, statements } = counted(t.db);
    const updated = await updateSessionStatusStoringRisk(db, run.sessionId!, change, {
      run: { ...run, sessionId: run.sessionId! },
      assessment,
    });
    expect(statements).toHaveLength(1);
    expect(updated?.session).toMatchObject({
      id: run.sessionId,
      status: "completed",
      result: "rejected",
      completedAt,
    });
    expect(updated?.hasEnabledWebhookEndpoint).toBe(false);
    // The same as the update alone returns.
    const alone = await updateSessionStatusReturning(t.db, other.sessionId!, change);
    expect(alone?.session).toMatchObject({ status: "completed", result: "rejected", completedAt });
    const [stored] = await findRiskAssessmentsOfRuns(t.db, tenant, [run.id]);
    expect(stored).toMatchObject({
      sessionId: run.sessionId,
      runId: run.id,
      rulesVersion: assessment.rulesVersion,
      score: assessment.score,
      level: assessment.level,
      signals: assessment.signals,
    });
    // Assessed again with the same rules: replaced, not added.
    await updateSessionStatusStoringRisk(t.db, run.sessionId!, change, {
      run: { ...run, sessionId: run.sessionId! },
      assessment: { ...assessment, score: 0, level: "low", signals: [] },
    });
    const rows = await t.db
      .selectFrom("session_risk_assessments")
      .selectAll()
      .where("run_id", "=", run.id)
      .execute();
    expect(rows).toHaveLength(1);
    expect(rows[0]).toMatchObject({ id: stored!.id, score: 0, level: "low", signals: [] });
  });
});
