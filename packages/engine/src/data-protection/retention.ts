import {
  deleteSessions,
  type Job,
  listRetentionPolicies,
  redactSubjectRows,
  releaseJob,
  sessionsDueForDeletion,
  sessionsDueForRedaction,
} from "@flowgate/db";
import { inTransaction, type UnitOfWorkDeps } from "../unit-of-work.ts";
import { redactChunk } from "./bulk-redaction.ts";

/** The id of the one daily retention job. */
export const retentionJobId = "job_retention_daily";
const chunk = 100;
const dayMs = 86_400_000;

/** What one retention pass did. */
export interface RetentionOutcome {
  redacted: number;
  deleted: number;
}

/**
 * Applies every workspace's retention policy as of `now`: redacts sessions final for longer than
 * `redactAfterDays` (as `retention`, set-based, 100 per transaction) and deletes sessions never submitted for
 * longer than `deleteAbandonedAfterDays` (their linked personal data redacted first). Sessions under an active
 * legal hold are left alone. Safe to repeat: each transaction re-selects what is still due.
 *
 * @param now - The time to apply the policies at (a fake clock in tests).
 */
export async function applyRetention(deps: UnitOfWorkDeps, now: Date): Promise<RetentionOutcome> {
  const outcome: RetentionOutcome = { redacted: 0, deleted: 0 };
  for (const policy of await listRetentionPolicies(deps.db)) {
    const tenant = { workspaceId: policy.workspaceId, environment: policy.environment };
    const reason = `retention: ${policy.redactAfterDays} days after a final status`;
    for (;;) {
      const done = await inTransaction(deps, async (trx, after) => {
        const ids = await sessionsDueForRedaction(trx, policy, now, chunk);
        const items = ids.map((sessionId, position) => ({ position, sessionId }));
        const outcomes = await redactChunk(trx, after, tenant, items, { by: "retention", reason });
        outcome.redacted += outcomes.filter((o) => o.status === "succeeded").length;
        return ids.length;
      });
      if (done < chunk) break;
    }
    for (;;) {
      const done = await inTransaction(deps, async (trx) => {
        const ids = await sessionsDueForDeletion(trx, policy, now, chunk);
        await redactSubjectRows(trx, "session", ids);
        outcome.deleted += await deleteSessions(trx, ids);
        return ids.length;
      });
      if (done < chunk) break;
    }
  }
  return outcome;
}

/** The `retention.daily` job: applies retention, then runs again a day later (durable: it is a job row). */
export async function runRetentionJob(deps: UnitOfWorkDeps, job: Job, workerId: string): Promise<void> {
  const now = new Date();
  await applyRetention(deps, now);
  await releaseJob(deps.db, job.id, workerId, new Date(now.getTime() + dayMs), null);
}

/** Makes sure the daily retention job exists (once per database; idempotent). */
export async function ensureRetentionJob(deps: Pick<UnitOfWorkDeps, "db">): Promise<void> {
  await deps.db
    .insertInto("jobs")
    .values({ id: retentionJobId, kind: "retention.daily", payload: "{}" })
    .onConflict((oc) => oc.column("id").doNothing())
    .execute();
}
