import { type Executor, findWorkflowVersion, insertRun, scheduleRunJob } from "@flowgate/db";
import { newId, type Run, type Session, ValidationError, type Workflow } from "@flowgate/domain";
import type { AfterCommit } from "../unit-of-work.ts";
import type { Actor } from "./actor.ts";

/** What a new run is started with. */
export interface StartRunInput {
  workflow: Workflow;
  /** The session it runs on; null for runs triggered with a payload alone. */
  session: Session | null;
  /** An explicit version (pins the run); the workflow's current version otherwise. */
  version?: number | null | undefined;
  triggerPayload?: Record<string, unknown>;
}

/**
 * Creates a pending run of a workflow version inside the caller's transaction and queues its first
 * step; workers are woken after commit. The version's graph becomes the run's `graphSnapshot`.
 */
export async function startRun(
  trx: Executor,
  after: AfterCommit,
  actor: Actor,
  input: StartRunInput,
): Promise<Run> {
  const chosen = input.version ?? input.workflow.currentVersion;
  const workflowVersion = await findWorkflowVersion(trx, input.workflow.id, chosen);
  if (!workflowVersion) {
    throw new ValidationError("Unknown workflow version", [
      { path: ["version"], message: `workflow ${input.workflow.id} has no version ${chosen}` },
    ]);
  }
  const run = await insertRun(trx, actor, {
    id: newId("wfr"),
    sessionId: input.session?.id ?? null,
    workflowId: input.workflow.id,
    workflowVersion: workflowVersion.version,
    graphSnapshot: workflowVersion.graph,
    triggerPayload: input.triggerPayload ?? {},
    triggeredBy: actor.actorId,
  });
  await scheduleRunJob(trx, run.id, "run.step");
  after.wake();
  return run;
}
