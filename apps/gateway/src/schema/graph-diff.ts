import { type DraftDiff, diffWorkflowDraft } from "@flowgate/application";
import type { DiffNode, GraphDiff, NodeChange } from "@flowgate/domain";
import { builder } from "../builder.ts";
import { recordErrors } from "./errors.ts";
import { WorkflowDraftRef } from "./workflow-draft.ts";

const DiffNodeRef = builder.objectRef<DiffNode>("DiffNode").implement({
  description: "A node only one side of a diff has.",
  fields: (t) => ({
    nodeId: t.exposeString("nodeId", { description: "The node's id." }),
    type: t.exposeString("type", { nullable: true, description: "The node's type." }),
    node: t.expose("node", { type: "JSONObject", description: "The node." }),
  }),
});

const NodeChangeRef = builder.objectRef<NodeChange>("NodeChange").implement({
  description: "A node both sides have, with the fields that differ.",
  fields: (t) => ({
    nodeId: t.exposeString("nodeId", { description: "The node's id." }),
    typeBefore: t.exposeString("typeBefore", { nullable: true, description: "Its type before." }),
    typeAfter: t.exposeString("typeAfter", { nullable: true, description: "Its type after." }),
    fields: t.exposeStringList("fields", {
      description: "Dotted paths of the fields that differ, e.g. `routes.pass`, `conditions.0.value`.",
    }),
    before: t.expose("before", { type: "JSONObject", description: "The node before." }),
    after: t.expose("after", { type: "JSONObject", description: "The node after." }),
  }),
});

const GraphDiffRef = builder.objectRef<GraphDiff>("GraphDiff").implement({
  description:
    "What changed between two graphs, nodes matched by id. Defaults are applied first, so writing a default explicitly is no change.",
  fields: (t) => ({
    entryChanged: t.boolean({ description: "Whether the entry changed.", resolve: (d) => d.entry !== null }),
    entryBefore: t.string({
      nullable: true,
      description: "The entry before, when it changed.",
      resolve: (d) => d.entry?.before ?? null,
    }),
    entryAfter: t.string({
      nullable: true,
      description: "The entry after, when it changed.",
      resolve: (d) => d.entry?.after ?? null,
    }),
    added: t.field({
      type: [DiffNodeRef],
      resolve: (d) => d.added,
      description: "Nodes only the new graph has.",
    }),
    removed: t.field({
      type: [DiffNodeRef],
      resolve: (d) => d.removed,
      description: "Nodes only the old graph has.",
    }),
    changed: t.field({
      type: [NodeChangeRef],
      resolve: (d) => d.changed,
      description: "Nodes both have that differ.",
    }),
    unchanged: t.exposeStringList("unchanged", { description: "Ids of nodes both have, unchanged." }),
    hasChanges: t.exposeBoolean("hasChanges", { description: "Whether anything differs." }),
  }),
});

const WorkflowDraftDiffRef = builder.objectRef<DraftDiff>("WorkflowDraftDiff").implement({
  description: "A draft compared with its workflow's current version.",
  fields: (t) => ({
    draft: t.field({ type: WorkflowDraftRef, resolve: (d) => d.draft, description: "The draft." }),
    againstVersion: t.exposeInt("againstVersion", {
      description: "The version compared against (the current one).",
    }),
    diff: t.field({ type: GraphDiffRef, resolve: (d) => d.diff, description: "What the draft changes." }),
  }),
});

builder.objectFields(WorkflowDraftRef, (t) => ({
  diff: t.field({
    type: GraphDiffRef,
    description: "The draft against the workflow's current version.",
    resolve: async (draft, _args, context) =>
      (await diffWorkflowDraft(context.app, context.actor, { draftId: draft.id })).diff,
  }),
}));

builder.queryFields((t) => ({
  diffWorkflowDraft: t.field({
    type: WorkflowDraftDiffRef,
    description:
      "Diffs a draft against its workflow's current version: nodes added, removed and changed (with the fields), and the entry.",
    authScopes: { scope: "workflows:read" },
    errors: { types: recordErrors },
    args: { draftId: t.arg.id({ required: true, description: "Draft id (`wfd_…`)." }) },
    resolve: (_root, args, context) =>
      diffWorkflowDraft(context.app, context.actor, { draftId: String(args.draftId) }),
  }),
}));
