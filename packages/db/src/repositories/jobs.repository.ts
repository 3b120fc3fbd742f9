import { newId, type Run, type Session } from "@flowgate/domain";
import { type QueryCreator, type Selectable, sql } from "kysely";
import type { Database, Executor } from "../database.ts";
import type { JobsTable } from "../tables/jobs.table.ts";
import { runFromJson } from "./runs.repository.ts";
import { sessionFromJson } from "./sessions.repository.ts";

/**
 * Kinds of engine work: `run.step` advances a run; `run.timeout` fires a gate's timeout;
 * `session.expire` expires a session that did not complete in time; `webhook.deliver` sends one webhook
 * delivery (claimed only by the webhook lane, see {@link claimJobs}); `bulk.redact` works through a bulk
 * redaction; `retention.daily` applies the retention policies once a day. Kinds whose handlers are
 * registered with the engine (run in the `runs` lane): `email.send` delivers a recipient email,
 * `credits.sweep` releases expired credit reservations, `response.autofill` runs an autofill job (these
 * three by the application), `maintenance.purge` deletes expired idempotency keys and old inbound-trigger
 * message ids and schedule fires (by the engine itself).
 */
export type JobKind =
  | "run.step"
  | "run.timeout"
  | "session.expire"
  | "webhook.deliver"
  | "bulk.redact"
  | "retention.daily"
  | HandledJobKind;

/**
 * Which jobs a claimer takes: `runs` (every kind but `webhook.deliver`) or `webhooks` (only
 * `webhook.deliver`), so that slow receivers never hold the slots that runs advance in, and the other way
 * round.
 */
export type JobLane = "runs" | "webhooks";

/**
 * Job kinds whose handler is registered with the engine (`Engine.registerJobHandler`): by a higher layer,
 * or, for `maintenance.purge`, by the engine itself.
 */
export type HandledJobKind = "email.send" | "credits.sweep" | "response.autofill" | "maintenance.purge";

/** A job as claimed by a worker. */
export interface Job {
  id: string;
  kind: JobKind;
  runId: string | null;
  sessionId: string | null;
  webhookDeliveryId: string | null;
  /** The name it was queued under, if any (see {@link enqueueKeyedJob}). */
  key: string | null;
  payload: Record<string, unknown>;
  runAt: Date;
  attempts: number;
  lockedBy: string | null;
  lockedUntil: Date | null;
  /** Set by {@link claimJobs}: how long the job had been due when it was claimed, in ms (database clock). */
  claimLagMs?: number;
}

/**
 * Schedules the run's job (a run has at most one): inserts it, or replaces the existing one's kind,
 * time and payload and releases its lock.
 */
export async function scheduleRunJob(
  db: Executor,
  runId: string,
  kind: JobKind,
  options: { runAt?: Date; payload?: Record<string, unknown> } = {},
): Promise<void> {
  await runJobUpsert(db, runId, kind, options).execute();
}

/**
 * The statement of {@link scheduleRunJob}, for callers that write it together with other changes (as a
 * data-modifying CTE).
 */
export function runJobUpsert(
  db: QueryCreator<Database>,
  runId: string,
  kind: JobKind,
  options: { runAt?: Date; payload?: Record<string, unknown> } = {},
) {
  const runAt = options.runAt ?? new Date();
  const payload = JSON.stringify(options.payload ?? {});
  return db
    .insertInto("jobs")
    .values({ id: newId("job"), kind, run_id: runId, payload, run_at: runAt })
    .onConflict((oc) =>
      oc.column("run_id").doUpdateSet({
        kind,
        payload,
        run_at: runAt,
        locked_by: null,
        locked_until: null,
        attempts: 0,
        last_error: null,
      }),
    );
}

/** Schedules the expiry job of a session (one per session), replacing an earlier one. */
export async function scheduleSessionExpiry(db: Executor, sessionId: string, runAt: Date): Promise<void> {
  await db
    .insertInto("jobs")
    .values({ id: newId("job"), kind: "session.expire", session_id: sessionId, run_at: runAt })
    .onConflict((oc) =>
      oc
        .column("session_id")
        .doUpdateSet({ run_at: runAt, locked_by: null, locked_until: null, attempts: 0 }),
    )
    .execute();
}

