import { findWorkflow, insertSession } from "@flowgate/db";
import { NotFoundError, newId, type Session, ValidationError } from "@flowgate/domain";
import { inTransaction, type UnitOfWorkDeps } from "../unit-of-work.ts";
import type { Actor } from "./actor.ts";

/** Input of {@link createSession}. */
export interface CreateSessionInput {
  /** The workflow to run on submit; the workspace's default workflow when absent. */
  workflowId?: string | null | undefined;
  /** The customer's own identifier for the session. */
  referenceId?: string | null | undefined;
  metadata?: Record<string, unknown> | null | undefined;
  /** Sandbox only: simulated policy outcomes keyed by node id or policy name, `{ outcome, output }`. */
  sandbox?: Record<string, unknown> | null | undefined;
}

/** Creates a session in status `created`. */
export async function createSession(
  deps: UnitOfWorkDeps,
  actor: Actor,
  input: CreateSessionInput,
): Promise<Session> {
  if (input.sandbox && actor.environment !== "sandbox") {
    throw new ValidationError("Invalid session", [
      { path: ["sandbox"], message: "simulated outcomes are accepted only with a sandbox key" },
    ]);
  }
  if (input.referenceId !== undefined && input.referenceId !== null && input.referenceId.length > 200) {
    throw new ValidationError("Invalid session", [
      { path: ["referenceId"], message: "at most 200 characters" },
    ]);
  }
  return inTransaction(deps, async (trx) => {
    if (input.workflowId && !(await findWorkflow(trx, actor, input.workflowId))) {
      throw new NotFoundError("Workflow", input.workflowId);
    }
    return insertSession(trx, actor, {
      id: newId("ses"),
      workflowId: input.workflowId ?? null,
      referenceId: input.referenceId ?? null,
      metadata: input.metadata ?? {},
      sandbox: input.sandbox ?? null,
    });
  });
}
