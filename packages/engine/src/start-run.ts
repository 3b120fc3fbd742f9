import { type Executor, insertRunOfVersion } from "@flowgate/db";
import {
  assignRolloutVersion,
  newId,
  type Run,
  type RunAuditEntry,
  rolloutKey,
  type Session,
  type Tenant,
  ValidationError,
  type Workflow,
} from "@flowgate/domain";
import type { AfterCommit } from "./unit-of-work.ts";

/** What a new run is started with. */
export interface StartRunInput {
  workflow: Workflow;
  /** The session it runs on; null for runs triggered with a payload alone. */
  session: Session | null;
  /**
   * An explicit version (pins the run, overriding the rollout map); otherwise the workflow's rollout map
   * picks one, or the current version when it has none.
   */
  version?: number | null | undefined;
  triggerPayload?: Record<string, unknown>;
  /**
   * What rollout assignment sticks to when the run has no session (e.g. an idempotency key); the run's
   * own id when absent. A session's runs always stick to the session id.
   */
  rolloutKey?: string | null | undefined;
  /** Who started it (an API key id), recorded as the run's `triggeredBy`. */
  triggeredBy: string | null;
  /** The run's first audit entry (the command that started it), written in the same statement as the run. */
  audit?: Pick<RunAuditEntry, "action" | "actor" | "reason" | "data">;
  /**
   * The run's session is submitted at this time, in the same statement as the run: it becomes `processing`
   * on the run's workflow (the caller holds the session's lock and checked the transition).
   */
  sessionSubmittedAt?: Date;
}

/**
 * The version a new run of `workflow` starts on: the explicit `version` when given; else, with a rollout
 * map, the version a stable hash of the session id (or the run's key) assigns; else the current version.
 *
 * @param workflow - The workflow the run starts on.
 * @param version - An explicit version, overriding the rollout map.
 * @param subject - The session id, else the run's key.
 */
export function selectRunVersion(
  workflow: Workflow,
  version: number | null | undefined,
  subject: string,
): number {
  if (version !== null && version !== undefined) return version;
  if (workflow.rollout && workflow.rollout.length > 0) {
    return assignRolloutVersion(workflow.rollout, rolloutKey(workflow.id, subject));
  }
  return workflow.currentVersion;
}

/**
 * Creates a pending run of a workflow version inside the caller's transaction and queues its first
 * step, in one statement; workers are woken after commit. The version is chosen by
 * {@link selectRunVersion}; its graph becomes the run's `graphSnapshot`.
 */
export async function startRun(
  trx: Executor,
  after: AfterCommit,
  tenant: Tenant,
  input: StartRunInput,
): Promise<Run> {
  const runId = newId("wfr");
  const subject = input.session?.id ?? input.rolloutKey ?? runId;
  const chosen = selectRunVersion(input.workflow, input.version, subject);
  const wakeChannel = after.wakeFromStatement();
  const run = await insertRunOfVersion(
    trx,
    tenant,
    {
      id: runId,
      sessionId: input.session?.id ?? null,
      workflowId: input.workflow.id,
      workflowVersion: chosen,
      triggerPayload: input.triggerPayload ?? {},
      triggeredBy: input.triggeredBy,
    },
    {
      ...(input.audit ? { audit: { id: newId("evt"), ...input.audit } } : {}),
      ...(input.sessionSubmittedAt && input.session ? { sessionSubmittedAt: input.sessionSubmittedAt } : {}),
      // The transaction commits alone: its statement wakes the other processes' workers.
      ...(wakeChannel ? { wakeChannel } : {}),
    },
  );
  if (!run) {
    throw new ValidationError("Unknown workflow version", [
      { path: ["version"], message: `workflow ${input.workflow.id} has no version ${chosen}` },
    ]);
  }
  after.runCreated(run);
  return run;
}
