import {
  type Db,
  findApiKeysInOrganizationOf,
  findOpenWorkflowDrafts,
  findRunsByIds,
  findRunsBySessionIds,
  findSessionsByIds,
  findWorkflowDraftsByIds,
  findWorkflowPayloadSchemas,
  findWorkflowsByIds,
  findWorkspacesInOrganizationOf,
  listNodeRunsOfRuns,
  listWorkflowVersions,
} from "@flowgate/db";
import type { NodeRun, Tenant, WorkflowVersion } from "@flowgate/domain";
import DataLoader from "dataloader";
import type { Loaders } from "./context.ts";
import { createDdqLoaders } from "./ddq-loaders.ts";

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
    workflowDraft: new DataLoader(async (ids) =>
      byId(ids, await findWorkflowDraftsByIds(db, tenant, ids), (d) => d.id),
    ),
    openWorkflowDraft: new DataLoader(async (workflowIds) =>
      byId(workflowIds, await findOpenWorkflowDrafts(db, tenant, workflowIds), (d) => d.workflowId),
    ),
    workflowVersions: new DataLoader(async (workflowIds) => {
      const grouped = new Map<string, WorkflowVersion[]>();
      for (const version of await listWorkflowVersions(db, workflowIds)) {
        const list = grouped.get(version.workflowId) ?? [];
        list.push(version);
        grouped.set(version.workflowId, list);
      }
      return workflowIds.map((id) => grouped.get(id) ?? []);
    }),
    workspace: new DataLoader(async (ids) =>
      byId(ids, await findWorkspacesInOrganizationOf(db, tenant.workspaceId, ids), (w) => w.id),
    ),
    apiKey: new DataLoader(async (ids) =>
      byId(ids, await findApiKeysInOrganizationOf(db, tenant.workspaceId, ids), (k) => k.id),
    ),
    workflowPayloadSchema: new DataLoader(async (workflowIds) => {
      const schemas = await findWorkflowPayloadSchemas(db, tenant, workflowIds);
      return workflowIds.map((id) => schemas.get(id) ?? null);
    }),
    ddq: createDdqLoaders(db, tenant),
  };
}
