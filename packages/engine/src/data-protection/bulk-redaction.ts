import {
  claimPendingBulkItems,
  completeBulkItems,
  deleteJob,
  deleteJobsOfSessions,
  type Executor,
  findActiveLegalHolds,
  findRunsBySessionIds,
  findSession,
  findSessionsByIds,
  insertRunAudit,
  type Job,
  lockBulkOperation,
  markSessionsRedacted,
  redactSubjectRows,
  releaseJob,
  setBulkOperationStatus,
} from "@flowgate/db";
import { canCancelRun, isLegalHoldError, LegalHoldError, newId, type Tenant } from "@flowgate/domain";
import { type AfterCommit, inTransaction, type UnitOfWorkDeps } from "../unit-of-work.ts";
import { afterSessionsRedacted, redactSessionData } from "./redact-session.ts";

/** Sessions redacted per transaction. */
const chunkSize = 100;
/** Chunks per claim of the job, before it is handed back (so a stopping worker never waits long). */
const chunksPerClaim = 20;

type Outcome = { position: number; status: "succeeded" | "skipped" | "failed"; error: string | null };

/**
 * Works through a bulk redaction (`bulk.redact` job): takes the operation's next pending items in order, and
 * in one transaction per chunk redacts each session and records each item's outcome with the counts. A crash
 * rolls back the chunk in flight, so its items stay pending and are done by the next worker that claims the
 * job after the lease expires: nothing is redacted twice (an item and its redaction commit together) and
 * nothing is skipped. A session under legal hold or already redacted is `skipped` with the reason; an
 * unexpected error fails that item alone (the chunk is retried one session per transaction).
 */
export async function processBulkRedaction(
  deps: UnitOfWorkDeps,
  job: Job,
  workerId: string,
  running: () => boolean,
): Promise<void> {
  const operationId = String(job.payload.operationId ?? "");
  const operation = await inTransaction(deps, async (trx) => {
    const found = await lockBulkOperation(trx, operationId);
    if (found && found.status === "pending") await setBulkOperationStatus(trx, operationId, "running");
    return found;
  });
  if (!operation || operation.status === "completed" || operation.status === "failed") {
    await deleteJob(deps.db, job.id, workerId);
    return;
  }
  const tenant: Tenant = { workspaceId: operation.workspaceId, environment: operation.environment };
  const redaction = { by: operation.createdBy, reason: operation.reason };
  for (let chunk = 0; chunk < chunksPerClaim; chunk++) {
    let done: number;
    try {
      done = await inTransaction(deps, async (trx, after) => {
        const items = await claimPendingBulkItems(trx, operationId, chunkSize);
        const outcomes = await redactChunk(trx, after, tenant, items, redaction);
        await completeBulkItems(trx, operationId, outcomes);
        return items.length;
      });
    } catch {
      // Something unexpected aborted the chunk: do it again one session per transaction, so that only the
      // session at fault fails.
      done = await redactOneByOne(deps, operationId, tenant, redaction);
    }
    if (done === 0) {
      await inTransaction(deps, async (trx) => {
        await setBulkOperationStatus(trx, operationId, "completed");
        await deleteJob(trx, job.id, workerId);
      });
      return;
    }
    if (!running()) break;
  }
  // More to do: hand the job back, due now, so other work (and a stopping worker) gets its turn.
  await releaseJob(deps.db, job.id, workerId, new Date(), null);
  deps.wake();
}

