import type { Actor, Application } from "@flowgate/application";
import type {
  ApiKey,
  NodeRun,
  PayloadSchema,
  Run,
  Session,
  Workflow,
  WorkflowDraft,
  WorkflowVersion,
  Workspace,
} from "@flowgate/domain";
import type DataLoader from "dataloader";
import type { DdqLoaders } from "./ddq-loaders.ts";

/** Per-request batch loaders over the application's batch reads (tenant and scopes checked there). */
export interface Loaders {
  workflow: DataLoader<string, Workflow | undefined>;
  session: DataLoader<string, Session | undefined>;
  run: DataLoader<string, Run | undefined>;
  runOfSession: DataLoader<string, Run | undefined>;
  nodeRuns: DataLoader<string, NodeRun[]>;
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
}

/** The GraphQL context of an authenticated request or WebSocket connection. */
export interface GraphQLContext {
  /** The application: every use case takes it first. */
  app: Application;
  /** The caller: its key's id, tenant and scopes. */
  actor: Actor;
  loaders: Loaders;
}
