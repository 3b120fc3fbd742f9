import type { Kysely, Transaction } from "kysely";
import type { ApiKeysTable } from "./tables/api-keys.table.ts";
import type { JobsTable } from "./tables/jobs.table.ts";
import type { OrganizationsTable } from "./tables/organizations.table.ts";
import type { NodeRunsTable, RunEventsTable, RunsTable } from "./tables/runs.table.ts";
import type { SessionsTable } from "./tables/sessions.table.ts";
import type { WorkflowsTable, WorkflowVersionsTable } from "./tables/workflows.table.ts";
import type { WorkspacesTable } from "./tables/workspaces.table.ts";

/** Kysely's view of Flowgate's schema. */
export interface Database {
  organizations: OrganizationsTable;
  workspaces: WorkspacesTable;
  api_keys: ApiKeysTable;
  workflows: WorkflowsTable;
  workflow_versions: WorkflowVersionsTable;
  sessions: SessionsTable;
  runs: RunsTable;
  node_runs: NodeRunsTable;
  run_events: RunEventsTable;
  jobs: JobsTable;
}

/** A database handle: the root `Kysely` or a transaction. Repositories take one of these first. */
export type Executor = Kysely<Database> | Transaction<Database>;
/** The root database handle. */
export type Db = Kysely<Database>;
