import { findWorkflowVersion } from "@flowgate/db";
import { toValidationIssue, ValidationError, validateGraph } from "@flowgate/domain";
import { type DryRunInput, type DryRunResult, dryRunGraph } from "@flowgate/engine";
import { requireScope } from "../access.ts";
import type { Actor } from "../actor.ts";
import { type Application, applicationDeps } from "../application.ts";
import { requireDraft, requireWorkflow } from "./workflow-records.ts";

/**
 * Dry-runs a version of a workflow (the current one by default) in memory: see {@link dryRunGraph}.
 * Inactive workflows can be dry-run too. Nothing is written. Needs `workflows:read`.
 */
export async function dryRunWorkflow(
  app: Application,
  actor: Actor,
  input: { workflowId: string; version?: number | null | undefined; input: DryRunInput },
): Promise<DryRunResult> {
  requireScope(actor, "workflows:read");
  const { db } = applicationDeps(app);
  const workflow = await requireWorkflow(db, actor, input.workflowId);
  const number = input.version ?? workflow.currentVersion;
  const version = await findWorkflowVersion(db, workflow.id, number);
  if (!version) {
    throw new ValidationError("Unknown workflow version", [
      {
        path: ["version"],
        message: `workflow ${workflow.id} has no version ${number} (versions 1 to ${workflow.currentVersion})`,
      },
    ]);
  }
  return dryRunGraph(
    {
      graph: version.graph,
      workflowId: workflow.id,
      version: version.version,
      environment: actor.environment,
      workspaceId: actor.workspaceId,
    },
    input.input,
  );
}

/**
 * Dry-runs a draft's graph in memory (it must be valid): see {@link dryRunGraph}. Nothing is written.
 * Needs `workflows:read`.
 */
export async function dryRunWorkflowDraft(
  app: Application,
  actor: Actor,
  input: { draftId: string; input: DryRunInput },
): Promise<DryRunResult> {
  requireScope(actor, "workflows:read");
  const { db } = applicationDeps(app);
  const draft = await requireDraft(db, actor, input.draftId);
  const result = validateGraph(draft.graph);
  if (!result.ok) {
    throw new ValidationError(
      `Draft ${draft.id} is invalid; fix its graph before a dry run`,
      result.issues.map((issue) => toValidationIssue(issue)),
    );
  }
  return dryRunGraph(
    {
      graph: result.graph,
      workflowId: draft.workflowId,
      version: draft.baseVersion + 1,
      environment: actor.environment,
      workspaceId: actor.workspaceId,
    },
    input.input,
  );
}
