import {
  findWorkflowVersion,
  insertWorkflow,
  insertWorkflowVersion,
  setDefaultWorkflow as setDefaultWorkflowRow,
  setWorkflowStatus,
  updateWorkflowMetadata,
} from "@flowgate/db";
import { ConflictError, NotFoundError, newId, type Workflow } from "@flowgate/domain";
import { inTransaction } from "@flowgate/engine";
import { requireScope } from "../access.ts";
import type { Actor } from "../actor.ts";
import { type Application, applicationDeps } from "../application.ts";
import { checkedName, requireWorkflow } from "./workflow-records.ts";

/** Input of {@link updateWorkflow}: absent fields stay as they are. */
export interface UpdateWorkflowInput {
  workflowId: string;
  name?: string | null | undefined;
  /** A new description; `null` clears it. */
  description?: string | null | undefined;
  /** Replaces the metadata. */
  metadata?: Record<string, unknown> | null | undefined;
}

/** Changes a workflow's name, description or metadata. Needs `workflows:write`. */
export async function updateWorkflow(
  app: Application,
  actor: Actor,
  input: UpdateWorkflowInput,
): Promise<Workflow> {
  requireScope(actor, "workflows:write");
  const deps = applicationDeps(app);
  const name = input.name === undefined || input.name === null ? undefined : checkedName(input.name);
  return inTransaction(deps, async (trx) => {
    const workflow = await requireWorkflow(trx, actor, input.workflowId, true);
    return updateWorkflowMetadata(trx, workflow.id, {
      name,
      description: input.description,
      metadata: input.metadata ?? undefined,
    });
  });
}

/**
 * Creates a new workflow whose version 1 is a copy of the source's current version, with the source's
 * description and metadata; it is active, not the default, and has no rollout map or draft.
 * Needs `workflows:write`.
 */
export async function cloneWorkflow(
  app: Application,
  actor: Actor,
  input: { workflowId: string; name?: string | null | undefined },
): Promise<Workflow> {
  requireScope(actor, "workflows:write");
  const deps = applicationDeps(app);
  const name = input.name === undefined || input.name === null ? undefined : checkedName(input.name);
  return inTransaction(deps, async (trx) => {
    const source = await requireWorkflow(trx, actor, input.workflowId);
    const version = await findWorkflowVersion(trx, source.id, source.currentVersion);
    if (!version) throw new NotFoundError("WorkflowVersion", `${source.id}@${source.currentVersion}`);
    const clone = await insertWorkflow(trx, actor, {
      id: newId("wfl"),
      name: name ?? `${source.name} (copy)`.slice(0, 200),
      description: source.description,
      metadata: source.metadata,
      currentVersion: 1,
    });
    await insertWorkflowVersion(trx, {
      workflowId: clone.id,
      version: 1,
      graph: version.graph,
      publishedBy: actor.keyId,
    });
    return clone;
  });
}

/**
 * Makes a workflow the default of its workspace and environment, switching atomically from the previous
 * default (concurrent switches apply one after the other). An inactive workflow cannot become the default.
 * Needs `workflows:write`.
 */
export async function setDefaultWorkflow(
  app: Application,
  actor: Actor,
  input: { workflowId: string },
): Promise<Workflow> {
  requireScope(actor, "workflows:write");
  const deps = applicationDeps(app);
  return inTransaction(deps, async (trx) => {
    // No row lock before the switch: the switch takes the tenant's default lock first, then row locks, so
    // two switches (or a switch and a create-as-default) never wait on each other in opposite orders.
    const workflow = await requireWorkflow(trx, actor, input.workflowId);
    if (workflow.status !== "active") {
      throw new ConflictError(
        `Workflow ${workflow.id} is inactive; activate it before making it the default`,
        workflow.status,
      );
    }
    await setDefaultWorkflowRow(trx, actor, workflow.id);
    return requireWorkflow(trx, actor, workflow.id);
  });
}

/**
 * Deactivates a workflow: no new run starts on it (triggering it, or the default when it is the default,
 * is a conflict), while runs in flight finish. Deactivating an inactive workflow changes nothing.
 * Needs `workflows:write`.
 */
export async function deactivateWorkflow(
  app: Application,
  actor: Actor,
  input: { workflowId: string },
): Promise<Workflow> {
  requireScope(actor, "workflows:write");
  const deps = applicationDeps(app);
  return inTransaction(deps, async (trx) => {
    const workflow = await requireWorkflow(trx, actor, input.workflowId, true);
    return workflow.status === "inactive" ? workflow : setWorkflowStatus(trx, workflow.id, "inactive");
  });
}

/**
 * Activates a workflow again, so new runs may start on it. Activating an active workflow changes nothing.
 * Needs `workflows:write`.
 */
export async function activateWorkflow(
  app: Application,
  actor: Actor,
  input: { workflowId: string },
): Promise<Workflow> {
  requireScope(actor, "workflows:write");
  const deps = applicationDeps(app);
  return inTransaction(deps, async (trx) => {
    const workflow = await requireWorkflow(trx, actor, input.workflowId, true);
    return workflow.status === "active" ? workflow : setWorkflowStatus(trx, workflow.id, "active");
  });
}
