import type { NodeRun, Run } from "@flowgate/domain";
import { builder } from "../builder.ts";
import { RunRef } from "./run.ts";

const NodeRunRef = builder.objectRef<NodeRun>("NodeRun").implement({
  description: "One execution of one graph node within a run.",
  fields: (t) => ({
    id: t.exposeID("id", { description: "Node run id (`nrn_…`)." }),
    workflowRunId: t.exposeID("runId", {
      description: "The run it belongs to (`wfr_…`; seed 004's `workflow_run_id`).",
    }),
    workflowNodeId: t.exposeString("workflowNodeId", { description: "The graph node's id." }),
    nodeType: t.exposeString("nodeType", { description: "The graph node's type." }),
    status: t.exposeString("status", { description: "running, paused, completed or failed." }),
    taskId: t.exposeString("taskId", { nullable: true, description: "The task executed, for task nodes." }),
    inputData: t.expose("inputData", {
      type: "JSONObject",
      nullable: true,
      description: "What the node was given.",
    }),
    outputData: t.expose("outputData", {
      type: "JSONObject",
      nullable: true,
      description: "What the node produced.",
    }),
    attempts: t.exposeInt("attempts", { description: "Attempts made (retries included)." }),
    result: t.exposeString("result", {
      nullable: true,
      description:
        "pass/fail/error for policies, the matched condition, the gate decision, the terminal outcome.",
    }),
    routedTo: t.exposeString("routedTo", { nullable: true, description: "The node the run went to next." }),
    costCents: t.exposeInt("costCents", { description: "Cost of this execution in cents." }),
    error: t.exposeString("error", { nullable: true, description: "Why it failed or errored." }),
    createdAt: t.expose("createdAt", { type: "DateTime", description: "When it was recorded." }),
    startedAt: t.expose("startedAt", { type: "DateTime", description: "When it started." }),
    completedAt: t.expose("completedAt", {
      type: "DateTime",
      nullable: true,
      description: "When it completed.",
    }),
    durationMs: t.int({
      nullable: true,
      description: "completedAt − startedAt in ms.",
      resolve: (n) => (n.completedAt ? n.completedAt.getTime() - n.startedAt.getTime() : null),
    }),
  }),
});

export function nodeResults(run: Run, nodeRuns: readonly NodeRun[]): Record<string, unknown> {
  const results: Record<string, unknown> = {};
  for (const nodeRun of nodeRuns) {
    const node = run.graphSnapshot.nodes.find((n) => n.id === nodeRun.workflowNodeId);
    results[nodeRun.workflowNodeId] = {
      nodeType: nodeRun.nodeType,
      ...(node?.type === "policy" ? { policy: node.policy } : {}),
      status: nodeRun.status,
      result: nodeRun.result,
      output: nodeRun.outputData,
      routedTo: nodeRun.routedTo,
      attempts: nodeRun.attempts,
      durationMs: nodeRun.completedAt ? nodeRun.completedAt.getTime() - nodeRun.startedAt.getTime() : null,
    };
  }
  return results;
}

builder.objectFields(RunRef, (t) => ({
  nodeResults: t.field({
    type: "JSONObject",
    description: "Results keyed by node id: policy, status, result, output, duration and routing target.",
    resolve: async (run, _args, context) => nodeResults(run, await context.loaders.nodeRuns.load(run.id)),
  }),
  nodeRuns: t.field({
    type: [NodeRunRef],
    description: "Every node execution, in order.",
    resolve: (run, _args, context) => context.loaders.nodeRuns.load(run.id),
  }),
}));
