import type { Executor } from "@flowgate/db";
import { findWorkflow, findWorkflowDraft, lockWorkflow } from "@flowgate/db";
import {
  ConflictError,
  NotFoundError,
  type Tenant,
  toValidationIssue,
  ValidationError,
  type ValidationIssue,
  validateGraph,
  type Workflow,
  type WorkflowDraft,
} from "@flowgate/domain";

/** A workflow name trimmed and checked (1–200 characters), or a ValidationError at `field`. */
export function checkedName(name: string, field = "name"): string {
  const trimmed = name.trim();
  if (trimmed.length === 0 || trimmed.length > 200) {
    throw new ValidationError("Invalid workflow", [
      { path: [field], message: "name must be 1 to 200 characters" },
    ]);
  }
  return trimmed;
}

/** A workflow of the tenant (locked with `lock`), or NotFoundError. */
export async function requireWorkflow(
  db: Executor,
  tenant: Tenant,
  id: string,
  lock = false,
): Promise<Workflow> {
  const workflow = lock ? await lockWorkflow(db, tenant, id) : await findWorkflow(db, tenant, id);
  if (!workflow) throw new NotFoundError("Workflow", id);
  return workflow;
}

/** A draft of the tenant (locked with `lock`), or NotFoundError. */
export async function requireDraft(
  db: Executor,
  tenant: Tenant,
  id: string,
  lock = false,
): Promise<WorkflowDraft> {
  const draft = await findWorkflowDraft(db, tenant, id, { forUpdate: lock });
  if (!draft) throw new NotFoundError("WorkflowDraft", id);
  return draft;
}

/** Refuses a draft that is not open any more (ConflictError naming the `action`). */
export function requireOpen(draft: WorkflowDraft, action: string): void {
  if (draft.status !== "open") {
    throw new ConflictError(
      `Draft ${draft.id} is ${draft.status}; only an open draft can be ${action}`,
      draft.status,
    );
  }
}

/** Whether `error` is a unique or primary-key violation from PostgreSQL or PGlite. */
export function isUniqueViolation(error: unknown): boolean {
  return typeof error === "object" && error !== null && (error as { code?: unknown }).code === "23505";
}

/** Validates a graph for a draft: it is saved either way, with its issues (paths under `graph`). */
export function draftValidation(graph: unknown): { valid: boolean; issues: ValidationIssue[] } {
  const result = validateGraph(graph);
  return result.ok
    ? { valid: true, issues: [] }
    : { valid: false, issues: result.issues.map((issue) => toValidationIssue(issue)) };
}