async function redactOneByOne(
  deps: UnitOfWorkDeps,
  operationId: string,
  tenant: Tenant,
  redaction: { by: string; reason: string },
): Promise<number> {
  let done = 0;
  for (let i = 0; i < chunkSize; i++) {
    const claimed = await inTransaction(deps, async (trx, after) => {
      const [item] = await claimPendingBulkItems(trx, operationId, 1);
      if (!item) return false;
      const outcome = await redactItem(trx, after, tenant, item, redaction).catch((error: unknown) => ({
        position: item.position,
        status: "failed" as const,
        error: error instanceof Error ? error.message : String(error),
      }));
      if (outcome.status === "failed") {
        // The redaction's transaction may be aborted: record the failure in a fresh one.
        throw Object.assign(new Error("item failed"), { outcome });
      }
      await completeBulkItems(trx, operationId, [outcome]);
      return true;
    }).catch(async (error: { outcome?: Outcome }) => {
      const outcome = error.outcome;
      if (!outcome) throw error;
      await inTransaction(deps, (trx) => completeBulkItems(trx, operationId, [outcome]));
      return true;
    });
    if (!claimed) break;
    done++;
  }
  return done;
}

/**
 * Redacts a chunk of sessions set-based (one statement per table for the whole chunk) in the caller's
 * transaction: the same changes as {@link redactSessionData} per session. Sessions with a run that has not
 * ended go through {@link redactSessionData} one by one (it cancels the run first).
 */
export async function redactChunk(
  trx: Executor,
  after: AfterCommit,
  tenant: Tenant,
  items: readonly { position: number; sessionId: string }[],
  redaction: { by: string; reason: string },
): Promise<Outcome[]> {
  if (items.length === 0) return [];
  const ids = items.map((item) => item.sessionId);
  const sessions = new Map(
    (await findSessionsByIds(trx, tenant, ids, { forUpdate: true })).map((s) => [s.id, s]),
  );
  const holds = new Map((await findActiveLegalHolds(trx, ids)).map((hold) => [hold.sessionId, hold]));
  const runs = await findRunsBySessionIds(trx, ids);
  const active = new Set(runs.filter((run) => canCancelRun(run.status)).map((run) => run.sessionId));
  const outcomes: Outcome[] = [];
  const batch: string[] = [];
  for (const item of items) {
    const session = sessions.get(item.sessionId);
    const hold = holds.get(item.sessionId);
    if (!session) {
      outcomes.push({
        position: item.position,
        status: "failed",
        error: `Session ${item.sessionId} not found`,
      });
    } else if (session.redaction) {
      outcomes.push({ position: item.position, status: "skipped", error: "already redacted" });
    } else if (hold) {
      const error = new LegalHoldError(session.id, hold.id, hold.reason);
      outcomes.push({ position: item.position, status: "skipped", error: error.message });
    } else if (active.has(session.id)) {
      outcomes.push(await redactItem(trx, after, tenant, item, redaction));
    } else {
      batch.push(session.id);
      outcomes.push({ position: item.position, status: "succeeded", error: null });
    }
  }
  const inBatch = new Set(batch);
  for (const run of runs) {
    if (!run.sessionId || !inBatch.has(run.sessionId)) continue;
    await insertRunAudit(trx, {
      id: newId("evt"),
      runId: run.id,
      action: "redact",
      actor: redaction.by,
      reason: redaction.reason,
      data: { sessionId: run.sessionId },
    });
  }
  const at = new Date();
  await deleteJobsOfSessions(trx, batch);
  await redactSubjectRows(trx, "session", batch);
  await markSessionsRedacted(trx, batch, { at, ...redaction });
  await afterSessionsRedacted(
    trx,
    after,
    batch.flatMap((id) => sessions.get(id) ?? []),
    { at, by: redaction.by },
  );
  return outcomes;
}

async function redactItem(
  trx: Parameters<typeof findSession>[0],
  after: AfterCommit,
  tenant: Tenant,
  item: { position: number; sessionId: string },
  redaction: { by: string; reason: string },
): Promise<Outcome> {
  const session = await findSession(trx, tenant, item.sessionId, { forUpdate: true });
  if (!session)
    return { position: item.position, status: "failed", error: `Session ${item.sessionId} not found` };
  if (session.redaction) return { position: item.position, status: "skipped", error: "already redacted" };
  try {
    await redactSessionData(trx, after, session, redaction);
    return { position: item.position, status: "succeeded", error: null };
  } catch (error) {
    if (isLegalHoldError(error)) return { position: item.position, status: "skipped", error: error.message };
    throw error;
  }
}
