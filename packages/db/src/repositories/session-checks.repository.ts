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
import { type QueryCreator, type RawBuilder, type Selectable, sql } from "kysely";
import type { Database, Executor } from "../database.ts";
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

/** A check's attempt to record: where it starts and, when it started and ended in the same commit, how it ended. */
export interface CheckAttemptRecord {
  start: CheckAttemptStart;
  end?: CheckAttemptEnd;
}

/**
 * Records a check's attempt in one statement, in the transaction that commits its `node.started`: the
 * check is created or updated, and an attempt keyed by `startedSeq` is added with the next number. Without
 * `end` the attempt starts (the check is set running; {@link endCheckAttempt} ends it in a later commit);
 * with `end` it started and ended in this commit (a check whose provider answered at once, executed inline),
 * and the check takes the attempt's outcome. {@link recordCheckAttempts} records several.
 */
export async function recordCheckAttempt(
  db: Executor,
  tenant: Tenant,
  start: CheckAttemptStart,
  end?: CheckAttemptEnd,
): Promise<void> {
  await recordCheckAttempts(db, tenant, [end ? { start, end } : { start }]);
}

/**
 * Records checks' attempts of the tenant as {@link recordCheckAttempt} records each, in list order, one
 * statement for all of them: an attempt whose check is already in the statement (a node executed twice),
 * or that only starts among attempts that end (or the other way round), begins a next statement, so that
 * no statement touches a check twice and each attempt is numbered after the ones before it.
 *
 * With `riskInputsOf`, the (last) statement also returns that run's risk inputs as
 * {@link listRiskInputsOfRun} reads them once the attempts are written: its checks already stored merged
 * with the ones written here (their new values), in the order checks first started. Without attempts,
 * that is {@link listRiskInputsOfRun}'s read.
 */
export async function recordCheckAttempts(
  db: Executor,
  tenant: Tenant,
  attempts: readonly CheckAttemptRecord[],
): Promise<undefined>;
export async function recordCheckAttempts(
  db: Executor,
  tenant: Tenant,
  attempts: readonly CheckAttemptRecord[],
  options: { riskInputsOf: string },
): Promise<RiskCheckInput[]>;
export async function recordCheckAttempts(
  db: Executor,
  tenant: Tenant,
  attempts: readonly CheckAttemptRecord[],
  options: { riskInputsOf?: string } = {},
): Promise<RiskCheckInput[] | undefined> {
  const batches = attemptBatches(attempts);
  const last = batches.pop();
  for (const batch of batches) await writeCheckAttempts(db, tenant, batch);
  if (last) return writeCheckAttempts(db, tenant, last, options.riskInputsOf);
  return options.riskInputsOf === undefined ? undefined : listRiskInputsOfRun(db, options.riskInputsOf);
}

/** Splits attempts, in order, into batches that touch each check once and all end or all only start. */
function attemptBatches(attempts: readonly CheckAttemptRecord[]): CheckAttemptRecord[][] {
  const batches: CheckAttemptRecord[][] = [];
  let batch: CheckAttemptRecord[] = [];
  let checks = new Set<string>();
  for (const attempt of attempts) {
    const check = `${attempt.start.runId}\u0000${attempt.start.nodeId}`;
    if (batch.length > 0 && (checks.has(check) || Boolean(batch[0]?.end) !== Boolean(attempt.end))) {
      batches.push(batch);
      batch = [];
      checks = new Set();
    }
    batch.push(attempt);
    checks.add(check);
  }
  if (batch.length > 0) batches.push(batch);
  return batches;
}

/** A row of the input of {@link writeCheckAttempts}: one attempt, with the ids of its check and itself. */
interface CheckAttemptInput {
  check_id: string;
  attempt_id: string;
  session_id: string;
  run_id: string;
  node_id: string;
  policy: string;
  started_seq: number;
  started_at: Date;
  status: string;
  result: string | null;
  completed_at: Date | null;
  outcome: string | null;
  error: string | null;
  provider_reference: string | null;
  output: Record<string, unknown> | null;
}

/**
 * One statement of {@link recordCheckAttempts}: a batch of attempts of distinct checks that all end or all
 * only start. The attempts go in as one JSON parameter (one statement text whatever their number); the
 * checks are upserted, then the attempts inserted through the checks' ids. A sibling CTE's rows are not
 * visible to the statement's main query, so the risk inputs take the fresh checks from `check_row` (and
 * their attempt counts from `attempt_row`) and the run's other checks from the table.
 */
