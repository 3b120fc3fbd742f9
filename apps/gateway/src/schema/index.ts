import { lexicographicSortSchema, printSchema } from "graphql";
import { builder } from "../builder.ts";
import "./scalars.ts";
import "./errors.ts";
import "./workflow.ts";
import "./workflow-lifecycle.ts";
import "./policy-catalog.ts";
import "./session.ts";
import "./run.ts";
import "./ddq.ts";
import "./workspace.ts";
import "./api-key.ts";
import "./workspace-workflow.ts";

builder.queryType({ description: "Reads: workflows, sessions, runs." });
builder.mutationType({
  description: "Commands: create and change workflows and sessions, trigger runs, decide gates.",
});
builder.subscriptionType({ description: "Live run progress and session status, over graphql-ws and SSE." });

/** The executable schema. */
export const schema = builder.toSchema();

/** The schema in SDL, sorted, as checked in at `apps/gateway/schema.graphql`. */
export function printSchemaSdl(): string {
  return `${printSchema(lexicographicSortSchema(schema))}\n`;
}
