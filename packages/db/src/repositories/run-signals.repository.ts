import type { RunAuditEntry, RunSignal } from "@flowgate/domain";
import { newId } from "@flowgate/domain";
import { sql } from "kysely";
import type { Executor } from "../database.ts";
import { runJobUpsert } from "./jobs.repository.ts";

/** What {@link signalPausedRun} writes for a run paused at a gate of its session. */
export interface PausedRunSignal {
  runId: string;
  /** The run's session: it becomes `processing`. */
  sessionId: string;
  /** What the run resumes with (the gate's decision). */
  pendingSignal: RunSignal;
  /** The decision's metadata, kept on the run. */
  decisionMetadata: Record<string, unknown> | null;
  /** The audit entry of the command (who decided). */
  audit: Omit<RunAuditEntry, "id" | "runId" | "createdAt">;
  /** A NOTIFY channel on which workers wait: the statement wakes them (the NOTIFY goes out with the commit). */
  wakeChannel?: string;
}

/**
 * Hands a paused run its signal in ONE statement: the run's pending signal and decision metadata, its
 * session set `processing`, its `run.step` job queued (due now) and the command's audit entry, written by
 * data-modifying CTEs; with `wakeChannel`, the workers' wake-up too. The caller holds the session's lock
 * and checked that the run is paused.
 */
export async function signalPausedRun(db: Executor, signal: PausedRunSignal): Promise<void> {
  const now = new Date();
  const wakeChannel = signal.wakeChannel ?? null;
  await db
    .with("step_job", (qc) => runJobUpsert(qc, signal.runId, "run.step", { runAt: now }).returning("id"))
    .with("signalled_run", (qc) =>
      qc
        .updateTable("runs")
        .set({
          pending_signal: JSON.stringify(signal.pendingSignal),
          decision_metadata: signal.decisionMetadata ? JSON.stringify(signal.decisionMetadata) : null,
        })
        .where("id", "=", signal.runId)
        .returning("id"),
    )
    .with("processing_session", (qc) =>
      qc
        .updateTable("sessions")
        .set({ status: "processing", updated_at: now })
        .where("id", "=", signal.sessionId)
        .returning("id"),
    )
    // A SELECT in a WITH runs only when referenced (below); without a channel it notifies nothing.
    .with("run_wake", (qc) =>
      qc
        .selectNoFrom(sql<string>`pg_notify(${wakeChannel}::text, '')`.as("sent"))
        .where(sql<boolean>`${wakeChannel}::text is not null`),
    )
    .insertInto("run_audit")
    .values({
      id: newId("evt"),
      run_id: signal.runId,
      action: signal.audit.action,
      actor: signal.audit.actor,
      reason: signal.audit.reason,
      data: JSON.stringify(signal.audit.data),
    })
    .returning(sql<number>`(select count(*) from run_wake)::int`.as("woken"))
    .execute();
}
