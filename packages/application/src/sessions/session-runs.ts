import {
  deleteRunsOfSession,
  type Executor,
  findDefaultWorkflow,
  findRunsBySessionIds,
  findSession,
  findWorkflow,
  findWorkflowVersion,
  lockSessionWithWorkflow,
  signalPausedRun,
  updateSessionStatus,
} from "@flowgate/db";
import {
  assertSessionNotRedacted,
  assertSessionTransition,
  ConflictError,
  canAcceptExternalDecision,
  canTriggerWorkflow,
  type ExternalDecision,
  NotFoundError,
  type Run,
  type Session,
  type Tenant,
  ValidationError,
  type Workflow,
  type WorkflowGraph,
} from "@flowgate/domain";
import {
  type AfterCommit,
  inTransaction,
  noteEnabledWebhookEndpoint,
  recordSessionWebhookEvent,
  startRun,
} from "@flowgate/engine";
import { requireScope } from "../access.ts";
import type { Actor } from "../actor.ts";
import { type Application, applicationDeps } from "../application.ts";

/** Picks the workflow a session runs: the given one, the session's own, or the tenant's default. */
async function resolveWorkflow(
  trx: Executor,
  tenant: Tenant,
  workflowId: string | null | undefined,
  field: string,
): Promise<Workflow> {
  const found = workflowId
    ? await findWorkflow(trx, tenant, workflowId)
    : await findDefaultWorkflow(trx, tenant);
  return usableWorkflow(found, workflowId, field);
}

/**
 * The workflow to run, `found` for `workflowId` (or, without one, as the tenant's default): refused when
 * there is none or it is inactive.
 */
function usableWorkflow(
  found: Workflow | undefined,
  workflowId: string | null | undefined,
  field: string,
): Workflow {
  if (workflowId) {
    if (!found) throw new NotFoundError("Workflow", workflowId);
    if (found.status !== "active") {
      throw new ConflictError(
        `Workflow ${found.id} is inactive; activate it or choose another workflow`,
        "inactive",
      );
    }
    return found;
  }
  if (!found) {
    throw new ValidationError("No workflow to run", [
      { path: [field], message: "the session has no workflow and the workspace has no default workflow" },
    ]);
  }
  if (found.status !== "active") {
    throw new ConflictError(
      `The default workflow ${found.id} is inactive; it cannot start new runs`,
      "inactive",
    );
  }
  return found;
}

async function lockSession(trx: Executor, tenant: Tenant, sessionId: string): Promise<Session> {
  const session = await findSession(trx, tenant, sessionId, { forUpdate: true });
  if (!session) throw new NotFoundError("Session", sessionId);
  // Nothing runs on a session whose data was removed (submit, trigger, external decision).
  assertSessionNotRedacted(session);
  return session;
}

function publishSession(after: AfterCommit, session: Session, status: string): void {
  after.publish({
    channel: `session:${session.id}`,
    event: { sessionId: session.id, status, result: null, at: new Date().toISOString() },
  });
}

/**
 * Submits a session (created or in capture) and starts its workflow: the session's own, or the default.
 * `version` pins the run to a version of that workflow. Needs `sessions:write`.
 */
export async function submitSession(
  app: Application,
  actor: Actor,
  input: { sessionId: string; version?: number | null | undefined },
): Promise<{ session: Session; run: Run }> {
  requireScope(actor, "sessions:write");
  const deps = applicationDeps(app);
  return inTransaction(deps, async (trx, after) => {
    // The session is locked and the workflow it runs read in one statement.
    const locked = await lockSessionWithWorkflow(trx, actor, input.sessionId);
    if (!locked) throw new NotFoundError("Session", input.sessionId);
    assertSessionNotRedacted(locked.session);
    // Read with the lock, so the session's webhook events need no lookup of their own.
    noteEnabledWebhookEndpoint(after, actor, locked.hasEnabledWebhookEndpoint);
    return submitSessionIn(trx, after, actor, locked.session, {
      version: input.version,
      by: actor.keyId,
      workflow: locked.workflow,
    });
  });
}

/**
 * The one submit path, in the caller's transaction with the session locked: `submitSession`, the capture
 * page's submit and the sandbox's `complete_capture` use it. Refuses a session that is not created or in
 * progress (an expired one among them) with a conflict.
 */
export async function submitSessionIn(
  trx: Executor,
  after: AfterCommit,
  tenant: Tenant,
  session: Session,
  options: {
    version?: number | null | undefined;
    by: string;
    /**
     * The session's workflow (or the default) as read with the session's lock, `undefined` when there was
     * none; when the option is left out, it is read here.
     */
    workflow?: Workflow | undefined;
  },
): Promise<{ session: Session; run: Run }> {
  if (session.status !== "created" && session.status !== "in_progress") {
    throw new ConflictError(
      `Session ${session.id} is ${session.status}; only a created or in-progress session can be submitted`,
      session.status,
    );
  }
  assertSessionTransition(session.status, "submitted");
  const workflow =
    "workflow" in options
      ? usableWorkflow(options.workflow, session.workflowId, "sessionId")
      : await resolveWorkflow(trx, tenant, session.workflowId, "sessionId");
  const now = new Date();
  // The run's statement also marks the session submitted (status, workflow, submitted_at, updated_at).
  const run = await startRun(trx, after, tenant, {
    workflow,
    session,
    version: options.version,
    triggeredBy: options.by,
    audit: { action: "submit", actor: options.by, reason: null, data: { sessionId: session.id } },
    sessionSubmittedAt: now,
  });
  // The session is locked and these are all the columns the statement changed: no need to read it back.
  const submitted: Session = {
    ...session,
    status: "processing",
    workflowId: workflow.id,
    submittedAt: now,
    updatedAt: now,
  };
  await recordSessionWebhookEvent(trx, after, submitted, "session.submitted");
  publishSession(after, session, "processing");
  return { session: submitted, run };
}

