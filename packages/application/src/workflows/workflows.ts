import {
  findWorkflowsByIds,
  insertWorkflow,
  insertWorkflowVersion,
  listWorkflows as listWorkflowRows,
  listWorkflowVersions,
  type PageRequest,
  setDefaultWorkflow,
} from "@flowgate/db";
import { newId, parseWorkflowGraph, type Workflow, type WorkflowVersion } from "@flowgate/domain";
import { inTransaction } from "@flowgate/engine";
import { requireScope } from "../access.ts";
import type { Actor } from "../actor.ts";
import { type Application, applicationDeps } from "../application.ts";
import { alignByKey, groupByKey } from "../batch.ts";
import { tenantKey } from "../shared-reads.ts";
import { checkedName } from "./workflow-records.ts";

/** Input of {@link createWorkflow}. */
export interface CreateWorkflowInput {
  name: string;
  description?: string | null | undefined;
  metadata?: Record<string, unknown> | null | undefined;
  graph: unknown;
  /** Make it the tenant's default workflow (the one sessions without a workflow run). */
  isDefault?: boolean | null | undefined;
}

/**
 * Creates a workflow and publishes its graph as version 1. The graph is validated first; an invalid
 * graph throws a `ValidationError` whose issues name the node and field, and nothing is written. Needs
 * `workflows:write`.
 */
export async function createWorkflow(
  app: Application,
  actor: Actor,
  input: CreateWorkflowInput,
): Promise<Workflow> {
  requireScope(actor, "workflows:write");
  const deps = applicationDeps(app);
  const name = checkedName(input.name);
  const graph = parseWorkflowGraph(input.graph);
  return inTransaction(deps, async (trx) => {
    const workflow = await insertWorkflow(trx, actor, {
      id: newId("wfl"),
      name,
      description: input.description ?? null,
      metadata: input.metadata ?? {},
      currentVersion: 1,
    });
    await insertWorkflowVersion(trx, {
      workflowId: workflow.id,
      version: 1,
      graph,
      publishedBy: actor.keyId,
    });
    if (input.isDefault) {
      await setDefaultWorkflow(trx, actor, workflow.id);
      return { ...workflow, isDefault: true };
    }
    return workflow;
  });
}

/** Filters of {@link listWorkflows}. */
export interface WorkflowFilter {
  status?: "active" | "inactive" | undefined;
  isDefault?: boolean | undefined;
}

/**
 * A workflow of the caller's workspace and environment, or `undefined`. Needs `workflows:read`.
 *
 * @param app - The application.
 * @param actor - The caller.
 * @param id - Workflow id (`wfl_…`).
 */
export async function getWorkflow(app: Application, actor: Actor, id: string): Promise<Workflow | undefined> {
  const [workflow] = await getWorkflowsByIds(app, actor, [id]);
  return workflow;
}

/**
 * Workflows by id, in the order asked (`undefined` for those that are not the caller's). Needs
 * `workflows:read`.
 *
 * @param app - The application.
 * @param actor - The caller.
 * @param ids - Workflow ids.
 */
export async function getWorkflowsByIds(
  app: Application,
  actor: Actor,
  ids: readonly string[],
): Promise<(Workflow | undefined)[]> {
  requireScope(actor, "workflows:read");
  const { db, sharedReads } = applicationDeps(app);
  const rows = await sharedReads.byIds(`workflows|${tenantKey(actor)}`, ids, (all) =>
    findWorkflowsByIds(db, actor, all),
  );
  return alignByKey(ids, rows, (workflow) => workflow.id);
}

/**
 * A page of the caller's workflows, newest first. Needs `workflows:read`.
 *
 * @param app - The application.
 * @param actor - The caller.
 * @param page - Keyset page and filters.
 */
export async function listWorkflows(
  app: Application,
  actor: Actor,
  page: PageRequest & WorkflowFilter,
): Promise<Workflow[]> {
  requireScope(actor, "workflows:read");
  const { db, sharedReads } = applicationDeps(app);
  return sharedReads.once(`workflow-list|${tenantKey(actor)}|${JSON.stringify(page)}`, () =>
    listWorkflowRows(db, actor, page),
  );
}

/**
 * Every published version of each workflow, newest first, in the order asked (empty for workflows that are
 * not the caller's). Needs `workflows:read`.
 *
 * @param app - The application.
 * @param actor - The caller.
 * @param workflowIds - Workflow ids.
 */
export async function listVersionsOfWorkflows(
  app: Application,
  actor: Actor,
  workflowIds: readonly string[],
): Promise<WorkflowVersion[][]> {
  requireScope(actor, "workflows:read");
  const { db } = applicationDeps(app);
  const versions = await listWorkflowVersions(db, workflowIds, { tenant: actor });
  return groupByKey(workflowIds, versions, (version) => version.workflowId);
}
