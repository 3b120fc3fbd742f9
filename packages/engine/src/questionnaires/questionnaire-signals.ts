import {
  type Executor,
  findRecipientSendsByIds,
  findRunById,
  listResponsesOfRun,
  scheduleRunJob,
  updateRun,
} from "@flowgate/db";
import { getNode, linkState, questionnaireNodeOutcome } from "@flowgate/domain";
import type { AfterCommit } from "../unit-of-work.ts";

/**
 * Resumes a run waiting at a questionnaire node when its wait is over, inside the caller's transaction:
 * locks the run and, if it is paused at a questionnaire node with no signal yet and a linked response of
 * that questionnaire was submitted (or every linked response's link expired or was revoked), sets the run's
 * pending signal and schedules its next step; workers are woken after commit. Safe to call any number of
 * times and from several processes: a run is signalled once.
 *
 * @returns Whether the run was signalled.
 */
export async function signalQuestionnaireRun(
  trx: Executor,
  after: AfterCommit,
  runId: string,
  now: Date = new Date(),
): Promise<boolean> {
  const run = await findRunById(trx, runId, { forUpdate: true });
  if (run?.status !== "paused" || run.pendingSignal || !run.pausedAtNode) return false;
  const node = getNode(run.graphSnapshot, run.pausedAtNode);
  if (node.type !== "questionnaire") return false;
  const responses = (await listResponsesOfRun(trx, run.id)).filter(
    (response) => response.questionnaireId === node.questionnaire,
  );
  const linkIds = responses.flatMap((response) =>
    response.workflowSessionId ? [response.workflowSessionId] : [],
  );
  const links = new Map((await findRecipientSendsByIds(trx, run, linkIds)).map((link) => [link.id, link]));
  const decided = questionnaireNodeOutcome(
    responses.map((response) => {
      const link = response.workflowSessionId ? links.get(response.workflowSessionId) : undefined;
      return { responseId: response.id, status: response.status, link: link ? linkState(link, now) : null };
    }),
  );
  if (!decided) return false;
  await updateRun(trx, run.id, {
    pendingSignal: { kind: "questionnaire", outcome: decided.outcome, responseId: decided.responseId },
  });
  await scheduleRunJob(trx, run.id, "run.step");
  after.wake();
  return true;
}
