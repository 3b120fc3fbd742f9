import { setTriggerPayloadSchema, triggerTaskWorkflow } from "@flowgate/application";
import type { PayloadSchema } from "@flowgate/domain";
import { builder } from "../builder.ts";
import { recordErrors } from "./errors.ts";
import { RunRef } from "./run.ts";
import { WorkflowRef } from "./workflow.ts";

builder.objectFields(WorkflowRef, (t) => ({
  payloadSchema: t.field({
    type: "JSON",
    nullable: true,
    description:
      "The JSON Schema that `triggerWorkspaceWorkflow` payloads must satisfy, or null when any payload object is accepted.",
    resolve: (workflow, _args, context) => context.loaders.workflowPayloadSchema.load(workflow.id),
  }),
}));

builder.mutationFields((t) => ({
  setWorkflowPayloadSchema: t.field({
    type: WorkflowRef,
    description:
      "Sets the JSON Schema that trigger payloads of a workflow must satisfy (a subset: type, properties, required, additionalProperties, items, enum, const, minimum/maximum, exclusiveMinimum/exclusiveMaximum, minLength/maxLength, minItems/maxItems), or removes it with null. Other keywords are a ValidationError.",
    authScopes: { scope: "workflows:write" },
    errors: { types: recordErrors },
    args: {
      workflowId: t.arg.id({ required: true, description: "Workflow id (`wfl_…`)." }),
      payloadSchema: t.arg({
        type: "JSON",
        required: false,
        description: "A JSON Schema object (or boolean); null or absent removes the schema.",
      }),
    },
    resolve: (_root, args, context) =>
      setTriggerPayloadSchema(context.app, context.actor, {
        workflowId: String(args.workflowId),
        payloadSchema: (args.payloadSchema ?? null) as PayloadSchema | null,
      }),
  }),
  triggerWorkspaceWorkflow: t.field({
    type: RunRef,
    description:
      "Triggers a workflow of the caller's workspace with a payload, without a session (seed 004). The payload is validated against the workflow's payload schema (issues name `triggerPayload.<field>`); the run records the key as `triggeredBy` and executes asynchronously: follow it with `run(id)` or `runProgress`.",
    authScopes: { scope: "workflows:trigger" },
    errors: { types: recordErrors },
    args: {
      workspaceId: t.arg.id({
        required: true,
        description: "The caller's workspace (`ws_…`); any other workspace is not found.",
      }),
      workflowId: t.arg.id({ required: true, description: "Workflow id (`wfl_…`)." }),
      triggerPayload: t.arg({
        type: "JSONObject",
        required: false,
        description: "The payload nodes read as `payload.<key>` (default `{}`; at most 256 KiB of JSON).",
      }),
      version: t.arg.int({ required: false, description: "Run this version instead of the current one." }),
    },
    resolve: (_root, args, context) =>
      triggerTaskWorkflow(context.app, context.actor, {
        workspaceId: String(args.workspaceId),
        workflowId: String(args.workflowId),
        triggerPayload: args.triggerPayload ?? {},
        version: args.version ?? null,
      }),
  }),
}));
