import { builder } from "../builder.ts";

builder.queryType({ description: "Reads: workflows, sessions, runs." });
builder.mutationType({
  description: "Commands: create and change workflows and sessions, trigger runs, decide gates.",
});
builder.subscriptionType({ description: "Live run progress and session status, over graphql-ws and SSE." });