/**
 * Queues a job under `key` unless one with that key is queued already (then nothing changes), e.g. the
 * delivery of one email, so that retried enqueues queue it once. With `heldBy`, the job is queued already
 * claimed by that holder for `leaseMs` (the request that queued it runs it first; if its process dies, the
 * lease runs out and a worker claims it).
 */
export async function enqueueKeyedJob(
  db: Executor,
  job: {
    key: string;
    kind: JobKind;
    payload?: Record<string, unknown>;
    runAt?: Date;
    heldBy?: { holder: string; leaseMs: number };
  },
): Promise<void> {
  await db
    .insertInto("jobs")
    .values({
      id: newId("job"),
      key: job.key,
      kind: job.kind,
      payload: JSON.stringify(job.payload ?? {}),
      run_at: job.runAt ?? new Date(),
      ...(job.heldBy
        ? {
            locked_by: job.heldBy.holder,
            locked_until: sql<Date>`now() + ${`${job.heldBy.leaseMs} milliseconds`}::interval`,
            attempts: 1,
          }
        : {}),
    })
    .onConflict((oc) => oc.column("key").doNothing())
    .execute();
}

/** Deletes the job queued under `key` if `holder` still holds it (its work is done). */
export async function deleteKeyedJob(db: Executor, key: string, holder: string): Promise<void> {
  await db.deleteFrom("jobs").where("key", "=", key).where("locked_by", "=", holder).execute();
}

/** Hands the job queued under `key` held by `holder` to the workers, due now. */
export async function releaseKeyedJob(
  db: Executor,
  key: string,
  holder: string,
  lastError: string,
): Promise<void> {
  await db
    .updateTable("jobs")
    .set({ locked_by: null, locked_until: null, run_at: new Date(), last_error: lastError })
    .where("key", "=", key)
    .where("locked_by", "=", holder)
    .execute();
}

/** Deletes a session's expiry job (it completed in time). */
export async function deleteSessionJob(db: Executor, sessionId: string): Promise<void> {
  await db.deleteFrom("jobs").where("session_id", "=", sessionId).execute();
}

/**
 * `set_config('synchronous_commit', 'off', true)`, for a statement that only records a lease: evaluated in
 * it (joined as a one-row CTE), it makes the statement's own transaction commit without waiting for its WAL
 * to reach the disk, about one disk flush sooner. A database crash can forget such a commit (never tear
 * it), which for a lease means the job is claimable again, as after a worker crash. The next synchronous
 * commit of the connection flushes it anyway.
 */
function asynchronousCommit() {
  return sql<string>`set_config('synchronous_commit', 'off', true)`;
}

/**
 * Claims up to `limit` due jobs of a lane (default `runs`) for `workerId` with `FOR UPDATE SKIP LOCKED`,
 * leasing them for `leaseMs`. A job whose lease expired (its worker died) is due again. In the `webhooks`
 * lane, `skipEndpoints` leaves out the deliveries of endpoints the claimer already has enough of in flight.
 *
 * The claim commits asynchronously (see {@link asynchronousCommit}): it is on the path of every run from its
 * trigger to its first step, and a lease lost in a database crash is only a job due again.
 */
export async function claimJobs(
  db: Executor,
  workerId: string,
  limit: number,
  leaseMs: number,
  options: { lane?: JobLane; skipEndpoints?: readonly string[] } = {},
): Promise<Job[]> {
  const rows = await claimStatement(db, workerId, limit, leaseMs, options).execute();
  return rows.map((row) => ({ ...toJob(row), claimLagMs: Number(row.claim_lag_ms) }));
}

/** A job of the `runs` lane as {@link claimJobsWithRuns} claims it. */
export interface ClaimedJob extends Job {
  /** A `run.step` job's run, read in the claim's statement (absent when there is none). */
  run?: Run;
  /** That run's session (null for a run without one; absent when the run has one that is gone). */
  session?: Session | null;
}

