import { findRunsBySessionIds, findSessionCheck, listAttemptsOfChecks, listChecksOfRuns } from "@flowgate/db";
import {
  ConflictError,
  NotFoundError,
  type Run,
  type SessionCheck,
  type SessionCheckAttempt,
} from "@flowgate/domain";
import { inTransaction } from "@flowgate/engine";
import { requireScope } from "../access.ts";
import type { Actor } from "../actor.ts";
import { type Application, applicationDeps } from "../application.ts";
import { alignByKey, groupByKey } from "../batch.ts";
import { lockRun, retryRunFrom } from "../runs/run-control.ts";

/**
 * The verification checks of each run (one per policy node that started), aligned with the run ids. Needs
 * `sessions:read`.
 */
export async function listChecksOfSessionRuns(
  app: Application,
  actor: Actor,
  runIds: readonly string[],
): Promise<SessionCheck[][]> {
  requireScope(actor, "sessions:read");
  return groupByKey(runIds, await listChecksOfRuns(applicationDeps(app).db, actor, runIds), (c) => c.runId);
}

/**
 * The verification checks of each session's current run, aligned with the session ids. Needs
 * `sessions:read`.
 */
export async function listChecksOfSessions(
  app: Application,
  actor: Actor,
  sessionIds: readonly string[],
): Promise<SessionCheck[][]> {
  requireScope(actor, "sessions:read");
  const { db } = applicationDeps(app);
  const runs = await findRunsBySessionIds(db, sessionIds, { tenant: actor });
  const runIds = alignByKey(sessionIds, runs, (run) => run.sessionId).map((run) => run?.id ?? "");
  const checks = await listChecksOfRuns(db, actor, runIds.filter(Boolean));
  return groupByKey(runIds, checks, (check) => check.runId);
}

/**
 * The attempts of each check, by number, aligned with the check ids. The caller already holds the checks
 * (read with its tenant); needs `sessions:read`.
 */
export async function listAttemptsOfSessionChecks(
  app: Application,
  actor: Actor,
  checkIds: readonly string[],
): Promise<SessionCheckAttempt[][]> {
  requireScope(actor, "sessions:read");
  const attempts = await listAttemptsOfChecks(applicationDeps(app).db, actor, checkIds);
  return groupByKey(checkIds, attempts, (attempt) => attempt.checkId);
}

/** A check of the caller's workspace and environment, or `undefined`. Needs `sessions:read`. */
export async function getSessionCheck(
  app: Application,
  actor: Actor,
  checkId: string,
): Promise<SessionCheck | undefined> {
  requireScope(actor, "sessions:read");
  return findSessionCheck(applicationDeps(app).db, actor, checkId);
}

/**
 * Re-runs a verification check and continues its run from it (the seed's "Retry a failed verification
 * check"), through the same code path as `retryRun(fromNode)`: the check's run must have finished and be
 * its session's current run; the check must have ended failed or errored (a passed or running check is a
 * conflict). The check gets a new attempt. Needs `workflows:trigger`.
 */
export async function retryCheck(
  app: Application,
  actor: Actor,
  input: { checkId: string; reason?: string | null | undefined },
): Promise<{ check: SessionCheck; run: Run }> {
  requireScope(actor, "workflows:trigger");
  return inTransaction(applicationDeps(app), async (trx, after) => {
    const check = await findSessionCheck(trx, actor, input.checkId, { forUpdate: true });
    if (!check) throw new NotFoundError("Check", input.checkId);
    if (check.status !== "failed" && check.status !== "errored") {
      throw new ConflictError(
        `Check ${check.id} is ${check.status}; only a failed or errored check can be retried`,
        check.status,
      );
    }
    const run = await lockRun(trx, actor, check.runId);
    const retried = await retryRunFrom(trx, after, actor, run, {
      fromNode: check.nodeId,
      fromNodeField: "checkId",
      reason: input.reason ?? null,
      auditData: { checkId: check.id },
    });
    return { check, run: retried };
  });
}
