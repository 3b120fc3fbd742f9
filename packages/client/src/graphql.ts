import { initGraphQLTada } from "gql.tada";
import type { introspection as gatewayIntrospection } from "./generated/gateway-env.d.ts";
import type { introspection as recipientIntrospection } from "./generated/recipient-env.d.ts";

/** How the custom scalars of both schemas look in TypeScript. */
export interface FlowgateScalars {
  /** RFC 3339 date-time string at UTC. */
  DateTime: string;
  /** Any JSON value. */
  JSON: unknown;
  /** A JSON object. */
  JSONObject: Record<string, unknown>;
}

/**
 * Typed documents of the API-key endpoint (`/graphql`): `graphql("query { … }")` returns a document whose
 * result and variable types are inferred from `apps/gateway/schema.graphql` (through the generated
 * `generated/gateway-env.d.ts`), so no result type is written by hand.
 */
export const graphql = initGraphQLTada<{ introspection: gatewayIntrospection; scalars: FlowgateScalars }>();

/** Typed documents of the magic-link endpoint (`/recipient/graphql`, `recipient-schema.graphql`). */
export const recipientGraphql = initGraphQLTada<{
  introspection: recipientIntrospection;
  scalars: FlowgateScalars;
}>();

export type { FragmentOf, ResultOf, TadaDocumentNode, VariablesOf } from "gql.tada";
export { readFragment } from "gql.tada";
