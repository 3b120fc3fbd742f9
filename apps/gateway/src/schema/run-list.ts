import { listRuns, type RunListFilter } from "@flowgate/application";
import { GraphQLError } from "graphql";
import { builder } from "../builder.ts";
import { keysetConnection } from "./pagination.ts";
import { RunRef, RunStatus } from "./run.ts";
import { WorkflowRef } from "./workflow.ts";

const RunFilter = builder.inputType("RunFilter", {
  description: "Narrows a run list; every field given must match.",
  fields: (t) => ({
    workflowId: t.id({ required: false, description: "Only runs of this workflow (`wfl_…`)." }),
    status: t.field({ type: RunStatus, required: false, description: "Only runs in this status." }),
    triggeredBy: t.string({
      required: false,
      description:
        "Only runs started by this API key (`key_…`), schedule (`sch_…`) or inbound trigger (`hok_…`).",
    }),
    from: t.field({
      type: "DateTime",
      required: false,
      description: "Only runs created at or after this instant.",
    }),
    to: t.field({ type: "DateTime", required: false, description: "Only runs created before this instant." }),
  }),
});

type RunFilterArgs = {
  workflowId?: string | number | null | undefined;
  status?: RunListFilter["status"] | null | undefined;
  triggeredBy?: string | null | undefined;
  from?: Date | null | undefined;
  to?: Date | null | undefined;
};

/** The use-case filter of a GraphQL `RunFilter`; an empty range is a BAD_USER_INPUT naming `filter.to`. */
function runListFilter(filter: RunFilterArgs | null | undefined): RunListFilter {
  if (!filter) return {};
  if (filter.from && filter.to && filter.from.getTime() >= filter.to.getTime()) {
    throw new GraphQLError("filter.to must be after filter.from", {
      extensions: { code: "BAD_USER_INPUT", field: "filter.to" },
    });
  }
  return {
    workflowId:
      filter.workflowId !== null && filter.workflowId !== undefined ? String(filter.workflowId) : undefined,
    status: filter.status ?? undefined,
    triggeredBy: filter.triggeredBy ?? undefined,
    from: filter.from ?? undefined,
    to: filter.to ?? undefined,
  };
}

builder.queryFields((t) => ({
  runs: t.connection({
    type: RunRef,
    description:
      "The runs of the caller's workspace and environment (session runs and workspace-workflow runs), newest first, with keyset pagination that costs the same at any depth.",
    authScopes: { anyScope: ["sessions:read", "workflows:read"] },
    args: { filter: t.arg({ type: RunFilter, required: false, description: "Which runs to list." }) },
    resolve: (_root, args, context) => {
      const filter = runListFilter(args.filter);
      return keysetConnection(args, (page) => listRuns(context.app, context.actor, { ...page, ...filter }));
    },
  }),
}));

builder.objectFields(WorkflowRef, (t) => ({
  runs: t.connection({
    type: RunRef,
    description: "The runs of this workflow, newest first (`filter.workflowId` is ignored).",
    authScopes: { anyScope: ["sessions:read", "workflows:read"] },
    args: { filter: t.arg({ type: RunFilter, required: false, description: "Which of its runs to list." }) },
    resolve: (workflow, args, context) => {
      const filter = { ...runListFilter(args.filter), workflowId: workflow.id };
      return keysetConnection(args, (page) => listRuns(context.app, context.actor, { ...page, ...filter }));
    },
  }),
}));
