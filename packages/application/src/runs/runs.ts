import {
  findRun,
  findRunsByIds,
  findRunsBySessionIds,
  findRunsWithNodeRunsByIds,
  listNodeRunsOfRuns as listNodeRunRows,
  listRunAudit,
  listRunEvents as listRunEventRows,
  listRuns as listRunRows,
  type PageRequest,
  type RunListFilter,
} from "@flowgate/db";
import {
  type NodeRun,
  NotFoundError,
  type Run,
  type RunAuditEntry,
  type RunEvent,
  ValidationError,
} from "@flowgate/domain";
import { requireAnyScope } from "../access.ts";
import type { Actor } from "../actor.ts";
import { type Application, applicationDeps } from "../application.ts";
import { alignByKey, groupByKey } from "../batch.ts";
import { tenantKey } from "../shared-reads.ts";

/** The scopes that read runs: a run belongs to a session and to a workflow. */
const runReadScopes = ["sessions:read", "workflows:read"] as const;

/**
 * A run of the caller's workspace and environment, or `undefined`. Needs `sessions:read` or
 * `workflows:read`.
 *
 * @param app - The application.
 * @param actor - The caller.
 * @param id - Run id (`wfr_…`).
 */
export async function getRun(app: Application, actor: Actor, id: string): Promise<Run | undefined> {
  const [run] = await getRunsByIds(app, actor, [id]);
  return run;
}

/**
 * Runs by id, in the order asked (`undefined` for those that are not the caller's). Needs `sessions:read`
 * or `workflows:read`.
 *
 * @param app - The application.
 * @param actor - The caller.
 * @param ids - Run ids.
 */
export async function getRunsByIds(
  app: Application,
  actor: Actor,
  ids: readonly string[],
): Promise<(Run | undefined)[]> {
  requireAnyScope(actor, runReadScopes);
  const { db, sharedReads } = applicationDeps(app);
  const rows = await sharedReads.byIds(`runs|${tenantKey(actor)}`, ids, (all) =>
    findRunsByIds(db, actor, all),
  );
  return alignByKey(ids, rows, (run) => run.id);
}

/**
 * Runs by id with their node runs (in step order), read in one round trip; `undefined` for those that are
 * not the caller's. Needs `sessions:read` or `workflows:read` (as the run and its node runs each do).
 *
 * @param app - The application.
 * @param actor - The caller.
 * @param ids - Run ids.
 */
export async function getRunsWithNodeRunsByIds(
  app: Application,
  actor: Actor,
  ids: readonly string[],
): Promise<({ run: Run; nodeRuns: NodeRun[] } | undefined)[]> {
  requireAnyScope(actor, runReadScopes);
  const { db, sharedReads } = applicationDeps(app);
  const rows = await sharedReads.byIds(`runs-with-node-runs|${tenantKey(actor)}`, ids, (all) =>
    findRunsWithNodeRunsByIds(db, actor, all),
  );
  return alignByKey(ids, rows, (found) => found.run.id);
}

/**
 * The current run of each session (`Session.workflowRun`), in the order asked. Needs `sessions:read` or
 * `workflows:read`.
 *
 * @param app - The application.
 * @param actor - The caller.
 * @param sessionIds - Session ids.
 */
export async function getRunsOfSessions(
  app: Application,
  actor: Actor,
  sessionIds: readonly string[],
): Promise<(Run | undefined)[]> {
  requireAnyScope(actor, runReadScopes);
  const { db } = applicationDeps(app);
  const runs = await findRunsBySessionIds(db, sessionIds, { tenant: actor });
  return alignByKey(sessionIds, runs, (run) => run.sessionId);
}

/**
 * The node runs of each run, in step order, in the order asked (empty for runs that are not the
 * caller's). Needs `sessions:read` or `workflows:read`.
 *
 * @param app - The application.
 * @param actor - The caller.
 * @param runIds - Run ids.
 */
export async function listNodeRunsOfRuns(
  app: Application,
  actor: Actor,
  runIds: readonly string[],
): Promise<NodeRun[][]> {
  requireAnyScope(actor, runReadScopes);
  const { db } = applicationDeps(app);
  const nodeRuns = await listNodeRunRows(db, runIds, { tenant: actor });
  return groupByKey(runIds, nodeRuns, (nodeRun) => nodeRun.runId);
}

/**
 * A run's stored events with seq > `afterSeq`, in order. Needs `sessions:read` or `workflows:read`.
 *
 * @param app - The application.
 * @param actor - The caller.
 * @param input - The run and the seq to start after.
 * @throws NotFoundError when the run is not the caller's.
 */
export async function listRunEvents(
  app: Application,
  actor: Actor,
  input: { runId: string; afterSeq: number },
): Promise<RunEvent[]> {
  requireAnyScope(actor, runReadScopes);
  const { db } = applicationDeps(app);
  if (!(await findRun(db, actor, input.runId))) throw new NotFoundError("Run", input.runId);
  return listRunEventRows(db, input.runId, input.afterSeq);
}

/**
 * Every control action taken on a run (trigger, submit, decision, cancel, retry, timeout, expire), oldest
 * first. Needs `sessions:read` or `workflows:read`.
 *
 * @param app - The application.
 * @param actor - The caller.
 * @param runId - Run id.
 * @throws NotFoundError when the run is not the caller's.
 */
export async function listRunAuditTrail(
  app: Application,
  actor: Actor,
  runId: string,
): Promise<RunAuditEntry[]> {
  requireAnyScope(actor, runReadScopes);
  const { db } = applicationDeps(app);
  if (!(await findRun(db, actor, runId))) throw new NotFoundError("Run", runId);
  return listRunAudit(db, runId);
}

/**
 * A page of the caller's runs (session runs and workspace-workflow runs), newest first, narrowed by
 * workflow, status, starter and a creation-time range `[from, to)`. Needs `sessions:read` or
 * `workflows:read`.
 *
 * @param app - The application.
 * @param actor - The caller.
 * @param page - Keyset page and filters.
 * @throws ValidationError when `from` is not before `to` (`filter.to`).
 */
export async function listRuns(
  app: Application,
  actor: Actor,
  page: PageRequest & RunListFilter,
): Promise<Run[]> {
  requireAnyScope(actor, runReadScopes);
  if (page.from && page.to && page.from.getTime() >= page.to.getTime()) {
    throw new ValidationError("Invalid run filter", [
      { path: ["filter", "to"], message: "must be after `from`" },
    ]);
  }
  return listRunRows(applicationDeps(app).db, actor, page);
}
