import { cancelRun, retryRun, triggerWorkflow } from "@flowgate/application";
import { type Run, runDurationMs, runStatuses } from "@flowgate/domain";
import { builder } from "../builder.ts";
import { recordErrors } from "./errors.ts";
import { selectsSubField } from "./selection.ts";
import { SessionRef } from "./session.ts";
import { WorkflowRef } from "./workflow.ts";

/** The GraphQL `RunStatus` enum. */
export const RunStatus = builder.enumType("RunStatus", {
  description: "Where a run is in its life (`paused` means it waits at an external gate).",
  values: runStatuses,
});

const RunTriggerSource = builder.enumType("RunTriggerSource", {
  description: "What kind of starter a run's `triggeredBy` is.",
  values: {
    api_key: {
      description: "An API key call (`triggerWorkflow`, `triggerWorkspaceWorkflow`, a session submit).",
    },
    schedule: { description: "A schedule of the workflow (`createSchedule`)." },
    inbound_hook: { description: "A POST to the workflow's inbound trigger URL (`/hooks/:token`)." },
  } as const,
});

/** The kind of starter an id names, from its prefix. */
function runTriggerSource(triggeredBy: string | null): "api_key" | "schedule" | "inbound_hook" | null {
  if (triggeredBy === null) return null;
  if (triggeredBy.startsWith("sch_")) return "schedule";
  if (triggeredBy.startsWith("hok_")) return "inbound_hook";
  return "api_key";
}

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
    triggerPayload: t.expose("triggerPayload", {
      type: "JSONObject",
      description: "The payload it was triggered with.",
    }),
    triggeredBy: t.exposeString("triggeredBy", {
      nullable: true,
      description:
        "What started it: an API key (`key_…`), a schedule (`sch_…`) or an inbound trigger (`hok_…`); `triggerSource` names the kind.",
    }),
    triggerSource: t.field({
      type: RunTriggerSource,
      nullable: true,
      description: "The kind of starter `triggeredBy` names; null for runs the engine started on its own.",
      resolve: (run) => runTriggerSource(run.triggeredBy),
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
    resolve: async (_root, { id }, context, info) => {
      // A run shown with its nodes is read with them in one round trip (the loaders are primed with both).
      if (selectsSubField(info, ["nodeRuns", "nodeResults"]))
        return (await context.loaders.runWithNodeRuns.load(String(id)))?.run ?? null;
      return (await context.loaders.run.load(String(id))) ?? null;
    },
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
