import {
  findWorkflowVersion,
  workflowAnalytics as queryWorkflowAnalytics,
  type WorkflowAnalytics,
} from "@flowgate/db";
import { ValidationError, type ValidationIssue } from "@flowgate/domain";
import { requireScope } from "../access.ts";
import type { Actor } from "../actor.ts";
import { type Application, applicationDeps } from "../application.ts";
import { requireWorkflow } from "./workflow-records.ts";

/** Longest window `workflowAnalytics` covers: 366 days. */
export const maxAnalyticsWindowMs = 366 * 24 * 3600 * 1000;

/**
 * A workflow's analytics over runs created in `[from, to)` (at most 366 days), optionally of one version:
 * runs by status and final status, run and node durations (p50/p95), node results and pass rates.
 * Needs `workflows:read`.
 */
export async function workflowAnalytics(
  app: Application,
  actor: Actor,
  input: { workflowId: string; from: Date; to: Date; version?: number | null | undefined },
): Promise<WorkflowAnalytics> {
  requireScope(actor, "workflows:read");
  const { db } = applicationDeps(app);
  const issues: ValidationIssue[] = [];
  if (Number.isNaN(input.from.getTime())) issues.push({ path: ["from"], message: "must be a date" });
  if (Number.isNaN(input.to.getTime())) issues.push({ path: ["to"], message: "must be a date" });
  if (issues.length === 0 && input.to.getTime() <= input.from.getTime()) {
    issues.push({ path: ["to"], message: "must be after from" });
  } else if (issues.length === 0 && input.to.getTime() - input.from.getTime() > maxAnalyticsWindowMs) {
    issues.push({ path: ["to"], message: "the window from → to can span at most 366 days" });
  }
  if (issues.length > 0) throw new ValidationError("Invalid analytics window", issues);
  const workflow = await requireWorkflow(db, actor, input.workflowId);
  if (input.version !== null && input.version !== undefined) {
    if (!(await findWorkflowVersion(db, workflow.id, input.version))) {
      throw new ValidationError("Unknown workflow version", [
        { path: ["version"], message: `workflow ${workflow.id} has no version ${input.version}` },
      ]);
    }
  }
  return queryWorkflowAnalytics(db, {
    workflowId: workflow.id,
    from: input.from,
    to: input.to,
    version: input.version,
  });
}