/**
 * The graph a session's workflow will run (its own workflow's current version, or the default's), for the
 * capture page's steps and the sandbox's simulations; `undefined` when there is none yet.
 */
export async function graphOfSession(
  trx: Executor,
  tenant: Tenant,
  session: Session,
): Promise<WorkflowGraph | undefined> {
  const [run] = await findRunsBySessionIds(trx, [session.id]);
  if (run) return run.graphSnapshot;
  const workflow = session.workflowId
    ? await findWorkflow(trx, tenant, session.workflowId)
    : await findDefaultWorkflow(trx, tenant);
  if (!workflow) return undefined;
  return (await findWorkflowVersion(trx, workflow.id, workflow.currentVersion))?.graph;
}

/**
 * Triggers a workflow on an existing session (seed 000): allowed only when the session is completed or
 * failed; the session's previous run is deleted and the session becomes `processing`.
 * Needs `workflows:trigger`.
 */
export async function triggerWorkflow(
  app: Application,
  actor: Actor,
  input: { workflowId: string; sessionId: string; version?: number | null | undefined },
): Promise<{ sessionId: string; workflowId: string; status: "processing"; run: Run }> {
  requireScope(actor, "workflows:trigger");
  const deps = applicationDeps(app);
  return inTransaction(deps, async (trx, after) => {
    const session = await lockSession(trx, actor, input.sessionId);
    const workflow = await resolveWorkflow(trx, actor, input.workflowId, "workflowId");
    if (!canTriggerWorkflow(session.status)) {
      throw new ConflictError(
        `Session ${session.id} is ${session.status}; a workflow can be triggered only on a completed or failed session`,
        session.status,
      );
    }
    await deleteRunsOfSession(trx, session.id);
    const run = await startRun(trx, after, actor, {
      workflow,
      session,
      version: input.version,
      triggeredBy: actor.keyId,
      audit: {
        action: "trigger",
        actor: actor.keyId,
        reason: null,
        data: { sessionId: session.id, workflowId: workflow.id },
      },
    });
    await updateSessionStatus(trx, session.id, {
      status: "processing",
      result: null,
      workflowId: workflow.id,
      completedAt: null,
    });
    publishSession(after, session, "processing");
    return { sessionId: session.id, workflowId: workflow.id, status: "processing", run };
  });
}

/** The answer to an accepted external decision (seed 002). */
export interface ExternalDecisionAccepted {
  sessionId: string;
  decision: ExternalDecision;
  status: "processing";
  message: string;
  runId: string;
}

/**
 * Records an external gate decision for a session awaiting one; the run resumes asynchronously.
 * `metadata` is stored on the run. Needs `sessions:write`.
 */
export async function submitExternalDecision(
  app: Application,
  actor: Actor,
  input: {
    sessionId: string;
    decision: ExternalDecision;
    metadata?: Record<string, unknown> | null | undefined;
  },
): Promise<ExternalDecisionAccepted> {
  requireScope(actor, "sessions:write");
  const deps = applicationDeps(app);
  return inTransaction(deps, async (trx, after) => {
    const session = await lockSession(trx, actor, input.sessionId);
    if (!canAcceptExternalDecision(session.status)) {
      throw new ConflictError(
        `Session ${session.id} is ${session.status}; a decision is accepted only while it is awaiting_external`,
        session.status,
      );
    }
    const [run] = await findRunsBySessionIds(trx, [session.id]);
    if (run?.status !== "paused") {
      throw new ConflictError(`Session ${session.id} has no run paused at an external gate`, session.status);
    }
    // The signal, the session's status, the run's step job and the audit entry in one statement, which
    // also wakes the other processes' workers when this transaction commits alone.
    const wakeChannel = after.wakeFromStatement();
    await signalPausedRun(trx, {
      runId: run.id,
      sessionId: session.id,
      pendingSignal: {
        kind: "decision",
        decision: input.decision,
        metadata: input.metadata ?? null,
        decidedBy: actor.keyId,
      },
      decisionMetadata: input.metadata ?? null,
      audit: {
        action: "decision",
        actor: actor.keyId,
        reason: null,
        data: { decision: input.decision, metadata: input.metadata ?? null },
      },
      ...(wakeChannel ? { wakeChannel } : {}),
    });
    publishSession(after, session, "processing");
    return {
      sessionId: session.id,
      decision: input.decision,
      status: "processing",
      message: "External decision accepted. The workflow will resume shortly.",
      runId: run.id,
    };
  });
}
