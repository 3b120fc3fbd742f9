import {
  changeJobKind,
  deleteJob,
  deleteRunJob,
  type Executor,
  findRecipientSendsByIds,
  findRunById,
  type Job,
  listResponsesOfRun,
  scheduleRunJob,
  updateRun,
} from "@flowgate/db";
import {
  getNode,
  linkState,
  type QuestionnaireNode,
  type QuestionnaireOutcome,
  questionnaireNodeOutcome,
  questionnaireWaitDeadline,
  type Run,
} from "@flowgate/domain";
import type { AfterCommit } from "../unit-of-work.ts";

/**
 * Questionnaire waits are durable signals and timers, never polled:
 *
 * - Signal: whatever can end a wait — a response submitted, a link revoked, the run pausing at the node
 *   after its response was already submitted — calls {@link signalQuestionnaireRun} in its own transaction.
 *   Under the run's row lock it decides the wait and, when it is over, stores the run's pending signal and
 *   queues its next step, in that same transaction.
 * - Timer: while the wait can still end by a link expiring, the run's job is a `run.timeout` row due when
 *   the last active link expires (`questionnaireWaitDeadline`); it is moved whenever a response is linked,
 *   sent or revoked, and survives restarts like a gate's timeout. When it fires,
 *   {@link fireQuestionnaireTimer} decides again (an `expired` signal, or a later deadline).
 *
 * Lock order makes the pause and a submit racing it safe: the step that pauses takes the run's row lock
 * first (its guarded update) and reads the responses afterwards; a submit updates the response first and
 * takes the run's lock afterwards. Whichever commits second sees the other's write.
 */

/** What a questionnaire node's wait comes to now. */
type QuestionnaireWait =
  | { kind: "over"; outcome: QuestionnaireOutcome; responseId: string }
  | { kind: "waiting"; deadline: Date | null };

/** The run and its questionnaire node, when the run waits there without a signal yet. */
function waitingAt(run: Run | undefined): { run: Run; node: QuestionnaireNode } | null {
  if (run?.status !== "paused" || run.pendingSignal || !run.pausedAtNode) return null;
  const node = getNode(run.graphSnapshot, run.pausedAtNode);
  return node.type === "questionnaire" ? { run, node } : null;
}

async function decideWait(
  trx: Executor,
  run: Run,
  node: QuestionnaireNode,
  now: Date,
): Promise<QuestionnaireWait> {
  const responses = (await listResponsesOfRun(trx, run.id)).filter(
    (response) => response.questionnaireId === node.questionnaire,
  );
  const linkIds = responses.flatMap((response) =>
    response.workflowSessionId ? [response.workflowSessionId] : [],
  );
  const links = new Map((await findRecipientSendsByIds(trx, run, linkIds)).map((link) => [link.id, link]));
  const candidates = responses.map((response) => {
    const link = response.workflowSessionId ? links.get(response.workflowSessionId) : undefined;
    return {
      responseId: response.id,
      status: response.status,
      link: link ? linkState(link, now) : null,
      expiresAt: link?.expiresAt ?? null,
    };
  });
  const decided = questionnaireNodeOutcome(candidates);
  if (decided) return { kind: "over", ...decided };
  return { kind: "waiting", deadline: questionnaireWaitDeadline(candidates) };
}

async function storeSignal(
  trx: Executor,
  run: Run,
  wait: Extract<QuestionnaireWait, { kind: "over" }>,
): Promise<void> {
  await updateRun(trx, run.id, {
    pendingSignal: { kind: "questionnaire", outcome: wait.outcome, responseId: wait.responseId },
  });
}

/** The durable timer of a waiting run: a `run.timeout` job at the deadline, or none without one. */
async function setTimer(
  trx: Executor,
  run: Run,
  node: QuestionnaireNode,
  deadline: Date | null,
): Promise<void> {
  if (deadline === null) {
    await deleteRunJob(trx, run.id, "run.timeout");
    return;
  }
  await scheduleRunJob(trx, run.id, "run.timeout", {
    runAt: deadline,
    payload: { nodeId: node.id, step: run.stepCount },
  });
}

/**
 * Decides a run's questionnaire wait inside the caller's transaction (call it wherever a wait may have
 * ended or changed: a response submitted, linked, sent or revoked, the run pausing at the node). Locks the
 * run; if it is paused at a questionnaire node with no signal yet and a linked response of that
 * questionnaire was submitted (or every linked response's link expired or was revoked), stores the run's
 * pending signal and queues its next step (workers are woken after commit). Otherwise it (re)sets the
 * run's link-expiry timer. Safe to call any number of times and from several processes: a run is
 * signalled once.
 *
 * @returns Whether the run was signalled.
 */
export async function signalQuestionnaireRun(
  trx: Executor,
  after: AfterCommit,
  runId: string,
  now: Date = new Date(),
): Promise<boolean> {
  const waiting = waitingAt(await findRunById(trx, runId, { forUpdate: true }));
  if (!waiting) return false;
  const wait = await decideWait(trx, waiting.run, waiting.node, now);
  if (wait.kind === "waiting") {
    await setTimer(trx, waiting.run, waiting.node, wait.deadline);
    return false;
  }
  await storeSignal(trx, waiting.run, wait);
  await scheduleRunJob(trx, waiting.run.id, "run.step");
  after.wake();
  return true;
}

/**
 * Fires a questionnaire wait's link-expiry timer (`job`, held by `workerId`) for a run the caller has
 * locked and found still paused at `node`: signals `expired` (or `submitted`, should a submit have raced
 * the timer) and turns the job into the run's next step, or moves the timer to a later deadline (a link
 * sent since), or drops it when the wait can no longer end by itself.
 *
 * @returns Whether the run should now be advanced by the caller.
 */
export async function fireQuestionnaireTimer(
  trx: Executor,
  run: Run,
  node: QuestionnaireNode,
  job: Job,
  workerId: string,
): Promise<boolean> {
  // The queue found the job due by the database's clock: judge the links no earlier than its time, so that
  // a worker whose clock lags does not see them still active and re-arm the timer for the same moment.
  const now = new Date(Math.max(Date.now(), job.runAt.getTime()));
  const wait = await decideWait(trx, run, node, now);
  if (wait.kind === "over") {
    await storeSignal(trx, run, wait);
    await changeJobKind(trx, job.id, workerId, "run.step");
    return true;
  }
  if (wait.deadline === null) {
    await deleteJob(trx, job.id, workerId);
  } else {
    // Replaces the held job's time and releases it.
    await setTimer(trx, run, node, wait.deadline);
  }
  return false;
}
