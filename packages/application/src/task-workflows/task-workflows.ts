import { findWorkflow, findWorkflowPayloadSchema, setWorkflowPayloadSchema } from "@flowgate/db";
import {
  ConflictError,
  NotFoundError,
  type PayloadSchema,
  payloadSchemaIssues,
  type Run,
  ValidationError,
  validatePayload,
  type Workflow,
} from "@flowgate/domain";
import { inTransaction, startRun } from "@flowgate/engine";
import { requireScope } from "../access.ts";
import type { Actor } from "../actor.ts";
import { type Application, applicationDeps } from "../application.ts";

/** Largest trigger payload, as JSON text (256 KiB). */
export const maxTriggerPayloadBytes = 256 * 1024;

/** Input of {@link triggerWorkspaceWorkflow}. */
export interface TriggerWorkspaceWorkflowInput {
  /** Must be the caller's workspace; any other is "not found". */
  workspaceId: string;
  workflowId: string;
  triggerPayload?: Record<string, unknown> | null | undefined;
  /** Run this version instead of the one the workflow would pick. */
  version?: number | null | undefined;
}

/**
 * Triggers a workspace workflow with a payload (seed 004): a run without a session. The payload is
 * validated against the workflow's JSON Schema when it has one (issues at `triggerPayload.<field>`);
 * `triggeredBy` is the caller's key. The run is returned pending and executes asynchronously.
 */
export async function triggerWorkspaceWorkflow(
  app: Application,
  actor: Actor,
  input: TriggerWorkspaceWorkflowInput,
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
 * error at `payloadSchema.<path>`.
 */
export async function updateWorkflowPayloadSchema(
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
