import type { Actor, Application } from "@flowgate/application";
import type {
  ApiKey,
  InboundTrigger,
  NodeRun,
  PayloadSchema,
  RecipientSend,
  Run,
  Session,
  SessionAuditEntry,
  SessionCheck,
  SessionCheckAttempt,
  SessionRiskAssessment,
  VerificationLink,
  WebhookAttempt,
  WebhookDelivery,
  WebhookEndpoint,
  Workflow,
  WorkflowDraft,
  WorkflowSchedule,
  WorkflowVersion,
  Workspace,
} from "@flowgate/domain";
import type DataLoader from "dataloader";
import type { AccessRecorder } from "./access-log.ts";
import type { DdqLoaders } from "./ddq-loaders.ts";

/** Per-request batch loaders over the application's batch reads (tenant and scopes checked there). */
export interface Loaders {
  workflow: DataLoader<string, Workflow | undefined>;
  session: DataLoader<string, Session | undefined>;
  run: DataLoader<string, Run | undefined>;
  runOfSession: DataLoader<string, Run | undefined>;
  /** A session's audit trail, oldest first. */
  sessionAudit: DataLoader<string, SessionAuditEntry[]>;
  /** The verification checks of a session's current run. */
  checksOfSession: DataLoader<string, SessionCheck[]>;
  /** The verification checks of a run. */
  checksOfRun: DataLoader<string, SessionCheck[]>;
  /** A session's one-time links, newest first. */
  verificationLinks: DataLoader<string, VerificationLink[]>;
  /** The risk assessment of a session's current run. */
  riskAssessment: DataLoader<string, SessionRiskAssessment | undefined>;
  /** A check's attempts, by number. */
  checkAttempts: DataLoader<string, SessionCheckAttempt[]>;
  nodeRuns: DataLoader<string, NodeRun[]>;
  /** Runs with their node runs in one read; primes `run` and `nodeRuns`. */
  runWithNodeRuns: DataLoader<string, { run: Run; nodeRuns: NodeRun[] } | undefined>;
  /** Drafts by id. */
  workflowDraft: DataLoader<string, WorkflowDraft | undefined>;
  /** The open draft of a workflow, by workflow id. */
  openWorkflowDraft: DataLoader<string, WorkflowDraft | undefined>;
  /** Every version of a workflow, newest first, by workflow id (only after the workflow was loaded for the tenant). */
  workflowVersions: DataLoader<string, WorkflowVersion[]>;
  /** Workspaces of the caller's organization, by id. */
  workspace: DataLoader<string, Workspace | undefined>;
  /** API keys of the caller's organization, by id. */
  apiKey: DataLoader<string, ApiKey | undefined>;
  /** The payload schema of a workflow of the tenant (null when it has none), by workflow id. */
  workflowPayloadSchema: DataLoader<string, PayloadSchema | null>;
  /** Entities, questionnaires, responses and workflow sessions. */
  ddq: DdqLoaders;
  /** Webhook endpoints of the tenant, by id. */
  webhookEndpoint: DataLoader<string, WebhookEndpoint | undefined>;
  /** Webhook deliveries of the tenant, by id. */
  webhookDelivery: DataLoader<string, WebhookDelivery | undefined>;
  /** The attempts of a delivery (oldest first), by delivery id (only after the delivery was loaded). */
  webhookAttempts: DataLoader<string, WebhookAttempt[]>;
  schedule: DataLoader<string, WorkflowSchedule | undefined>;
  schedulesOfWorkflow: DataLoader<string, WorkflowSchedule[]>;
  inboundTrigger: DataLoader<string, InboundTrigger | undefined>;
  inboundTriggersOfWorkflow: DataLoader<string, InboundTrigger[]>;
}

/** What authorized a request on the recipient endpoint: a magic-link token and the recipient send it opens. */
export interface RecipientAccess {
  /** The token as presented (commands re-check it inside their transaction). */
  token: string;
  /** The recipient send (GraphQL `WorkflowSession`) the token opens, checked active when the request started. */
  link: RecipientSend;
}

/** The GraphQL context of an authenticated request or WebSocket connection, on either endpoint. */
export interface GraphQLContext {
  /** The application: every use case takes it first. */
  app: Application;
  /**
   * The caller: an API key's id, tenant and scopes; on the recipient endpoint the link's tenant with no
   * scope (see `recipientActor`), so every API read and command refuses it.
   */
  actor: Actor;
  loaders: Loaders;
  /** On the API endpoint: collects the request's reads of personal data for the access log. */
  access?: AccessRecorder;
  /** Only on the recipient endpoint: the link that authorized the request. */
  recipient?: RecipientAccess;
}
