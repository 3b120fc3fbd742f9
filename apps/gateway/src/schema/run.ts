import {
  cancelRun,
  followRunProgress,
  listRunAuditTrail,
  listRunEvents,
  retryRun,
  triggerWorkflow,
} from "@flowgate/application";
import {
  type NodeRun,
  type Run,
  type RunAuditEntry,
  type RunEvent,
  runDurationMs,
  runEventTypes,
  runStatuses,
} from "@flowgate/domain";
import { builder } from "../builder.ts";
import { notFoundAsGraphQLError, recordErrors } from "./errors.ts";
import { SessionRef } from "./session.ts";
import { WorkflowRef } from "./workflow.ts";

const RunStatus = builder.enumType("RunStatus", {
  description: "Where a run is in its life (`paused` means it waits at an external gate).",
  values: runStatuses,
});

const RunEventType = builder.enumType("RunEventType", {
  description: "Kinds of run event.",
  values: Object.fromEntries(
    runEventTypes.map((type) => [type.replace(".", "_").toUpperCase(), { value: type }]),
  ),
});

const NodeRunRef = builder.objectRef<NodeRun>("NodeRun").implement({
  description: "One execution of one graph node within a run.",
  fields: (t) => ({
    id: t.exposeID("id", { description: "Node run id (`nrn_…`)." }),
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

/** The GraphQL `RunEvent` type. */
export const RunEventRef = builder.objectRef<RunEvent>("RunEvent").implement({
  description: "An event of a run; `seq` numbers a run's events 1, 2, 3, … without gaps.",
  fields: (t) => ({
    runId: t.exposeID("runId", { description: "The run." }),
    seq: t.exposeInt("seq", { description: "Position in the run's event stream, from 1." }),
    type: t.field({ type: RunEventType, resolve: (e) => e.type, description: "What happened." }),
    data: t.expose("data", {
      type: "JSONObject",
      description: "Details (node id, result, final status, …).",
    }),
    createdAt: t.expose("createdAt", { type: "DateTime", description: "When it was committed." }),
  }),
});

const RunAuditEntryRef = builder.objectRef<RunAuditEntry>("RunAuditEntry").implement({
  description:
    "A control action on a run (trigger, submit, decision, cancel, retry, timeout, expire): who and why.",
  fields: (t) => ({
    action: t.exposeString("action", { description: "What was done." }),
    actor: t.exposeString("actor", {
      nullable: true,
      description: "The API key id that did it; null for the engine itself (timers).",
    }),
    reason: t.exposeString("reason", { nullable: true, description: "Why, as given by the actor." }),
    data: t.expose("data", { type: "JSONObject", description: "Details (decision, metadata, node, …)." }),
    createdAt: t.expose("createdAt", { type: "DateTime", description: "When." }),
  }),
});

/** The GraphQL `Run` type. */
export const RunRef = builder.objectRef<Run>("Run");

builder.node(RunRef, {
  description: "A workflow run: one execution of a workflow version on a session.",
  authScopes: { anyScope: ["sessions:read", "workflows:read"] },
  id: { resolve: (run) => run.id },
  isTypeOf: (value) => typeof value === "object" && value !== null && "graphSnapshot" in value,
  loadMany: async (ids, context) =>
    (await context.loaders.run.loadMany(ids)).map((r) => (r instanceof Error ? null : (r ?? null))),
  fields: (t) => ({
    sessionId: t.exposeID("sessionId", { nullable: true, description: "The session it runs on." }),
    session: t.field({
      type: SessionRef,
      nullable: true,
      description: "The session it runs on.",
      resolve: async (run, _args, context) =>
        run.sessionId ? ((await context.loaders.session.load(run.sessionId)) ?? null) : null,
    }),
    workflowId: t.exposeID("workflowId", { description: "The workflow." }),
    workflow: t.field({
      type: WorkflowRef,
      nullable: true,
      description: "The workflow.",
      resolve: async (run, _args, context) => (await context.loaders.workflow.load(run.workflowId)) ?? null,
    }),
    workflowVersion: t.exposeInt("workflowVersion", { description: "The version it runs (fixed at start)." }),
    status: t.field({ type: RunStatus, resolve: (run) => run.status, description: "Current status." }),
    finalStatus: t.exposeString("finalStatus", {
      nullable: true,
      description: "Overall outcome once completed: approved, rejected, needs_review or a custom label.",
    }),
    graphSnapshot: t.expose("graphSnapshot", {
      type: "JSON",
      description: "The graph as it was when the run started.",
    }),
    currentNode: t.exposeString("currentNode", {
      nullable: true,
      description: "The current or last executed node.",
    }),
    pausedAtNode: t.exposeString("pausedAtNode", {
      nullable: true,
      description: "The node where the run waits (external gate); only while paused.",
    }),
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
    events: t.field({
      type: [RunEventRef],
      description: "The run's stored events after `afterSeq`, in order.",
      args: {
        afterSeq: t.arg.int({
          required: false,
          defaultValue: 0,
          description: "Return events with seq > afterSeq.",
        }),
      },
      resolve: (run, args, context) =>
        listRunEvents(context.app, context.actor, { runId: run.id, afterSeq: args.afterSeq ?? 0 }),
    }),
    auditTrail: t.field({
      type: [RunAuditEntryRef],
      description: "Every control action taken on the run, oldest first.",
      resolve: (run, _args, context) => listRunAuditTrail(context.app, context.actor, run.id),
    }),
    triggerPayload: t.expose("triggerPayload", {
      type: "JSONObject",
      description: "The payload it was triggered with.",
    }),
    triggeredBy: t.exposeString("triggeredBy", {
      nullable: true,
      description: "The API key that started it.",
    }),
    decisionMetadata: t.expose("decisionMetadata", {
      type: "JSONObject",
      nullable: true,
      description: "Metadata of the last external gate decision.",
    }),
    errorMessage: t.exposeString("errorMessage", { nullable: true, description: "Why it failed." }),
    totalCostCents: t.exposeInt("totalCostCents", { description: "Sum of the node runs' costs in cents." }),
    lastSeq: t.exposeInt("lastSeq", { description: "The seq of its latest event." }),
    createdAt: t.expose("createdAt", { type: "DateTime", description: "When it was created." }),
    startedAt: t.expose("startedAt", {
      type: "DateTime",
      nullable: true,
      description: "When its first step ran.",
    }),
    completedAt: t.expose("completedAt", {
      type: "DateTime",
      nullable: true,
      description: "When it finished.",
    }),
    durationMs: t.int({
      nullable: true,
      description: "Total execution time in ms.",
      resolve: (run) => runDurationMs(run),
    }),
  }),
});

function nodeResults(run: Run, nodeRuns: readonly NodeRun[]): Record<string, unknown> {
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

const TriggerWorkflowResult = builder
  .objectRef<{ sessionId: string; workflowId: string; status: "processing"; run: Run }>(
    "TriggerWorkflowPayload",
  )
  .implement({
    description: "A workflow run was started on the session; it executes asynchronously.",
    fields: (t) => ({
      sessionId: t.exposeID("sessionId", { description: "The session." }),
      workflowId: t.exposeID("workflowId", { description: "The workflow." }),
      status: t.exposeString("status", { description: "Always `processing`." }),
      run: t.field({ type: RunRef, resolve: (r) => r.run, description: "The new run." }),
    }),
  });

builder.queryFields((t) => ({
  run: t.field({
    type: RunRef,
    nullable: true,
    description: "A run of the caller's workspace and environment, or null.",
    authScopes: { anyScope: ["sessions:read", "workflows:read"] },
    args: { id: t.arg.id({ required: true, description: "Run id (`wfr_…`)." }) },
    resolve: async (_root, { id }, context) => (await context.loaders.run.load(String(id))) ?? null,
  }),
}));

builder.mutationFields((t) => ({
  triggerWorkflow: t.field({
    type: TriggerWorkflowResult,
    description:
      "Triggers a workflow on an existing session. The session must be completed or failed; its previous run is deleted and it becomes processing. The run executes asynchronously.",
    authScopes: { scope: "workflows:trigger" },
    errors: { types: recordErrors },
    args: {
      workflowId: t.arg.id({ required: true, description: "Workflow id (`wfl_…`)." }),
      sessionId: t.arg.id({ required: true, description: "The session to run the workflow on." }),
      version: t.arg.int({ required: false, description: "Run this version instead of the current one." }),
    },
    resolve: (_root, args, context) =>
      triggerWorkflow(context.app, context.actor, {
        workflowId: String(args.workflowId),
        sessionId: String(args.sessionId),
        version: args.version,
      }),
  }),
}));

builder.mutationFields((t) => ({
  cancelRun: t.field({
    type: RunRef,
    description: "Cancels a run that has not ended; its session becomes failed (so it can be re-triggered).",
    authScopes: { scope: "workflows:trigger" },
    errors: { types: recordErrors },
    args: {
      runId: t.arg.id({ required: true, description: "Run id (`wfr_…`)." }),
      reason: t.arg.string({ required: false, description: "Why; kept in the run's audit trail." }),
    },
    resolve: (_root, args, context) =>
      cancelRun(context.app, context.actor, { runId: String(args.runId), reason: args.reason }),
  }),
  retryRun: t.field({
    type: RunRef,
    description:
      "Re-executes a finished, failed or cancelled run from `fromNode` on the same version; earlier node runs stay as history.",
    authScopes: { scope: "workflows:trigger" },
    errors: { types: recordErrors },
    args: {
      runId: t.arg.id({ required: true, description: "Run id (`wfr_…`)." }),
      fromNode: t.arg.string({ required: true, description: "The graph node to start again from." }),
      reason: t.arg.string({ required: false, description: "Why; kept in the run's audit trail." }),
    },
    resolve: (_root, args, context) =>
      retryRun(context.app, context.actor, {
        runId: String(args.runId),
        fromNode: args.fromNode,
        reason: args.reason,
      }),
  }),
}));

builder.subscriptionFields((t) => ({
  runProgress: t.field({
    type: RunEventRef,
    description:
      "The run's events after `afterSeq`: stored ones first, then live ones, in order, without gaps or repeats; completes after the run's final event. Reconnect with the last seq you saw to miss nothing.",
    authScopes: { anyScope: ["sessions:read", "workflows:read"] },
    args: {
      runId: t.arg.id({ required: true, description: "Run id (`wfr_…`)." }),
      afterSeq: t.arg.int({
        required: false,
        defaultValue: 0,
        description: "Deliver events with seq > afterSeq.",
      }),
    },
    subscribe: (_root, args, context) =>
      notFoundAsGraphQLError(
        followRunProgress(context.app, context.actor, {
          runId: String(args.runId),
          afterSeq: args.afterSeq ?? 0,
        }),
      ),
    resolve: (event) => event,
  }),
}));