/**
 * {@link claimJobs} for the `runs` lane that also returns each claimed `run.step` job's run and session,
 * read by the same statement: the worker starts a claimed run's first step without another round trip.
 */
export async function claimJobsWithRuns(
  db: Executor,
  workerId: string,
  limit: number,
  leaseMs: number,
): Promise<ClaimedJob[]> {
  const rows = await db
    .with("claimed", () => claimStatement(db, workerId, limit, leaseMs, { lane: "runs" }))
    .selectFrom("claimed")
    .leftJoin("runs", (join) =>
      join.onRef("runs.id", "=", "claimed.run_id").on("claimed.kind", "=", "run.step"),
    )
    .leftJoin("sessions", "sessions.id", "runs.session_id")
    .selectAll("claimed")
    .select([
      sql<Record<string, unknown> | null>`case when runs.id is null then null else to_jsonb(runs.*) end`.as(
        "run_json",
      ),
      sql<Record<
        string,
        unknown
      > | null>`case when sessions.id is null then null else to_jsonb(sessions.*) end`.as("session_json"),
    ])
    .execute();
  return rows.map(({ run_json, session_json, claim_lag_ms, ...row }) => {
    const job: ClaimedJob = { ...toJob(row), claimLagMs: Number(claim_lag_ms) };
    if (!run_json) return job;
    const run = runFromJson(run_json);
    // A run whose session is gone is left to its step (which reads it and finds none).
    if (run.sessionId && !session_json) return job;
    return { ...job, run, session: session_json ? sessionFromJson(session_json) : null };
  });
}

/** The claim's statement (see {@link claimJobs}). */
function claimStatement(
  db: Executor,
  workerId: string,
  limit: number,
  leaseMs: number,
  options: { lane?: JobLane; skipEndpoints?: readonly string[] },
) {
  const lane = options.lane ?? "runs";
  const skip = options.skipEndpoints ?? [];
  return db
    .with("lease_only", (qb) => qb.selectNoFrom(asynchronousCommit().as("set")))
    .updateTable("jobs")
    .from("lease_only")
    .set((eb) => ({
      locked_by: workerId,
      locked_until: sql<Date>`now() + ${`${leaseMs} milliseconds`}::interval`,
      attempts: eb("attempts", "+", 1),
    }))
    .where("jobs.id", "in", (eb) =>
      eb
        .selectFrom("jobs")
        .select("id")
        .where("run_at", "<=", sql<Date>`now()`)
        .where((w) => w.or([w("locked_until", "is", null), w("locked_until", "<", sql<Date>`now()`)]))
        .where("kind", lane === "webhooks" ? "=" : "<>", "webhook.deliver")
        .$if(lane === "webhooks" && skip.length > 0, (q) =>
          q.where(sql<string>`payload->>'endpointId'`, "not in", skip),
        )
        .orderBy("run_at")
        .limit(limit)
        .forUpdate()
        .skipLocked(),
    )
    .returningAll("jobs")
    .returning(
      sql<number>`greatest(0, extract(epoch from (now() - run_at)) * 1000)::float8`.as("claim_lag_ms"),
    );
}

/** Extends the lease of jobs still held by `workerId`; returns the ids still held. */
export async function extendLeases(
  db: Executor,
  workerId: string,
  jobIds: readonly string[],
  leaseMs: number,
): Promise<string[]> {
  if (jobIds.length === 0) return [];
  const rows = await db
    .updateTable("jobs")
    .set({ locked_until: sql<Date>`now() + ${`${leaseMs} milliseconds`}::interval` })
    .where("id", "in", jobIds)
    .where("locked_by", "=", workerId)
    .returning("id")
    .execute();
  return rows.map((r) => r.id);
}

/** Deletes a job held by `workerId` (its work is done). */
export async function deleteJob(db: Executor, jobId: string, workerId: string): Promise<void> {
  await db.deleteFrom("jobs").where("id", "=", jobId).where("locked_by", "=", workerId).execute();
}

