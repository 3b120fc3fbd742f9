import type {
  RiskAssessmentResult,
  RiskCheckInput,
  RiskSignal,
  SessionCheck,
  SessionCheckAttempt,
  SessionCheckStatus,
  SessionRiskAssessment,
  Tenant,
} from "@flowgate/domain";
import { newId } from "@flowgate/domain";
import { type Selectable, sql } from "kysely";
import type { Executor } from "../database.ts";
import type { SessionCheckAttemptsTable, SessionChecksTable } from "../tables/session-checks.table.ts";
import { inTenant } from "./tenant-filter.ts";

/** Where and when a check's attempt starts: the check is one per run and policy node. */
export interface CheckAttemptStart {
  sessionId: string;
  runId: string;
  nodeId: string;
  policy: string;
  /** The seq of the attempt's `node.started`, which keys the attempt. */
  startedSeq: number;
  startedAt: Date;
}

/** How a check's attempt ended, and the check's status after it (`retrying` when the engine tries again). */
export interface CheckAttemptEnd {
  outcome: string;
  error: string | null;
  providerReference: string | null;
  output: Record<string, unknown> | null;
  completedAt: Date;
  checkStatus: SessionCheckStatus;
}

/**
 * Records a check's attempt in one statement, in the transaction that commits its `node.started`: the
 * check is created or updated, and an attempt keyed by `startedSeq` is added with the next number. Without
 * `end` the attempt starts (the check is set running; {@link endCheckAttempt} ends it in a later commit);
 * with `end` it started and ended in this commit (a check whose provider answered at once, executed inline),
 * and the check takes the attempt's outcome.
 */
export async function recordCheckAttempt(
  db: Executor,
  tenant: Tenant,
  start: CheckAttemptStart,
  end?: CheckAttemptEnd,
): Promise<void> {
  const output = end?.output ? JSON.stringify(end.output) : null;
  const checkChange = end
    ? {
        status: end.checkStatus,
        result: end.checkStatus === "retrying" ? null : end.outcome,
        output,
        error: end.error,
        updated_at: end.completedAt,
      }
    : { status: "running" as const };
  const endColumns = ["completed_at", "outcome", "error", "provider_reference", "output"] as const;
  await db
    .with("check_row", (qc) =>
      qc
        .insertInto("session_checks")
        .values({
          id: newId("chk"),
          workspace_id: tenant.workspaceId,
          environment: tenant.environment,
          session_id: start.sessionId,
          run_id: start.runId,
          node_id: start.nodeId,
          policy: start.policy,
          ...checkChange,
        })
        .onConflict((oc) =>
          oc
            .columns(["run_id", "node_id"])
            .doUpdateSet(end ? checkChange : { ...checkChange, updated_at: new Date() }),
        )
        .returning("id"),
    )
    .insertInto("session_check_attempts")
    .columns(["id", "check_id", "number", "started_seq", "started_at", ...(end ? endColumns : [])])
    .expression((eb) =>
      eb
        .selectFrom("check_row")
        .select((s) => [
          sql<string>`${newId("att")}`.as("id"),
          s.ref("check_row.id").as("check_id"),
          sql<number>`(select count(*) + 1 from session_check_attempts where check_id = check_row.id)`.as(
            "number",
          ),
          sql<number>`${start.startedSeq}::int`.as("started_seq"),
          sql<Date>`${start.startedAt}::timestamptz`.as("started_at"),
          ...(end
            ? [
                sql<Date>`${end.completedAt}::timestamptz`.as("completed_at"),
                sql<string>`${end.outcome}::text`.as("outcome"),
                sql<string | null>`${end.error}::text`.as("error"),
                sql<string | null>`${end.providerReference}::text`.as("provider_reference"),
                sql<string | null>`${output}::jsonb`.as("output"),
              ]
            : []),
        ]),
    )
    .onConflict((oc) => oc.columns(["check_id", "started_seq"]).doNothing())
    .execute();
}

/**
 * Records the end of the attempt that `startedSeq` began, and the check's new status (`retrying` when the
 * engine will try again).
 */
export async function endCheckAttempt(
  db: Executor,
  end: CheckAttemptEnd & { runId: string; nodeId: string; startedSeq: number },
): Promise<void> {
  // One statement: the check's status, then its attempt through the check's id.
  const output = end.output ? JSON.stringify(end.output) : null;
  await db
    .with("check_row", (qc) =>
      qc
        .updateTable("session_checks")
        .set({
          status: end.checkStatus,
          result: end.checkStatus === "retrying" ? null : end.outcome,
          output,
          error: end.error,
          updated_at: end.completedAt,
        })
        .where("run_id", "=", end.runId)
        .where("node_id", "=", end.nodeId)
        .returning("id"),
    )
    .updateTable("session_check_attempts")
    .from("check_row")
    .set({
      completed_at: end.completedAt,
      outcome: end.outcome,
      error: end.error,
      provider_reference: end.providerReference,
      output,
    })
    .whereRef("session_check_attempts.check_id", "=", "check_row.id")
    .where("session_check_attempts.started_seq", "=", end.startedSeq)
    .execute();
}