async function writeCheckAttempts(
  db: Executor,
  tenant: Tenant,
  batch: readonly CheckAttemptRecord[],
  riskInputsOf?: string,
): Promise<RiskCheckInput[] | undefined> {
  const ended = batch[0]?.end !== undefined;
  const input = batch.map(({ start, end }) => ({
    check_id: newId("chk"),
    attempt_id: newId("att"),
    session_id: start.sessionId,
    run_id: start.runId,
    node_id: start.nodeId,
    policy: start.policy,
    started_seq: start.startedSeq,
    started_at: start.startedAt.toISOString(),
    ...(end
      ? {
          status: end.checkStatus,
          result: end.checkStatus === "retrying" ? null : end.outcome,
          completed_at: end.completedAt.toISOString(),
          outcome: end.outcome,
          error: end.error,
          provider_reference: end.providerReference,
          output: end.output,
        }
      : { status: "running" }),
  }));
  const endColumns = ["completed_at", "outcome", "error", "provider_reference", "output"] as const;
  const query = db
    .with(
      "input",
      () =>
        sql<CheckAttemptInput>`(select * from jsonb_to_recordset(${JSON.stringify(input)}::jsonb) as input(
          check_id text, attempt_id text, session_id text, run_id text, node_id text, policy text,
          started_seq int, started_at timestamptz, status text, result text, completed_at timestamptz,
          outcome text, error text, provider_reference text, output jsonb))`,
    )
    .with("check_row", (qc) =>
      qc
        .insertInto("session_checks")
        .columns([
          "id",
          "workspace_id",
          "environment",
          "session_id",
          "run_id",
          "node_id",
          "policy",
          "status",
          ...(ended ? (["result", "output", "error", "updated_at"] as const) : []),
        ])
        .expression((eb) =>
          eb
            .selectFrom("input")
            .select([
              "input.check_id",
              sql<string>`${tenant.workspaceId}::text`.as("workspace_id"),
              sql<string>`${tenant.environment}::text`.as("environment"),
              "input.session_id",
              "input.run_id",
              "input.node_id",
              "input.policy",
              "input.status",
              ...(ended
                ? (["input.result", "input.output", "input.error", "input.completed_at"] as const)
                : []),
            ]),
        )
        .onConflict((oc) =>
          oc.columns(["run_id", "node_id"]).doUpdateSet((eb) =>
            ended
              ? {
                  status: eb.ref("excluded.status"),
                  result: eb.ref("excluded.result"),
                  output: eb.ref("excluded.output"),
                  error: eb.ref("excluded.error"),
                  updated_at: eb.ref("excluded.updated_at"),
                }
              : { status: eb.ref("excluded.status"), updated_at: new Date() },
          ),
        )
        .returning(["id", "run_id", "node_id", "policy", "result", "output", "created_at"]),
    )
    .with("attempt_row", (qc) =>
      qc
        .insertInto("session_check_attempts")
        .columns(["id", "check_id", "number", "started_seq", "started_at", ...(ended ? endColumns : [])])
        .expression((eb) =>
          eb
            .selectFrom("check_row")
            .innerJoin("input", (join) =>
              join
                .onRef("input.run_id", "=", "check_row.run_id")
                .onRef("input.node_id", "=", "check_row.node_id"),
            )
            .select([
              "input.attempt_id",
              "check_row.id",
              sql<number>`(${attemptCount(sql.ref("check_row.id"))}) + 1`.as("number"),
              "input.started_seq",
              "input.started_at",
              ...(ended ? endColumns.map((column) => `input.${column}` as const) : []),
            ]),
        )
        .onConflict((oc) => oc.columns(["check_id", "started_seq"]).doNothing())
        .returning(["check_id", "number"]),
    );
  if (riskInputsOf === undefined) {
    await query.selectFrom("attempt_row").select("check_id").execute();
    return undefined;
  }
  const rows = await query
    .selectFrom((eb) =>
      eb
        .selectFrom("check_row")
        .leftJoin("attempt_row", "attempt_row.check_id", "check_row.id")
        .select([
          "check_row.id",
          "check_row.node_id",
          "check_row.policy",
          "check_row.result",
          "check_row.output",
          "check_row.created_at",
          // Its attempt written here is the newest; else (already stored) the stored ones count.
          sql<number>`coalesce(${sql.ref("attempt_row.number")}, (${attemptCount(sql.ref("check_row.id"))}))::int`.as(
            "attempts",
          ),
        ])
        .where("check_row.run_id", "=", riskInputsOf)
        .unionAll(
          eb
            .selectFrom("session_checks")
            .select([
              "session_checks.id",
              "session_checks.node_id",
              "session_checks.policy",
              "session_checks.result",
              "session_checks.output",
              "session_checks.created_at",
              sql<number>`(${attemptCount(sql.ref("session_checks.id"))})::int`.as("attempts"),
            ])
            .where("session_checks.run_id", "=", riskInputsOf)
            .where("session_checks.id", "not in", eb.selectFrom("check_row").select("check_row.id")),
        )
        .as("risk_input"),
    )
    .selectAll("risk_input")
    .orderBy("risk_input.created_at")
    .orderBy("risk_input.id")
    .execute();
  return rows.map(toRiskInput);
}

/** The number of stored attempts of the check `checkId` refers to (a scalar subquery's text). */
function attemptCount(checkId: RawBuilder<unknown>) {
  return sql<number>`select count(*) from session_check_attempts where session_check_attempts.check_id = ${checkId}`;
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

/** A run's checks with how many attempts each took (what the risk rules read), in the order they first started. */
export async function listRiskInputsOfRun(db: Executor, runId: string): Promise<RiskCheckInput[]> {
  const rows = await db
    .selectFrom("session_checks")
    .select(["id", "node_id", "policy", "result", "output"])
    .select(sql<number>`(${attemptCount(sql.ref("session_checks.id"))})::int`.as("attempts"))
    .where("run_id", "=", runId)
    .orderBy("created_at")
    .orderBy("id")
    .execute();
  return rows.map(toRiskInput);
}

function toRiskInput(row: {
  id: string;
  node_id: string;
  policy: string;
  result: string | null;
  output: Selectable<SessionChecksTable>["output"];
  attempts: number | null;
}): RiskCheckInput {
  return {
    id: row.id,
    nodeId: row.node_id,
    policy: row.policy,
    result: row.result,
    output: row.output,
    attempts: Number(row.attempts ?? 0),
  };
}

/**
 * The statement that stores a run's risk assessment for its rules version (replacing one made earlier for
 * the same run and version), for a query creator that holds it as a CTE (`updateSessionStatusStoringRisk`).
 */
export function riskAssessmentUpsert(
  db: QueryCreator<Database>,
  run: Tenant & { id: string; sessionId: string },
  assessment: RiskAssessmentResult,
) {
  return db
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
    );
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
