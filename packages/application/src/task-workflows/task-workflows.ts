import {
  findWorkflow,
  findWorkflowPayloadSchema,
  findWorkflowPayloadSchemas,
  setWorkflowPayloadSchema,
  sumNodeCosts,
} from "@flowgate/db";
import {
  ConflictError,
  type Environment,
  NotFoundError,
  type PayloadSchema,
  payloadSchemaIssues,
  type Run,
  startOfUtcMonth,
  ValidationError,
  validatePayload,
  type Workflow,
} from "@flowgate/domain";
import { inTransaction, startRun } from "@flowgate/engine";
import { requireScope } from "../access.ts";
import type { Actor } from "../actor.ts";
import { type Application, applicationDeps } from "../application.ts";
import { requireWorkspaceOfOrganization } from "../workspaces/workspaces.ts";

/** Largest trigger payload, as JSON text (256 KiB). */
export const maxTriggerPayloadBytes = 256 * 1024;

/** Input of {@link triggerTaskWorkflow}. */
export interface TriggerTaskWorkflowInput {
  /** Must be the caller's workspace; any other is "not found". */
  workspaceId: string;
  workflowId: string;
  triggerPayload?: Record<string, unknown> | null | undefined;
  /** Run this version instead of the one the workflow would pick. */
  version?: number | null | undefined;
}

/**
 * Triggers a task workflow (seed 004's "workspace workflow", GraphQL `triggerWorkspaceWorkflow`): a run of a
 * workflow with a payload and no session. The payload is validated against the workflow's payload schema
 * when it has one (issues at `triggerPayload.<field>`); `triggeredBy` is the caller's key. The run is
 * returned pending and executes asynchronously. Needs `workflows:trigger`.
 */
export async function triggerTaskWorkflow(
  app: Application,
  actor: Actor,
  input: TriggerTaskWorkflowInput,
): Promise<Run> {
  requireScope(actor, "workflows:trigger");
  const deps = applicationDeps(app);
  if (input.workspaceId !== actor.workspaceId) throw new NotFoundError("Workspace", input.workspaceId);
  const triggerPayload = input.triggerPayload ?? {};
  const size = Buffer.byteLength(JSON.stringify(triggerPayload), "utf8");
  if (size > maxTriggerPayloadBytes) {
    throw new ValidationError("Invalid trigger payload", [
      {
        path: ["triggerPayload"],
        message: `must be at most ${maxTriggerPayloadBytes} bytes of JSON (is ${size})`,
      },
    ]);
  }
  return inTransaction(deps, async (trx, after) => {
    const workflow = await findWorkflow(trx, actor, input.workflowId);
    if (!workflow) throw new NotFoundError("Workflow", input.workflowId);
    if (workflow.status !== "active") {
      throw new ConflictError(`Workflow ${workflow.id} is inactive; activate it to trigger runs`, "inactive");
    }
    const schema = await findWorkflowPayloadSchema(trx, workflow.id);
    if (schema !== null) {
      const issues = validatePayload(schema, triggerPayload, ["triggerPayload"]);
      if (issues.length > 0) throw new ValidationError("Invalid trigger payload", issues);
    }
    return startRun(trx, after, actor, {
      workflow,
      session: null,
      triggerPayload,
      triggeredBy: actor.keyId,
      ...(input.version !== undefined && input.version !== null ? { version: input.version } : {}),
    });
  });
}

/**
 * Sets the JSON Schema that a workflow's trigger payloads must satisfy (see the supported subset in
 * `payload-schema.ts`), or removes it with `null`. An unsupported or malformed schema is a validation
 * error at `payloadSchema.<path>`. Needs `workflows:write`.
 */
export async function setTriggerPayloadSchema(
  app: Application,
  actor: Actor,
  input: { workflowId: string; payloadSchema: PayloadSchema | null },
): Promise<Workflow> {
  requireScope(actor, "workflows:write");
  const deps = applicationDeps(app);
  if (input.payloadSchema !== null) {
    const issues = payloadSchemaIssues(input.payloadSchema);
    if (issues.length > 0) {
      throw new ValidationError(
        "Invalid payload schema",
        issues.map((issue) => ({ path: ["payloadSchema", ...issue.path], message: issue.message })),
      );
    }
  }
  return inTransaction(deps, async (trx) => {
    const workflow = await findWorkflow(trx, actor, input.workflowId);
    if (!workflow) throw new NotFoundError("Workflow", input.workflowId);
    await setWorkflowPayloadSchema(trx, actor, workflow.id, input.payloadSchema, actor.keyId);
    return workflow;
  });
}

/**
 * The trigger payload schema of each workflow, in the order asked (`null` when it has none or is not the
 * caller's). Needs `workflows:read`.
 *
 * @param app - The application.
 * @param actor - The caller.
 * @param workflowIds - Workflow ids.
 */
export async function getTriggerPayloadSchemas(
  app: Application,
  actor: Actor,
  workflowIds: readonly string[],
): Promise<(PayloadSchema | null)[]> {
  requireScope(actor, "workflows:read");
  const schemas = await findWorkflowPayloadSchemas(applicationDeps(app).db, actor, workflowIds);
  return workflowIds.map((id) => schemas.get(id) ?? null);
}

/**
 * What a workspace's tasks cost this calendar month (UTC) so far, in cents, from the ledger of node costs:
 * both environments, or one. The workspace must be of the caller's organization. Needs `admin`.
 *
 * @param app - The application.
 * @param actor - The caller.
 * @param input - The workspace, an environment to count alone, and the instant whose month counts.
 * @throws NotFoundError for a workspace of another organization.
 */
export async function taskCostThisMonth(
  app: Application,
  actor: Actor,
  input: { workspaceId: string; environment?: Environment | null | undefined; now?: Date | undefined },
): Promise<number> {
  requireScope(actor, "admin");
  const { db } = applicationDeps(app);
  const workspace = await requireWorkspaceOfOrganization(db, actor, input.workspaceId);
  return sumNodeCosts(db, workspace.id, {
    since: startOfUtcMonth(input.now ?? new Date()),
    environment: input.environment ?? undefined,
  });
}
