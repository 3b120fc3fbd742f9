import type { Kysely, Transaction } from "kysely";
import type { ApiKeysTable } from "./tables/api-keys.table.ts";
import type { AutofillJobsTable } from "./tables/autofill-jobs.table.ts";
import type {
  CreditAccountsTable,
  CreditLedgerTable,
  CreditReservationsTable,
} from "./tables/credits.table.ts";
import type {
  AccessLogTable,
  BulkOperationItemsTable,
  BulkOperationsTable,
  DataExportsTable,
  LegalHoldsTable,
  RetentionPoliciesTable,
} from "./tables/data-protection.table.ts";
import type { EmailOutboxTable } from "./tables/email-outbox.table.ts";
import type { EmailSendsTable, WorkspaceHourlyEmailsTable } from "./tables/email-sends.table.ts";
import type { EntitiesTable } from "./tables/entities.table.ts";
import type { EntityDocumentsTable } from "./tables/entity-documents.table.ts";
import type { IdempotencyKeysTable } from "./tables/idempotency-keys.table.ts";
import type { JobsTable } from "./tables/jobs.table.ts";
import type { NodeCostsTable } from "./tables/node-costs.table.ts";
import type { OrganizationsTable } from "./tables/organizations.table.ts";
import type { QuestionnairesTable, QuestionnaireVersionsTable } from "./tables/questionnaires.table.ts";
import type { RateLimitBucketsTable } from "./tables/rate-limit-buckets.table.ts";
import type { RecipientSendsTable } from "./tables/recipient-sends.table.ts";
import type { ResponseEventsTable, ResponsesTable } from "./tables/responses.table.ts";
import type { SessionRiskAssessmentsTable } from "./tables/risk-assessments.table.ts";
import type { NodeRunsTable, RunAuditTable, RunEventsTable, RunsTable } from "./tables/runs.table.ts";
import type {
  InboundTriggerMessagesTable,
  InboundTriggersTable,
  ScheduleFiresTable,
  WorkflowSchedulesTable,
} from "./tables/schedules-and-inbound-triggers.table.ts";
import type { SessionCheckAttemptsTable, SessionChecksTable } from "./tables/session-checks.table.ts";
import type { SessionDocumentsTable } from "./tables/session-documents.table.ts";
import type { SessionAuditTable, SessionsTable } from "./tables/sessions.table.ts";
import type { VerificationLinksTable } from "./tables/verification-links.table.ts";
import type {
  WebhookAttemptsTable,
  WebhookDeliveriesTable,
  WebhookEndpointsTable,
  WebhookEventsTable,
} from "./tables/webhooks.table.ts";
import type { WorkflowDraftsTable } from "./tables/workflow-drafts.table.ts";
import type { WorkflowPayloadSchemasTable } from "./tables/workflow-payload-schemas.table.ts";
import type { WorkflowsTable, WorkflowVersionsTable } from "./tables/workflows.table.ts";
import type { WorkspaceMonthlySpendTable } from "./tables/workspace-monthly-spend.table.ts";
import type { WorkspacesTable } from "./tables/workspaces.table.ts";

/** Kysely's view of Flowgate's schema. */
export interface Database {
  organizations: OrganizationsTable;
  workspaces: WorkspacesTable;
  api_keys: ApiKeysTable;
  workflows: WorkflowsTable;
  workflow_versions: WorkflowVersionsTable;
  workflow_drafts: WorkflowDraftsTable;
  sessions: SessionsTable;
  session_audit: SessionAuditTable;
  session_checks: SessionChecksTable;
  session_check_attempts: SessionCheckAttemptsTable;
  verification_links: VerificationLinksTable;
  session_documents: SessionDocumentsTable;
  session_risk_assessments: SessionRiskAssessmentsTable;
  runs: RunsTable;
  node_runs: NodeRunsTable;
  run_events: RunEventsTable;
  run_audit: RunAuditTable;
  jobs: JobsTable;
  node_costs: NodeCostsTable;
  workspace_monthly_spend: WorkspaceMonthlySpendTable;
  workflow_payload_schemas: WorkflowPayloadSchemasTable;
  entities: EntitiesTable;
  entity_documents: EntityDocumentsTable;
  autofill_jobs: AutofillJobsTable;
  questionnaires: QuestionnairesTable;
  questionnaire_versions: QuestionnaireVersionsTable;
  responses: ResponsesTable;
  response_events: ResponseEventsTable;
  workflow_sessions: RecipientSendsTable;
  credit_accounts: CreditAccountsTable;
  credit_ledger: CreditLedgerTable;
  credit_reservations: CreditReservationsTable;
  email_outbox: EmailOutboxTable;
  webhook_endpoints: WebhookEndpointsTable;
  webhook_events: WebhookEventsTable;
  webhook_deliveries: WebhookDeliveriesTable;
  webhook_attempts: WebhookAttemptsTable;
  rate_limit_buckets: RateLimitBucketsTable;
  idempotency_keys: IdempotencyKeysTable;
  email_sends: EmailSendsTable;
  workspace_hourly_emails: WorkspaceHourlyEmailsTable;
  workflow_schedules: WorkflowSchedulesTable;
  schedule_fires: ScheduleFiresTable;
  inbound_triggers: InboundTriggersTable;
  inbound_trigger_messages: InboundTriggerMessagesTable;
  legal_holds: LegalHoldsTable;
  access_log: AccessLogTable;
  data_exports: DataExportsTable;
  bulk_operations: BulkOperationsTable;
  bulk_operation_items: BulkOperationItemsTable;
  retention_policies: RetentionPoliciesTable;
}

/** A database handle: the root `Kysely` or a transaction. Repositories take one of these first. */
export type Executor = Kysely<Database> | Transaction<Database>;
/** The root database handle. */
export type Db = Kysely<Database>;
