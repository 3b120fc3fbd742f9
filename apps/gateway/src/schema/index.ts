// Every type registers itself on the builder when its file is imported; this file only imports them all
// and builds and prints the API schema.
import { lexicographicSortSchema, printSchema } from "graphql";
import { builder } from "../builder.ts";
import "./root-types.ts";
import "./scalars.ts";
import "./errors.ts";
import "./viewer.ts";
// Workflows: the versioned graphs (verification and task workflows alike) and what acts on them.
import "./workflow.ts";
import "./workflow-version.ts";
import "./workflow-draft.ts";
import "./graph-diff.ts";
import "./workflow-rollout.ts";
import "./workflow-analytics.ts";
import "./dry-run.ts";
import "./policy-catalog.ts";
import "./task-workflow.ts";
// Verification sessions and runs.
import "./session.ts";
import "./session-management.ts";
import "./session-check.ts";
import "./verification-link.ts";
import "./session-simulation.ts";
import "./session-identity.ts";
import "./run.ts";
import "./node-run.ts";
import "./run-list.ts";
import "./run-event.ts";
// Data protection: redaction, legal holds, access log, exports, reports, bulk jobs, retention.
import "./data-protection.ts";
// Questionnaires (seed 003): entities, questionnaires, responses, recipient sends, credits.
import "./entity.ts";
import "./entity-document.ts";
import "./question.ts";
import "./questionnaire.ts";
import "./response.ts";
import "./response-answers.ts";
import "./autofill-job.ts";
import "./response-review.ts";
import "./recipient-send.ts";
import "./send-to-recipient.ts";
import "./credits.ts";
// Organization administration.
import "./workspace.ts";
import "./api-key.ts";
// Webhooks: endpoints, deliveries and their attempts.
import "./webhook-endpoint.ts";
import "./webhook-attempt.ts";
import "./webhook-delivery.ts";
// Schedules and inbound triggers of workspace workflows.
import "./workflow-schedule.ts";
import "./inbound-trigger.ts";
// The recipient endpoint's own views and roots (sub-graph `Recipient`; built in recipient/schema.ts).
import "./recipient.ts";

/** The executable API-key schema served at `/graphql`: the builder's `Api` sub-graph. */
export const schema = builder.toSchema({ subGraph: "Api" });

/** The schema in SDL, sorted, as checked in at `apps/gateway/schema.graphql`. */
export function printSchemaSdl(): string {
  return `${printSchema(lexicographicSortSchema(schema))}\n`;
}
