import { updateWorkflowRollout } from "@flowgate/application";
import type { RolloutEntry, Workflow } from "@flowgate/domain";
import { builder } from "../builder.ts";
import { recordErrors } from "./errors.ts";
import { WorkflowRef } from "./workflow.ts";

const RolloutEntryRef = builder.objectRef<RolloutEntry>("RolloutEntry").implement({
  description: "One line of a rollout map: a share of new runs that start on a version.",
  fields: (t) => ({
    version: t.exposeInt("version", { description: "A published version of the workflow." }),
    percentage: t.exposeInt("percentage", { description: "Share of new runs, 1–100." }),
  }),
});

const RolloutEntryInput = builder.inputType("RolloutEntryInput", {
  description: "One line of a rollout map.",
  fields: (t) => ({
    version: t.int({ required: true, description: "A published version of the workflow." }),
    percentage: t.int({
      required: true,
      description: "Whole percentage of new runs, 1–100; the map's entries sum to 100.",
    }),
  }),
});

const WorkflowRolloutRef = builder
  .objectRef<{ entries: RolloutEntry[]; custom: boolean }>("WorkflowRollout")
  .implement({
    description:
      "How new runs of a workflow split across its versions. Each session sticks to one version (a stable hash of its id picks it); an explicit `version` on triggerWorkflow or submitSession overrides the map.",
    fields: (t) => ({
      entries: t.field({
        type: [RolloutEntryRef],
        resolve: (rollout) => rollout.entries,
        description:
          "The split in effect; without a custom map, the current version at 100 %. Entries take consecutive ranges of the hash space in this order.",
      }),
      custom: t.exposeBoolean("custom", {
        description: "Whether a rollout map was set (false: every new run starts on the current version).",
      }),
    }),
  });

builder.objectFields(WorkflowRef, (t) => ({
  rollout: t.field({
    type: WorkflowRolloutRef,
    description: "How new runs split across versions.",
    resolve: (workflow: Workflow) =>
      workflow.rollout && workflow.rollout.length > 0
        ? { entries: workflow.rollout, custom: true }
        : { entries: [{ version: workflow.currentVersion, percentage: 100 }], custom: false },
  }),
}));

builder.mutationFields((t) => ({
  updateWorkflowRollout: t.field({
    type: WorkflowRef,
    description:
      "Sets how new runs split across published versions (whole percentages summing to 100); an empty list removes the map.",
    authScopes: { scope: "workflows:write" },
    errors: { types: recordErrors },
    args: {
      workflowId: t.arg.id({ required: true, description: "Workflow id (`wfl_…`)." }),
      entries: t.arg({ type: [RolloutEntryInput], required: true, description: "The new map." }),
    },
    resolve: (_root, args, context) =>
      updateWorkflowRollout(context.app, context.actor, {
        workflowId: String(args.workflowId),
        entries: args.entries,
      }),
  }),
}));
