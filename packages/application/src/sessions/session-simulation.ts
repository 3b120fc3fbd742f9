import {
  type Executor,
  findRunById,
  findRunsBySessionIds,
  findSession,
  listChecksOfRuns,
  updateSessionDetails,
} from "@flowgate/db";
import {
  ConflictError,
  canExpireSession,
  parseSessionSimulation,
  type Run,
  SandboxOnlyError,
  type Session,
  type SessionSimulation,
  simulatedOutcomeOf,
  type Tenant,
  ValidationError,
} from "@flowgate/domain";
import { type AfterCommit, inTransaction, markSessionExpired } from "@flowgate/engine";
import { requireScope } from "../access.ts";
import type { Actor } from "../actor.ts";
import { type Application, applicationDeps } from "../application.ts";
import { retryRunFrom } from "../runs/run-control.ts";
import { lockUnredactedSession, sessionAudit } from "./session-records.ts";
import { graphOfSession, submitSessionIn } from "./session-runs.ts";

/** What a simulation did. */
export interface SimulationResult {
  session: Session;
  /** The run it started or re-ran, when it did. */
  run: Run | null;
}

/**
 * Applies a sandbox simulation to a locked sandbox session, in the caller's transaction: the API's
 * `simulateSessionAction` and the capture page's sandbox outcomes both use it.
 *
 * - `complete_capture` submits the session (the one submit path);
 * - `pass_check` / `fail_check` / `error_check` set the simulated outcome of a policy node; when that check
 *   already ended in the session's run and the run has finished, the run re-runs from it (the one retry
 *   path) so that the outcome takes effect; otherwise it applies when the node runs;
 * - `expire` expires the session.
 */
export async function applySimulationIn(
  trx: Executor,
  after: AfterCommit,
  actor: Actor,
  session: Session,
  simulation: SessionSimulation,
): Promise<SimulationResult> {
  if (session.environment !== "sandbox") throw new SandboxOnlyError("simulateSessionAction");
  const tenant: Tenant = session;
  let run: Run | null = null;
  switch (simulation.type) {
    case "complete_capture":
      run = (await submitSessionIn(trx, after, tenant, session, { by: actor.keyId })).run;
      break;
    case "expire":
      if (!canExpireSession(session.status)) {
        throw new ConflictError(
          `Session ${session.id} is ${session.status}; it cannot expire now`,
          session.status,
        );
      }
      await markSessionExpired(trx, after, session.id, { actor: actor.keyId, reason: "sandbox simulation" });
      break;
    case "pass_check":
    case "fail_check":
    case "error_check": {
      const graph = await graphOfSession(trx, tenant, session);
      const node = graph?.nodes.find((candidate) => candidate.id === simulation.node);
      if (node?.type !== "policy") {
        const policies = graph?.nodes.filter((n) => n.type === "policy").map((n) => n.id) ?? [];
        throw new ValidationError("Unknown check", [
          {
            path: ["node"],
            message: `"${simulation.node}" is not a policy node of the session's workflow (${policies.join(", ") || "none"})`,
          },
        ]);
      }
      const outcome = simulatedOutcomeOf[simulation.type];
      await updateSessionDetails(trx, session.id, {
        sandbox: { ...(session.sandbox ?? {}), [node.id]: { outcome } },
      });
      const [current] = await findRunsBySessionIds(trx, [session.id]);
      const checks = current ? await listChecksOfRuns(trx, tenant, [current.id]) : [];
      const ended = checks.find((check) => check.nodeId === node.id && check.result !== null);
      if (current && ended && ["completed", "failed", "cancelled"].includes(current.status)) {
        const locked = await findRunById(trx, current.id, { forUpdate: true });
        run = await retryRunFrom(trx, after, actor, locked ?? current, {
          fromNode: node.id,
          fromNodeField: "node",
          reason: `sandbox simulation ${simulation.type}`,
          auditData: { checkId: ended.id },
        });
      }
      break;
    }
  }
  await sessionAudit(trx, session.id, "simulate", actor.keyId, null, { ...simulation });
  const updated = (await findSession(trx, tenant, session.id)) as Session;
  return { session: updated, run };
}

/**
 * Simulates what would happen next to a sandbox session (the seed's "Simulate a session action (sandbox
 * only)"): `complete_capture`, `pass_check(<node>)`, `fail_check(<node>)`, `error_check(<node>)` or
 * `expire`; see {@link applySimulationIn}. A live key gets `SandboxOnlyError`. Needs `sessions:write`.
 */
export async function simulateSessionAction(
  app: Application,
  actor: Actor,
  input: { sessionId: string; action: string; node?: string | null | undefined },
): Promise<SimulationResult> {
  requireScope(actor, "sessions:write");
  if (actor.environment !== "sandbox") throw new SandboxOnlyError("simulateSessionAction");
  const simulation = parseSessionSimulation(input.action, input.node);
  return inTransaction(applicationDeps(app), async (trx, after) => {
    const session = await lockUnredactedSession(trx, actor, input.sessionId);
    return applySimulationIn(trx, after, actor, session, simulation);
  });
}
