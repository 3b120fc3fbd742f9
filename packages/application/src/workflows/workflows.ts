import { insertWorkflow, insertWorkflowVersion, setDefaultWorkflow } from "@flowgate/db";
import { newId, parseWorkflowGraph, ValidationError, type Workflow } from "@flowgate/domain";
import { inTransaction } from "@flowgate/engine";
import { requireScope } from "../access.ts";
import type { Actor } from "../actor.ts";
import { type Application, applicationDeps } from "../application.ts";

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
 * graph throws a {@link ValidationError} whose issues name the node and field, and nothing is written.
 */
export async function createWorkflow(
  app: Application,
  actor: Actor,
  input: CreateWorkflowInput,
): Promise<Workflow> {
  requireScope(actor, "workflows:write");
  const deps = applicationDeps(app);
  const name = input.name.trim();
  if (name.length === 0 || name.length > 200) {
    throw new ValidationError("Invalid workflow", [
      { path: ["name"], message: "name must be 1 to 200 characters" },
    ]);
  }
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
