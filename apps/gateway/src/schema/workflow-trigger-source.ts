import type { Run } from "@flowgate/domain";
import type { FieldMap } from "@pothos/core";
import { builder } from "../builder.ts";
import type { GraphQLContext } from "../context.ts";
import { RunRef } from "./run.ts";
import { WorkflowRef } from "./workflow.ts";
import { EnvironmentEnum } from "./workspace.ts";

// What the sources that start runs of a workspace workflow on their own (inbound triggers, schedules)
// have in common in the schema: the workflow they trigger, who made them, and the `Run` field naming the
// source that started a run.

type Types = typeof builder extends PothosSchemaTypes.SchemaBuilder<infer T> ? T : never;

/** A record that starts runs of one workflow (an inbound trigger or a schedule). */
interface TriggerSource {
  workflowId: string;
  environment: "live" | "sandbox";
  createdBy: string | null;
  createdAt: Date;
  updatedAt: Date;
}

/** A trigger source's first fields: the workflow it triggers and the environment its runs start in. */
export function triggeredWorkflowFields<T extends TriggerSource>(
  t: PothosSchemaTypes.ObjectFieldBuilder<Types, T>,
): FieldMap {
  return {
    workflowId: t.id({ description: "The workflow it triggers.", resolve: (source) => source.workflowId }),
    workflow: t.field({
      type: WorkflowRef,
      nullable: true,
      description: "The workflow it triggers.",
      resolve: async (source, _args, context) =>
        (await context.loaders.workflow.load(source.workflowId)) ?? null,
    }),
    environment: t.field({
      type: EnvironmentEnum,
      description: "The environment its runs start in (the workflow's).",
      resolve: (source) => source.environment,
    }),
  };
}

/** A trigger source's last fields: which API key created it, and when it was created and last changed. */
export function authorshipFields<T extends TriggerSource>(
  t: PothosSchemaTypes.ObjectFieldBuilder<Types, T>,
): FieldMap {
  return {
    createdBy: t.string({
      nullable: true,
      description: "The API key that created it.",
      resolve: (source) => source.createdBy,
    }),
    createdAt: t.field({
      type: "DateTime",
      description: "When it was created.",
      resolve: (source) => source.createdAt,
    }),
    updatedAt: t.field({
      type: "DateTime",
      description: "When it last changed.",
      resolve: (source) => source.updatedAt,
    }),
  };
}

/**
 * Adds the `Run` field `name`: the trigger source that started the run, found by the id prefix of its
 * `triggeredBy` (`hok_`, `sch_`); null for other runs. Needs `workflows:read`.
 */
export function runTriggerSourceField<T extends object>(options: {
  name: string;
  type: PothosSchemaTypes.ObjectRef<Types, T>;
  idPrefix: string;
  description: string;
  load: (context: GraphQLContext, id: string) => Promise<T | null | undefined>;
}): void {
  builder.objectFields(RunRef, (t) => ({
    [options.name]: t.field({
      type: options.type,
      nullable: true,
      description: options.description,
      authScopes: { scope: "workflows:read" },
      // Pothos cannot check a resolver's result against a generic shape; `load` is typed by `type` above.
      resolve: (async (run: Run, _args: unknown, context: GraphQLContext) =>
        run.triggeredBy?.startsWith(options.idPrefix)
          ? ((await options.load(context, run.triggeredBy)) ?? null)
          : null) as never,
    }),
  }));
}
