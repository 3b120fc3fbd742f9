import {
  type AnalyticsCount,
  type NodeAnalytics,
  type VersionAnalytics,
  type WorkflowAnalytics,
  workflowAnalytics,
} from "@flowgate/application";
import { ValidationError } from "@flowgate/domain";
import { builder } from "../builder.ts";
import { WorkflowRef } from "./workflow.ts";

const AnalyticsCountRef = builder.objectRef<AnalyticsCount>("AnalyticsCount").implement({
  description: "How many runs (or node executions) had a value.",
  fields: (t) => ({
    value: t.exposeString("value", { description: "The status, final status or node result." }),
    count: t.exposeInt("count", { description: "How many." }),
  }),
});

const NodeAnalyticsRef = builder.objectRef<NodeAnalytics>("NodeAnalytics").implement({
  description: "Statistics of one graph node over the runs of one version.",
  fields: (t) => ({
    nodeId: t.exposeString("nodeId", { description: "The node." }),
    nodeType: t.exposeString("nodeType", { description: "Its type." }),
    executions: t.exposeInt("executions", {
      description: "Node runs recorded (a retried node counts once).",
    }),
    completed: t.exposeInt("completed", { description: "Node runs that completed." }),
    results: t.field({
      type: [AnalyticsCountRef],
      resolve: (n) => n.results,
      description:
        "Node runs by result (`pass`, `fail`, `condition_0`, `continue`, an outcome, …), most frequent first.",
    }),
    passRate: t.exposeFloat("passRate", {
      nullable: true,
      description: "Policy nodes: passes / (pass + fail + error), 0–1; null for other nodes.",
    }),
    p50DurationMs: t.exposeFloat("p50DurationMs", { nullable: true, description: "Median duration in ms." }),
    p95DurationMs: t.exposeFloat("p95DurationMs", {
      nullable: true,
      description: "95th percentile duration in ms.",
    }),
  }),
});

const VersionAnalyticsRef = builder.objectRef<VersionAnalytics>("VersionAnalytics").implement({
  description: "Statistics of the runs of one version.",
  fields: (t) => ({
    version: t.exposeInt("version", { description: "The version." }),
    runs: t.exposeInt("runs", { description: "Runs created in the window." }),
    byStatus: t.field({
      type: [AnalyticsCountRef],
      resolve: (v) => v.byStatus,
      description: "Runs by status.",
    }),
    byFinalStatus: t.field({
      type: [AnalyticsCountRef],
      resolve: (v) => v.byFinalStatus,
      description: "Completed runs by final status.",
    }),
    p50DurationMs: t.exposeFloat("p50DurationMs", {
      nullable: true,
      description: "Median run duration in ms.",
    }),
    p95DurationMs: t.exposeFloat("p95DurationMs", {
      nullable: true,
      description: "95th percentile run duration in ms.",
    }),
    nodes: t.field({
      type: [NodeAnalyticsRef],
      resolve: (v) => v.nodes,
      description: "Per node, by node id.",
    }),
  }),
});

const WorkflowAnalyticsRef = builder.objectRef<WorkflowAnalytics>("WorkflowAnalytics").implement({
  description:
    "A workflow's runs created in a time window: by status and final status, and per version and node.",
  fields: (t) => ({
    from: t.expose("from", { type: "DateTime", description: "Start of the window (inclusive)." }),
    to: t.expose("to", { type: "DateTime", description: "End of the window (exclusive)." }),
    version: t.exposeInt("version", { nullable: true, description: "The version asked for; null for all." }),
    runs: t.exposeInt("runs", { description: "Runs created in the window." }),
    byStatus: t.field({
      type: [AnalyticsCountRef],
      resolve: (a) => a.byStatus,
      description: "Runs by status.",
    }),
    byFinalStatus: t.field({
      type: [AnalyticsCountRef],
      resolve: (a) => a.byFinalStatus,
      description: "Completed runs by final status.",
    }),
    versions: t.field({
      type: [VersionAnalyticsRef],
      resolve: (a) => a.versions,
      description: "Per version, newest first.",
    }),
  }),
});

builder.objectFields(WorkflowRef, (t) => ({
  analytics: t.field({
    type: WorkflowAnalyticsRef,
    description:
      "Runs created in [from, to) (at most 366 days): by status and final status, and per version: run and node durations (p50/p95), node results and pass rates.",
    errors: { types: [ValidationError] },
    args: {
      from: t.arg({ type: "DateTime", required: true, description: "Start of the window (inclusive)." }),
      to: t.arg({ type: "DateTime", required: true, description: "End of the window (exclusive)." }),
      version: t.arg.int({ required: false, description: "Only runs of this version." }),
    },
    resolve: (workflow, args, context) =>
      workflowAnalytics(context.app, context.actor, {
        workflowId: workflow.id,
        from: args.from,
        to: args.to,
        version: args.version,
      }),
  }),
}));
