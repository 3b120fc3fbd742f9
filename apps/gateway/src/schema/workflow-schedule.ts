import {
  createSchedule,
  deleteSchedule,
  listSchedules,
  pauseSchedule,
  resumeSchedule,
  updateSchedule,
} from "@flowgate/application";
import type { WorkflowSchedule } from "@flowgate/domain";
import { builder } from "../builder.ts";
import { recordErrors } from "./errors.ts";
import { RunRef } from "./run.ts";
import { WorkflowRef } from "./workflow.ts";
import {
  authorshipFields,
  runTriggerSourceField,
  triggeredWorkflowFields,
} from "./workflow-trigger-source.ts";

const ScheduleCatchUp = builder.enumType("ScheduleCatchUp", {
  description:
    "What a schedule does with fire times that passed while no worker could fire them (all workers down, or busy for longer than the misfire grace of 60 seconds).",
  values: {
    SKIP: {
      value: "skip",
      description: "Leave the missed times out; the schedule fires next at its next time to come.",
    },
    RUN_ONCE: {
      value: "run_once",
      description:
        "Start one run for the whole missed window (keyed by its latest time), then go on as usual.",
    },
  } as const,
});

const ScheduleStatus = builder.enumType("ScheduleStatus", {
  description: "Whether a schedule fires.",
  values: {
    active: { description: "It fires at every time its expression matches." },
    paused: { description: "It does not fire until resumed (times that pass meanwhile are not caught up)." },
  },
});

/** The GraphQL `Schedule` type. */
export const ScheduleRef = builder.objectRef<WorkflowSchedule>("Schedule");

builder.node(ScheduleRef, {
  description:
    "A cron schedule that starts a run of a workspace workflow with a fixed payload; its runs have `triggeredBy` = its id and `triggerSource: schedule`. Fires exactly once per time however many workers run.",
  authScopes: { scope: "workflows:read" },
  id: { resolve: (schedule) => schedule.id },
  isTypeOf: (value) => typeof value === "object" && value !== null && "cron" in value && "catchUp" in value,
  loadMany: async (ids, context) =>
    (await context.loaders.schedule.loadMany(ids)).map((s) => (s instanceof Error ? null : (s ?? null))),
  fields: (t) => ({
    ...triggeredWorkflowFields(t),
    cron: t.exposeString("cron", {
      description: "Five-field cron expression: minute hour day-of-month month day-of-week.",
    }),
    timezone: t.exposeString("timezone", { description: "The IANA time zone the expression is read in." }),
    payload: t.expose("payload", {
      type: "JSONObject",
      description: "The trigger payload of every run it starts.",
    }),
    catchUp: t.field({
      type: ScheduleCatchUp,
      description: "What happens to fire times missed while no worker ran.",
      resolve: (schedule) => schedule.catchUp,
    }),
    status: t.field({
      type: ScheduleStatus,
      description: "Whether it fires.",
      resolve: (schedule) => schedule.status,
    }),
    nextFireAt: t.expose("nextFireAt", {
      type: "DateTime",
      nullable: true,
      description: "When it fires next; null while paused.",
    }),
    lastFiredAt: t.expose("lastFiredAt", {
      type: "DateTime",
      nullable: true,
      description: "The fire time of its latest fire (the time it stood for, not when a worker got to it).",
    }),
    lastRun: t.field({
      type: RunRef,
      nullable: true,
      description: "The run its latest fire started.",
      resolve: async (schedule, _args, context) =>
        schedule.lastRunId ? ((await context.loaders.run.load(schedule.lastRunId)) ?? null) : null,
    }),
    lastError: t.exposeString("lastError", {
      nullable: true,
      description:
        "Why its latest fire started no run (the workflow was inactive, or the payload no longer fits the workflow's payload schema); null after a run started.",
    }),
    ...authorshipFields(t),
  }),
});

builder.objectFields(WorkflowRef, (t) => ({
  schedules: t.field({
    type: [ScheduleRef],
    description: "The workflow's schedules, oldest first. Needs `workflows:read`.",
    authScopes: { scope: "workflows:read" },
    resolve: (workflow, _args, context) => context.loaders.schedulesOfWorkflow.load(workflow.id),
  }),
}));

runTriggerSourceField({
  name: "schedule",
  type: ScheduleRef,
  idPrefix: "sch_",
  description:
    "The schedule that started it (`triggerSource: schedule`), while the schedule exists; null for other runs. Needs `workflows:read`.",
  load: (context, id) => context.loaders.schedule.load(id),
});

const scheduleIdArg = { description: "Schedule id (`sch_…`)." };

