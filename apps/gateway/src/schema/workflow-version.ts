import type { WorkflowVersion } from "@flowgate/domain";
import { builder } from "../builder.ts";
import { WorkflowRef } from "./workflow.ts";

export const WorkflowVersionRef = builder.objectRef<WorkflowVersion>("WorkflowVersion").implement({
  description: "An immutable, numbered graph of a workflow.",
  fields: (t) => ({
    workflowId: t.exposeID("workflowId", { description: "The workflow." }),
    version: t.exposeInt("version", { description: "Its number: 1, 2, 3, …" }),
    graph: t.expose("graph", { type: "JSON", description: "The graph, with defaults applied." }),
    publishedBy: t.exposeString("publishedBy", {
      nullable: true,
      description: "The API key that published it.",
    }),
    publishedAt: t.expose("createdAt", { type: "DateTime", description: "When it was published." }),
    isCurrent: t.boolean({
      description: "Whether it is the workflow's current version.",
      resolve: async (version, _args, context) =>
        (await context.loaders.workflow.load(version.workflowId))?.currentVersion === version.version,
    }),
  }),
});

builder.objectFields(WorkflowRef, (t) => ({
  versions: t.field({
    type: [WorkflowVersionRef],
    description: "Every published version, newest first.",
    resolve: (workflow, _args, context) => context.loaders.workflowVersions.load(workflow.id),
  }),
  version: t.field({
    type: WorkflowVersionRef,
    nullable: true,
    description: "One published version, or null.",
    args: { number: t.arg.int({ required: true, description: "The version number." }) },
    resolve: async (workflow, args, context) =>
      (await context.loaders.workflowVersions.load(workflow.id)).find((v) => v.version === args.number) ??
      null,
  }),
}));
