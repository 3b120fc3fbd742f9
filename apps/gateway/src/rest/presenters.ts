import type { RecipientSendResult } from "@flowgate/application";
import type { NodeRun, Run, Session, Workflow, WorkflowVersion } from "@flowgate/domain";
import { runDurationMs } from "@flowgate/domain";
import { nodeResults } from "../schema/node-run.ts";
import { callerDataKeys, snakeCase } from "./inflection.ts";

// Response bodies in snake_case, built from the same domain objects GraphQL resolves. Seed routes have
// explicit presenters with exactly the seeds' keys; the other records go through `snakeRecord`.

const opaque = new Set(callerDataKeys);

/** ISO 8601 or null. */
function iso(date: Date | null | undefined): string | null {
  return date ? date.toISOString() : null;
}

/**
 * A domain record with snake_case keys (dates as ISO strings); the caller's own data (metadata, graphs,
 * payloads) keeps its keys.
 */
export function snakeRecord(value: unknown): unknown {
  if (value instanceof Date) return value.toISOString();
  if (Array.isArray(value)) return value.map(snakeRecord);
  if (value === null || typeof value !== "object") return value;
  const out: Record<string, unknown> = {};
  for (const [key, inner] of Object.entries(value)) {
    const snake = snakeCase(key);
    out[snake] = opaque.has(snake) ? inner : snakeRecord(inner);
  }
  return out;
}

/** A session (Verifa's session object; GraphQL `Session`). */
export function presentSession(session: Session) {
  return {
    id: session.id,
    status: session.status,
    result: session.result,
    workflow_id: session.workflowId,
    reference_id: session.referenceId,
    metadata: session.metadata,
    tags: session.tags,
    invitee_email: session.inviteeEmail ?? null,
    identity_id: session.identityId ?? null,
    is_sandbox: session.environment === "sandbox",
    created_at: iso(session.createdAt),
    updated_at: iso(session.updatedAt),
    submitted_at: iso(session.submittedAt),
    completed_at: iso(session.completedAt),
    expires_at: iso(session.expiresAt),
  };
}

/** Seed 001's workflow run, exactly its keys (GraphQL `Run` of `session.workflowRun`). */
export function presentWorkflowRun(run: Run, nodeRuns: readonly NodeRun[]) {
  const results = nodeResults(run, nodeRuns) as Record<string, Record<string, unknown>>;
  return {
    id: run.id,
    session_id: run.sessionId,
    workflow_id: run.workflowId,
    status: run.status,
    created_at: iso(run.createdAt),
    final_status: run.finalStatus,
    graph_snapshot: run.graphSnapshot,
    paused_at_node: run.pausedAtNode,
    current_node: run.currentNode,
    node_results: Object.fromEntries(
      Object.entries(results).map(([nodeId, result]) => [nodeId, snakeRecord(result)]),
    ),
    started_at: iso(run.startedAt),
    completed_at: iso(run.completedAt),
    duration_ms: runDurationMs(run),
  };
}

/** Seed 004's workspace workflow run, exactly its keys (GraphQL `Run` with `nodeRuns`). */
export function presentTaskRun(run: Run, nodeRuns: readonly NodeRun[]) {
  return {
    id: run.id,
    workflow_id: run.workflowId,
    status: run.status,
    created_at: iso(run.createdAt),
    triggered_by: run.triggeredBy,
    trigger_payload: run.triggerPayload,
    started_at: iso(run.startedAt),
    completed_at: iso(run.completedAt),
    error_message: run.errorMessage,
    total_cost_cents: run.totalCostCents,
    node_runs: nodeRuns.map((nodeRun) => ({
      id: nodeRun.id,
      workflow_run_id: nodeRun.runId,
      workflow_node_id: nodeRun.workflowNodeId,
      status: nodeRun.status,
      created_at: iso(nodeRun.createdAt),
      task_id: nodeRun.taskId,
      input_data: nodeRun.inputData,
      output_data: nodeRun.outputData,
      started_at: iso(nodeRun.startedAt),
      completed_at: iso(nodeRun.completedAt),
    })),
  };
}

/** A workflow (GraphQL `Workflow`). */
export function presentWorkflow(workflow: Workflow) {
  return {
    id: workflow.id,
    name: workflow.name,
    description: workflow.description,
    metadata: workflow.metadata,
    status: workflow.status,
    is_default: workflow.isDefault,
    current_version: workflow.currentVersion,
    rollout: workflow.rollout,
    created_at: iso(workflow.createdAt),
    updated_at: iso(workflow.updatedAt),
  };
}

/** A workflow version (GraphQL `WorkflowVersion`). */
export function presentWorkflowVersion(version: WorkflowVersion) {
  return {
    workflow_id: version.workflowId,
    version: version.version,
    graph: version.graph,
    published_by: version.publishedBy,
    created_at: iso(version.createdAt),
  };
}

/** Seed 003's Workflow Response Object, exactly its keys (GraphQL `WorkflowResponse`). */
export function presentWorkflowResponse(result: RecipientSendResult) {
  return {
    workflow_session_id: result.workflowSessionId,
    status: result.status,
    email_sent: result.emailSent,
    entity_id: result.entityId,
    entity_name: result.entityName,
    response_id: result.responseId,
    verification_session_id: result.verificationSessionId,
    steps: result.steps,
    expires_at: iso(result.expiresAt),
  };
}