builder.queryFields((t) => ({
  schedule: t.field({
    type: ScheduleRef,
    nullable: true,
    description: "A schedule of the caller's workspace and environment, or null. Needs `workflows:read`.",
    authScopes: { scope: "workflows:read" },
    args: { id: t.arg.id({ required: true, ...scheduleIdArg }) },
    resolve: async (_root, { id }, context) => (await context.loaders.schedule.load(String(id))) ?? null,
  }),
  schedules: t.field({
    type: [ScheduleRef],
    description:
      "The schedules of the caller's workspace and environment (of one workflow, or all), oldest first. Needs `workflows:read`.",
    authScopes: { scope: "workflows:read" },
    args: { workflowId: t.arg.id({ required: false, description: "Only this workflow's schedules." }) },
    resolve: (_root, args, context) =>
      listSchedules(context.app, context.actor, {
        workflowId: args.workflowId != null ? String(args.workflowId) : null,
      }),
  }),
}));

builder.mutationFields((t) => ({
  createSchedule: t.field({
    type: ScheduleRef,
    description:
      "Creates an active schedule that starts a run of the workflow with `payload` at every time `cron` matches in `timezone`. A bad expression is a ValidationError at `cron`, an unknown zone at `timezone`, a payload that does not fit the workflow's payload schema at `payload.<field>`. Needs `workflows:write`.",
    authScopes: { scope: "workflows:write" },
    errors: { types: recordErrors },
    args: {
      workflowId: t.arg.id({ required: true, description: "The workflow to trigger (`wfl_…`)." }),
      cron: t.arg.string({
        required: true,
        description: "Five-field cron expression, e.g. `0 9 * * MON-FRI` (09:00 on weekdays).",
      }),
      timezone: t.arg.string({
        required: false,
        description: "IANA time zone the expression is read in, e.g. `Europe/Berlin` (default `UTC`).",
      }),
      payload: t.arg({
        type: "JSONObject",
        required: false,
        description: "The trigger payload of every run (default `{}`).",
      }),
      catchUp: t.arg({
        type: ScheduleCatchUp,
        required: false,
        description: "What happens to times missed while no worker ran (default `SKIP`).",
      }),
    },
    resolve: (_root, args, context) =>
      createSchedule(context.app, context.actor, {
        workflowId: String(args.workflowId),
        cron: args.cron,
        timezone: args.timezone,
        payload: args.payload as Record<string, unknown> | null | undefined,
        catchUp: args.catchUp,
      }),
  }),
  updateSchedule: t.field({
    type: ScheduleRef,
    description:
      "Changes a schedule's expression, zone, payload or catch-up policy; absent arguments stay as they are. A new expression or zone moves the next fire time. Needs `workflows:write`.",
    authScopes: { scope: "workflows:write" },
    errors: { types: recordErrors },
    args: {
      id: t.arg.id({ required: true, ...scheduleIdArg }),
      cron: t.arg.string({ required: false, description: "A new five-field cron expression." }),
      timezone: t.arg.string({ required: false, description: "A new IANA time zone." }),
      payload: t.arg({ type: "JSONObject", required: false, description: "A new trigger payload." }),
      catchUp: t.arg({ type: ScheduleCatchUp, required: false, description: "A new catch-up policy." }),
    },
    resolve: (_root, args, context) =>
      updateSchedule(context.app, context.actor, {
        id: String(args.id),
        cron: args.cron,
        timezone: args.timezone,
        payload: args.payload as Record<string, unknown> | null | undefined,
        catchUp: args.catchUp,
      }),
  }),
  pauseSchedule: t.field({
    type: ScheduleRef,
    description: "Pauses a schedule: it fires no more until resumed. Needs `workflows:write`.",
    authScopes: { scope: "workflows:write" },
    errors: { types: recordErrors },
    args: { id: t.arg.id({ required: true, ...scheduleIdArg }) },
    resolve: (_root, args, context) => pauseSchedule(context.app, context.actor, { id: String(args.id) }),
  }),
  resumeSchedule: t.field({
    type: ScheduleRef,
    description:
      "Resumes a paused schedule: it fires next at the first matching time from now (times that passed while paused are not caught up). Needs `workflows:write`.",
    authScopes: { scope: "workflows:write" },
    errors: { types: recordErrors },
    args: { id: t.arg.id({ required: true, ...scheduleIdArg }) },
    resolve: (_root, args, context) => resumeSchedule(context.app, context.actor, { id: String(args.id) }),
  }),
  deleteSchedule: t.field({
    type: ScheduleRef,
    description:
      "Deletes a schedule; answers it as it was. The runs it started stay. Needs `workflows:write`.",
    authScopes: { scope: "workflows:write" },
    errors: { types: recordErrors },
    args: { id: t.arg.id({ required: true, ...scheduleIdArg }) },
    resolve: (_root, args, context) => deleteSchedule(context.app, context.actor, { id: String(args.id) }),
  }),
}));
