import { dryRunWorkflow, dryRunWorkflowDraft } from "@flowgate/application";
import {
  type DryRunGateDecision as DryRunGateDecisionValue,
  type DryRunInput,
  type DryRunNodeResult,
  type DryRunResult,
  dryRunGateDecisions,
} from "@flowgate/engine";
import { builder } from "../builder.ts";
import { recordErrors } from "./errors.ts";

const DryRunStatus = builder.enumType("DryRunStatus", {
  description: "How a dry run ended.",
  values: {
    completed: { description: "It reached a terminal node." },
    paused: { description: "It reached a gate without a decision in the input." },
    failed: { description: "A node could not proceed." },
  },
});

const DryRunGateDecision = builder.enumType("DryRunGateDecision", {
  description:
    "What a gate does in a dry run: a decision as submitExternalDecision takes it, or its timeout.",
  values: dryRunGateDecisions,
});

const DryRunGateDecisionInput = builder.inputType("DryRunGateDecisionInput", {
  description: "The decision one gate (wait node) takes in a dry run.",
  fields: (t) => ({
    nodeId: t.string({ required: true, description: "The wait node." }),
    decision: t.field({ type: DryRunGateDecision, required: true, description: "What it decides." }),
    metadata: t.field({
      type: "JSONObject",
      required: false,
      description: "Decision metadata, as a real decision carries.",
    }),
  }),
});

const DryRunInputRef = builder.inputType("DryRunInput", {
  description:
    "What a dry run executes with: the data a session and run would carry, and the gates' decisions.",
  fields: (t) => ({
    outcomes: t.field({
      type: "JSONObject",
      required: false,
      description:
        'Simulated policy outcomes keyed by node id or policy name, as a sandbox session\'s `sandbox` data: `{"aml": {"outcome": "pass", "output": {"score": 85}}}`. A policy without one passes with the catalog default output (or its node\'s `simulate`).',
    }),
    metadata: t.field({
      type: "JSONObject",
      required: false,
      description: "Session metadata (`session.<key>`).",
    }),
    referenceId: t.string({ required: false, description: "Session reference id (`session.referenceId`)." }),
    payload: t.field({
      type: "JSONObject",
      required: false,
      description: "Trigger payload (`payload.<key>`).",
    }),
    decisions: t.field({
      type: [DryRunGateDecisionInput],
      required: false,
      description: "Each gate's decision; a gate without one ends the dry run paused there.",
    }),
  }),
});

const DryRunNodeResultRef = builder.objectRef<DryRunNodeResult>("DryRunNodeResult").implement({
  description: "One node a dry run executed, as a real run would record it.",
  fields: (t) => ({
    step: t.exposeInt("step", { description: "1 for the first node executed, then 2, …" }),
    nodeId: t.exposeString("nodeId", { description: "The node." }),
    nodeType: t.exposeString("nodeType", { description: "Its type." }),
    policy: t.exposeString("policy", { nullable: true, description: "The policy, for policy nodes." }),
    status: t.exposeString("status", { description: "completed, paused or failed." }),
    result: t.exposeString("result", {
      nullable: true,
      description: "pass/fail/error, the matched condition, the gate decision, the outcome.",
    }),
    routedTo: t.exposeString("routedTo", { nullable: true, description: "The node it would go to next." }),
    input: t.expose("input", { type: "JSONObject", nullable: true, description: "What the node was given." }),
    output: t.expose("output", {
      type: "JSONObject",
      nullable: true,
      description: "What the node produced.",
    }),
    error: t.exposeString("error", { nullable: true, description: "Why it failed or errored." }),
    attempts: t.exposeInt("attempts", { description: "Attempts made, retries included." }),
    costCents: t.exposeInt("costCents", { description: "What the execution would cost, in cents." }),
  }),
});

const DryRunResultRef = builder.objectRef<DryRunResult>("DryRunResult").implement({
  description: "Where a run would go with the given input. Nothing was written and no event was published.",
  fields: (t) => ({
    status: t.field({ type: DryRunStatus, resolve: (r) => r.status, description: "How it ended." }),
    finalStatus: t.exposeString("finalStatus", {
      nullable: true,
      description: "The terminal's outcome, when completed.",
    }),
    sessionResult: t.exposeString("sessionResult", {
      nullable: true,
      description: "The session result that outcome gives (approved, rejected, needs_review).",
    }),
    path: t.exposeStringList("path", { description: "Ids of the nodes executed, in order." }),
    nodeResults: t.field({
      type: [DryRunNodeResultRef],
      resolve: (r) => r.nodeResults,
      description: "Each node executed, in order.",
    }),
    pausedAtNode: t.exposeString("pausedAtNode", {
      nullable: true,
      description: "The gate it would wait at.",
    }),
    errorMessage: t.exposeString("errorMessage", { nullable: true, description: "Why it would fail." }),
    totalCostCents: t.exposeInt("totalCostCents", { description: "What the run would cost, in cents." }),
  }),
});

/** The `DryRunInput` argument as GraphQL passes it. */
type DryRunInputArg =
  | {
      outcomes?: Record<string, unknown> | null | undefined;
      metadata?: Record<string, unknown> | null | undefined;
      referenceId?: string | null | undefined;
      payload?: Record<string, unknown> | null | undefined;
      decisions?:
        | readonly {
            nodeId: string;
            decision: DryRunGateDecisionValue;
            metadata?: Record<string, unknown> | null | undefined;
          }[]
        | null
        | undefined;
    }
  | null
  | undefined;

function dryRunInput(input: DryRunInputArg): DryRunInput {
  return {
    outcomes: input?.outcomes ?? null,
    metadata: input?.metadata ?? null,
    referenceId: input?.referenceId ?? null,
    payload: input?.payload ?? null,
    decisions: input?.decisions ?? null,
  };
}

builder.mutationFields((t) => ({
  dryRunWorkflow: t.field({
    type: DryRunResultRef,
    description:
      "Executes a version of the workflow (the current one by default) in memory with simulated policy outcomes, through the engine's node handlers and routing: returns the path, node results, final status and would-be cost. Writes nothing.",
    authScopes: { scope: "workflows:read" },
    errors: { types: recordErrors },
    args: {
      workflowId: t.arg.id({ required: true, description: "Workflow id (`wfl_…`)." }),
      version: t.arg.int({ required: false, description: "The version to run (default: the current one)." }),
      input: t.arg({
        type: DryRunInputRef,
        required: false,
        description: "Session data, payload, outcomes, decisions.",
      }),
    },
    resolve: (_root, args, context) =>
      dryRunWorkflow(context.app, context.actor, {
        workflowId: String(args.workflowId),
        version: args.version,
        input: dryRunInput(args.input),
      }),
  }),
  dryRunWorkflowDraft: t.field({
    type: DryRunResultRef,
    description:
      "Executes a draft's graph in memory like dryRunWorkflow (the draft must be valid). Writes nothing and publishes nothing.",
    authScopes: { scope: "workflows:read" },
    errors: { types: recordErrors },
    args: {
      draftId: t.arg.id({ required: true, description: "Draft id (`wfd_…`)." }),
      input: t.arg({
        type: DryRunInputRef,
        required: false,
        description: "Session data, payload, outcomes, decisions.",
      }),
    },
    resolve: (_root, args, context) =>
      dryRunWorkflowDraft(context.app, context.actor, {
        draftId: String(args.draftId),
        input: dryRunInput(args.input),
      }),
  }),
}));
