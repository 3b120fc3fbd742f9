import { type QuestionnaireNode, routeQuestionnaire } from "@flowgate/domain";
import type { NodeHandler } from "./node-handler.ts";

/**
 * `questionnaire`: the run pauses until a response of the node's questionnaire linked to the run (sent with
 * `ddq.runId`) is submitted, or its link expires or is revoked first; then it routes `submitted` or
 * `expired`.
 */
export const questionnaireNode: NodeHandler<QuestionnaireNode> = {
  io: false,
  execute: async (node) => ({
    result: null,
    output: { questionnaireId: node.questionnaire },
    error: null,
    next: { kind: "pause", reason: "questionnaire" },
  }),
  resume: async (node, signal) => {
    if (signal.kind !== "questionnaire") {
      throw new Error(`questionnaire node "${node.id}" cannot resume on a ${signal.kind} signal`);
    }
    return {
      result: signal.outcome,
      output: { questionnaireId: node.questionnaire, responseId: signal.responseId, outcome: signal.outcome },
      error: null,
      next: routeQuestionnaire(node, signal.outcome),
    };
  },
};
