import { getVerificationPolicy, listVerificationPolicies } from "@flowgate/application";
import { type PolicyDefinition, type PolicyOutputField, policyConfigJsonSchema } from "@flowgate/domain";
import { builder } from "../builder.ts";

const PolicyOutputRef = builder.objectRef<PolicyOutputField>("PolicyOutput").implement({
  description: "A value a policy check produces; conditions read it as `<nodeId>.output.<key>`.",
  fields: (t) => ({
    key: t.exposeString("key", { description: "Key in the check's output." }),
    type: t.exposeString("type", { description: "number, string, boolean or string[]." }),
    description: t.exposeString("description", { description: "What the value means." }),
  }),
});

const VerificationPolicyRef = builder.objectRef<PolicyDefinition>("VerificationPolicy").implement({
  description:
    "A verification check a `policy` node can run. Graph validation uses this same catalog: unknown names and configs that do not fit `configSchema` are refused.",
  fields: (t) => ({
    name: t.exposeString("name", { description: 'Name used in graphs (`"policy": "<name>"`).' }),
    description: t.exposeString("description", { description: "What the check verifies." }),
    outputs: t.field({
      type: [PolicyOutputRef],
      resolve: (policy) => policy.outputs,
      description: "The values the check produces, which conditions may read.",
    }),
    configSchema: t.field({
      type: "JSONObject",
      description:
        "JSON Schema (draft 2020-12) of the node's `config` for this policy, generated from its zod schema.",
      resolve: (policy) => policyConfigJsonSchema(policy),
    }),
    defaultOutput: t.expose("defaultOutput", {
      type: "JSONObject",
      description: "The output of a passing sandbox check (what simulated outcomes start from).",
    }),
  }),
});

builder.queryFields((t) => ({
  verificationPolicies: t.field({
    type: [VerificationPolicyRef],
    description: "Every verification policy a `policy` node may name, with its outputs and config schema.",
    authScopes: { scope: "workflows:read" },
    resolve: (_root, _args, context) => listVerificationPolicies(context.actor),
  }),
  verificationPolicy: t.field({
    type: VerificationPolicyRef,
    nullable: true,
    description: "One verification policy by name, or null when the catalog has none by that name.",
    authScopes: { scope: "workflows:read" },
    args: { name: t.arg.string({ required: true, description: 'The policy name, e.g. "aml_screening".' }) },
    resolve: (_root, args, context) => getVerificationPolicy(context.actor, args.name) ?? null,
  }),
}));