/** A check of the tenant by id, optionally locked. */
export async function findSessionCheck(
  db: Executor,
  tenant: Tenant,
  id: string,
  options: { forUpdate?: boolean } = {},
): Promise<SessionCheck | undefined> {
  let query = db.selectFrom("session_checks").selectAll().where("id", "=", id).where(inTenant(tenant));
  if (options.forUpdate) query = query.forUpdate();
  const row = await query.executeTakeFirst();
  return row ? toSessionCheck(row) : undefined;
}

/** The checks of these runs of the tenant, in the order they first started. */
export async function listChecksOfRuns(
  db: Executor,
  tenant: Tenant,
  runIds: readonly string[],
): Promise<SessionCheck[]> {
  if (runIds.length === 0) return [];
  const rows = await db
    .selectFrom("session_checks")
    .selectAll()
    .where("run_id", "in", runIds)
    .where(inTenant(tenant))
    .orderBy("created_at")
    .orderBy("id")
    .execute();
  return rows.map(toSessionCheck);
}

/** The attempts of these checks of the tenant, by number. */
export async function listAttemptsOfChecks(
  db: Executor,
  tenant: Tenant,
  checkIds: readonly string[],
): Promise<SessionCheckAttempt[]> {
  if (checkIds.length === 0) return [];
  const rows = await db
    .selectFrom("session_check_attempts")
    .innerJoin("session_checks", "session_checks.id", "session_check_attempts.check_id")
    .selectAll("session_check_attempts")
    .where("check_id", "in", checkIds)
    .where(inTenant(tenant))
    .orderBy("check_id")
    .orderBy("number")
    .execute();
  return rows.map(toAttempt);
}

function toSessionCheck(row: Selectable<SessionChecksTable>): SessionCheck {
  return {
    id: row.id,
    workspaceId: row.workspace_id,
    environment: row.environment,
    sessionId: row.session_id,
    runId: row.run_id,
    nodeId: row.node_id,
    policy: row.policy,
    status: row.status as SessionCheckStatus,
    result: row.result,
    output: row.output,
    error: row.error,
    createdAt: row.created_at,
    updatedAt: row.updated_at,
  };
}

function toAttempt(row: Selectable<SessionCheckAttemptsTable>): SessionCheckAttempt {
  return {
    id: row.id,
    checkId: row.check_id,
    number: row.number,
    startedAt: row.started_at,
    completedAt: row.completed_at,
    outcome: row.outcome,
    error: row.error,
    providerReference: row.provider_reference,
    output: row.output,
  };
}

/** A run's checks with how many attempts each took (what the risk rules read). */
export async function listRiskInputsOfRun(db: Executor, runId: string): Promise<RiskCheckInput[]> {
  const rows = await db
    .selectFrom("session_checks")
    .select(["id", "node_id", "policy", "result", "output"])
    .select((eb) =>
      eb
        .selectFrom("session_check_attempts")
        .select(sql<number>`count(*)::int`.as("n"))
        .whereRef("session_check_attempts.check_id", "=", "session_checks.id")
        .as("attempts"),
    )
    .where("run_id", "=", runId)
    .orderBy("created_at")
    .orderBy("id")
    .execute();
  return rows.map((row) => ({
    id: row.id,
    nodeId: row.node_id,
    policy: row.policy,
    result: row.result,
    output: row.output,
    attempts: Number(row.attempts ?? 0),
  }));
}

/** Stores a run's risk assessment for its rules version (replacing one made earlier for the same run and version). */
export async function upsertRiskAssessment(
  db: Executor,
  run: Tenant & { id: string; sessionId: string },
  assessment: RiskAssessmentResult,
): Promise<void> {
  await db
    .insertInto("session_risk_assessments")
    .values({
      id: newId("rsk"),
      workspace_id: run.workspaceId,
      environment: run.environment,
      session_id: run.sessionId,
      run_id: run.id,
      rules_version: assessment.rulesVersion,
      score: assessment.score,
      level: assessment.level,
      signals: JSON.stringify(assessment.signals),
    })
    .onConflict((oc) =>
      oc.columns(["run_id", "rules_version"]).doUpdateSet({
        score: assessment.score,
        level: assessment.level,
        signals: JSON.stringify(assessment.signals),
        created_at: new Date(),
      }),
    )
    .execute();
}

/** The latest stored risk assessment of each of these runs of the tenant. */
export async function findRiskAssessmentsOfRuns(
  db: Executor,
  tenant: Tenant,
  runIds: readonly string[],
): Promise<SessionRiskAssessment[]> {
  if (runIds.length === 0) return [];
  const rows = await db
    .selectFrom("session_risk_assessments")
    .selectAll()
    .where("run_id", "in", runIds)
    .where(inTenant(tenant))
    .orderBy("created_at", "desc")
    .execute();
  const seen = new Set<string>();
  const latest: SessionRiskAssessment[] = [];
  for (const row of rows) {
    if (seen.has(row.run_id)) continue;
    seen.add(row.run_id);
    latest.push({
      id: row.id,
      sessionId: row.session_id,
      runId: row.run_id,
      rulesVersion: row.rules_version,
      score: row.score,
      level: row.level as SessionRiskAssessment["level"],
      signals: row.signals as unknown as RiskSignal[],
      createdAt: row.created_at,
    });
  }
  return latest;
}
