import { PothosSubGraphPlugin } from "@pothos/plugin-sub-graph";
import {
  type GraphQLNamedType,
  GraphQLObjectType,
  GraphQLSchema,
  GraphQLUnionType,
  isObjectType,
  isUnionType,
  lexicographicSortSchema,
  printSchema,
} from "graphql";
import { builder } from "../builder.ts";
// Registers every type (the recipient's own in schema/recipient.ts) before the schemas are built.
import "../schema/index.ts";

/**
 * Names the recipient schema publishes types under, by builder name. Its roots and its own questionnaire
 * view share names with API types, so the builder names them `Recipient…`; and its clients have known the
 * step, section and answer types as `Step`, `Section` and `Answer` since it shipped.
 */
const publishedNames: Readonly<Record<string, string>> = {
  RecipientQuery: "Query",
  RecipientMutation: "Mutation",
  RecipientQuestionnaire: "Questionnaire",
  RecipientMutationSaveAnswersResult: "MutationSaveAnswersResult",
  RecipientMutationSubmitResponseResult: "MutationSubmitResponseResult",
  RecipientMutationCompleteVerificationResult: "MutationCompleteVerificationResult",
  WorkflowStepState: "Step",
  QuestionnaireSection: "Section",
  ResponseAnswer: "Answer",
};

/**
 * `type` under another name, its fields (or members) read only when the schema is built, so that they refer
 * to the other renamed types too.
 */
function renamed(type: GraphQLNamedType | undefined, name: string): GraphQLNamedType {
  if (isObjectType(type)) {
    if (type.getInterfaces().length > 0)
      throw new Error(`${type.name} implements an interface: keep its name`);
    return new GraphQLObjectType({
      name,
      description: type.description,
      extensions: type.extensions,
      isTypeOf: type.isTypeOf,
      fields: () => type.toConfig().fields,
    });
  }
  if (isUnionType(type)) {
    return new GraphQLUnionType({
      name,
      description: type.description,
      extensions: type.extensions,
      resolveType: type.resolveType,
      types: () => type.getTypes(),
    });
  }
  throw new Error(`Recipient type ${type?.name ?? name} cannot be renamed`);
}

/**
 * The recipient schema: the builder's `Recipient` sub-graph with {@link publishedNames}. Unions resolve their
 * members by builder name, so no renamed object type may be a union member (checked).
 */
function buildRecipientSchema(): GraphQLSchema {
  // Filtered types refer to each other by builder name through `types`, lazily: an entry replaced before
  // the schema is built is what every reference to it resolves to.
  const types = PothosSubGraphPlugin.filterTypes(builder.toSchema().toConfig().types, ["Recipient"]);
  for (const [builderName, name] of Object.entries(publishedNames)) {
    types.set(builderName, renamed(types.get(builderName), name));
  }
  const query = types.get("RecipientQuery");
  const mutation = types.get("RecipientMutation");
  if (!isObjectType(query) || !isObjectType(mutation)) throw new Error("The recipient roots are missing");
  const schema = new GraphQLSchema({ query, mutation, types: [...types.values()] });
  const renamedObjects = new Set(Object.values(publishedNames));
  for (const type of Object.values(schema.getTypeMap())) {
    if (isUnionType(type) && type.getTypes().some((member) => renamedObjects.has(member.name))) {
      throw new Error(`${type.name} has a renamed member; union members keep their builder names`);
    }
  }
  return schema;
}

let built: GraphQLSchema | undefined;

/**
 * The recipient schema served at `/recipient/graphql`, built on first use: building it builds the whole
 * builder's schema once more, which a process need not pay for before it answers its first API request.
 */
export function recipientSchema(): GraphQLSchema {
  built ??= buildRecipientSchema();
  return built;
}

/** The recipient schema in SDL, sorted, as checked in at `apps/gateway/recipient-schema.graphql`. */
export function printRecipientSchemaSdl(): string {
  return `${printSchema(lexicographicSortSchema(recipientSchema()))}\n`;
}
