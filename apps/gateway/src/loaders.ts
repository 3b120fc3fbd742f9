import {
  type Db,
  findRunsByIds,
  findRunsBySessionIds,
  findSessionsByIds,
  findWorkflowsByIds,
  listNodeRunsOfRuns,
} from "@flowgate/db";
import type { NodeRun, Tenant } from "@flowgate/domain";
import DataLoader from "dataloader";
import type { Loaders } from "./context.ts";

function byId<T>(
  keys: readonly string[],
  rows: readonly T[],
  key: (row: T) => string | null,
): (T | undefined)[] {
  const map = new Map<string, T>();
  for (const row of rows) {
    const k = key(row);
    if (k !== null) map.set(k, row);
  }
  return keys.map((k) => map.get(k));
}

/** Builds the request's loaders; every load is restricted to `tenant`. */
export function createLoaders(db: Db, tenant: Tenant): Loaders {
  return {
    workflow: new DataLoader(async (ids) =>
      byId(ids, await findWorkflowsByIds(db, tenant, ids), (w) => w.id),
    ),
    session: new DataLoader(async (ids) => byId(ids, await findSessionsByIds(db, tenant, ids), (s) => s.id)),
    run: new DataLoader(async (ids) => byId(ids, await findRunsByIds(db, tenant, ids), (r) => r.id)),
    runOfSession: new DataLoader(async (sessionIds) => {
      const runs = (await findRunsBySessionIds(db, sessionIds)).filter(
        (run) => run.workspaceId === tenant.workspaceId && run.environment === tenant.environment,
      );
      return byId(sessionIds, runs, (r) => r.sessionId);
    }),
    nodeRuns: new DataLoader(async (runIds) => {
      const grouped = new Map<string, NodeRun[]>();
      for (const nodeRun of await listNodeRunsOfRuns(db, runIds)) {
        const list = grouped.get(nodeRun.runId) ?? [];
        list.push(nodeRun);
        grouped.set(nodeRun.runId, list);
      }
      return runIds.map((id) => grouped.get(id) ?? []);
    }),
  };
}
