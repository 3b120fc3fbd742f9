import { followRunProgress, listRunAuditTrail, listRunEvents } from "@flowgate/application";
import { type RunAuditEntry, type RunEvent, runEventTypes } from "@flowgate/domain";
import { builder } from "../builder.ts";
import { notFoundAsGraphQLError } from "./errors.ts";
import { RunRef } from "./run.ts";

const RunEventType = builder.enumType("RunEventType", {
  description: "Kinds of run event.",
  values: Object.fromEntries(
    runEventTypes.map((type) => [type.replace(".", "_").toUpperCase(), { value: type }]),
  ),
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

builder.objectFields(RunRef, (t) => ({
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