/** Releases a job held by `workerId` to run again at `runAt`, recording the error that stopped it. */
export async function releaseJob(
  db: Executor,
  jobId: string,
  workerId: string,
  runAt: Date,
  lastError: string | null,
): Promise<void> {
  await db
    .updateTable("jobs")
    .set({ locked_by: null, locked_until: null, run_at: runAt, last_error: lastError })
    .where("id", "=", jobId)
    .where("locked_by", "=", workerId)
    .execute();
}

/** Releases a job held by `workerId` to run again at `runAt` as a fresh job (attempts back to 0): a recurring job's next round. */
export async function rescheduleJob(
  db: Executor,
  jobId: string,
  workerId: string,
  runAt: Date,
): Promise<void> {
  await db
    .updateTable("jobs")
    .set({ locked_by: null, locked_until: null, run_at: runAt, attempts: 0, last_error: null })
    .where("id", "=", jobId)
    .where("locked_by", "=", workerId)
    .execute();
}

/**
 * Hands back a job held by `workerId` whose attempt was cut short by a database outage: still due at its
 * time (so it keeps its place in the queue), and the claim does not count as an attempt (an outage is not
 * the job's fault, so it never brings a run closer to failing for "too many attempts").
 */
export async function returnJob(db: Executor, jobId: string, workerId: string): Promise<void> {
  await db
    .updateTable("jobs")
    .set((eb) => ({
      locked_by: null,
      locked_until: null,
      attempts: sql<number>`greatest(${eb.ref("attempts")} - 1, 0)`,
    }))
    .where("id", "=", jobId)
    .where("locked_by", "=", workerId)
    .execute();
}

/** Deletes the job of a run, whoever holds it; with `kind`, only a job of that kind. */
export async function deleteRunJob(db: Executor, runId: string, kind?: JobKind): Promise<void> {
  let query = db.deleteFrom("jobs").where("run_id", "=", runId);
  if (kind) query = query.where("kind", "=", kind);
  await query.execute();
}

/** Turns a job held by `workerId` into another kind (a fired timer becomes the run's next step). */
export async function changeJobKind(
  db: Executor,
  jobId: string,
  workerId: string,
  kind: JobKind,
): Promise<void> {
  await db
    .updateTable("jobs")
    .set({ kind })
    .where("id", "=", jobId)
    .where("locked_by", "=", workerId)
    .execute();
}

/** When the next job becomes due (for sleeping until then), or undefined when none is queued. */
export async function nextJobDueAt(db: Executor): Promise<Date | undefined> {
  const row = await db
    .selectFrom("jobs")
    .select((eb) => eb.fn.min<Date>(sql`greatest(run_at, coalesce(locked_until, run_at))`).as("due"))
    .executeTakeFirst();
  return row?.due ? new Date(row.due) : undefined;
}

function toJob(row: Selectable<JobsTable>): Job {
  return {
    id: row.id,
    kind: row.kind as JobKind,
    runId: row.run_id,
    sessionId: row.session_id,
    webhookDeliveryId: row.webhook_delivery_id,
    key: row.key,
    payload: row.payload,
    runAt: row.run_at,
    attempts: row.attempts,
    lockedBy: row.locked_by,
    lockedUntil: row.locked_until,
  };
}

/** A count of jobs of one kind in one state; see {@link countJobsByState}. */
export interface JobCount {
  kind: string;
  /** `due`: waiting for a worker; `running`: leased by one; `scheduled`: due later. */
  state: "due" | "running" | "scheduled";
  count: number;
}

/** The queue's depth by job kind and state (one grouped count; `jobs` holds only pending work). */
export async function countJobsByState(db: Executor): Promise<JobCount[]> {
  const rows = await db
    .selectFrom("jobs")
    .select([
      "kind",
      sql<
        JobCount["state"]
      >`case when locked_until > now() then 'running' when run_at <= now() then 'due' else 'scheduled' end`.as(
        "state",
      ),
      sql<string>`count(*)`.as("count"),
    ])
    .groupBy(["kind", "state"])
    .execute();
  return rows.map((row) => ({ kind: row.kind, state: row.state, count: Number(row.count) }));
}
