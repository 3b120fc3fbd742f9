import type { Tenant, WorkflowSession, WorkflowStepState } from "@flowgate/domain";
import type { Selectable, Updateable } from "kysely";
import type { Executor } from "../database.ts";
import type { WorkflowSessionsTable } from "../tables/workflow-sessions.table.ts";
import { inTenant } from "./tenant-filter.ts";

/** A workflow session to insert; the token is given only as its hash. */
export interface NewWorkflowSession {
  id: string;
  entityId: string;
  responseId: string | null;
  verificationSessionId: string | null;
  email: string;
  tokenHash: string;
  steps: WorkflowStepState[];
  expiresAt: Date;
  createdBy: string | null;
}

/** Inserts a workflow session. */
export async function insertWorkflowSession(
  db: Executor,
  tenant: Tenant,
  row: NewWorkflowSession,
): Promise<WorkflowSession> {
  const inserted = await db
    .insertInto("workflow_sessions")
    .values({
      id: row.id,
      workspace_id: tenant.workspaceId,
      environment: tenant.environment,
      entity_id: row.entityId,
      response_id: row.responseId,
      verification_session_id: row.verificationSessionId,
      email: row.email,
      token_hash: row.tokenHash,
      steps: JSON.stringify(row.steps),
      expires_at: row.expiresAt,
      created_by: row.createdBy,
    })
    .returningAll()
    .executeTakeFirstOrThrow();
  return toWorkflowSession(inserted);
}

/**
 * The workflow session whose magic-link token has this hash, whatever its tenant or state (the caller checks
 * expiry and revocation). `forUpdate` locks the row.
 */
export async function findWorkflowSessionByTokenHash(
  db: Executor,
  tokenHash: string,
  options: { forUpdate?: boolean } = {},
): Promise<WorkflowSession | undefined> {
  let query = db.selectFrom("workflow_sessions").selectAll().where("token_hash", "=", tokenHash);
  if (options.forUpdate) query = query.forUpdate();
  const row = await query.executeTakeFirst();
  return row ? toWorkflowSession(row) : undefined;
}

/** Finds a workflow session of the tenant; another tenant's is `undefined`. `forUpdate` locks the row. */
export async function findWorkflowSession(
  db: Executor,
  tenant: Tenant,
  id: string,
  options: { forUpdate?: boolean } = {},
): Promise<WorkflowSession | undefined> {
  let query = db.selectFrom("workflow_sessions").selectAll().where("id", "=", id).where(inTenant(tenant));
  if (options.forUpdate) query = query.forUpdate();
  const row = await query.executeTakeFirst();
  return row ? toWorkflowSession(row) : undefined;
}

/** Workflow sessions of the tenant by id, in any order (for DataLoaders). */
export async function findWorkflowSessionsByIds(
  db: Executor,
  tenant: Tenant,
  ids: readonly string[],
): Promise<WorkflowSession[]> {
  if (ids.length === 0) return [];
  const rows = await db
    .selectFrom("workflow_sessions")
    .selectAll()
    .where("id", "in", ids)
    .where(inTenant(tenant))
    .execute();
  return rows.map(toWorkflowSession);
}

/** Fields of a workflow session that change after it is created. */
export interface WorkflowSessionChange {
  steps?: WorkflowStepState[];
  revokedAt?: Date | null;
  emailSentAt?: Date | null;
  completedAt?: Date | null;
}

/** Applies a change to a workflow session and returns it. */
export async function updateWorkflowSession(
  db: Executor,
  id: string,
  change: WorkflowSessionChange,
): Promise<WorkflowSession> {
  const set: Updateable<WorkflowSessionsTable> = {};
  if (change.steps !== undefined) set.steps = JSON.stringify(change.steps);
  if (change.revokedAt !== undefined) set.revoked_at = change.revokedAt;
  if (change.emailSentAt !== undefined) set.email_sent_at = change.emailSentAt;
  if (change.completedAt !== undefined) set.completed_at = change.completedAt;
  const row = await db
    .updateTable("workflow_sessions")
    .set(set)
    .where("id", "=", id)
    .returningAll()
    .executeTakeFirstOrThrow();
  return toWorkflowSession(row);
}

/** Deletes a workflow session (its send failed). */
export async function deleteWorkflowSession(db: Executor, id: string): Promise<void> {
  await db.deleteFrom("workflow_sessions").where("id", "=", id).execute();
}

function toWorkflowSession(row: Selectable<WorkflowSessionsTable>): WorkflowSession {
  return {
    id: row.id,
    workspaceId: row.workspace_id,
    environment: row.environment,
    entityId: row.entity_id,
    responseId: row.response_id,
    verificationSessionId: row.verification_session_id,
    email: row.email,
    steps: row.steps as WorkflowStepState[],
    expiresAt: row.expires_at,
    revokedAt: row.revoked_at,
    emailSentAt: row.email_sent_at,
    completedAt: row.completed_at,
    createdBy: row.created_by,
    createdAt: row.created_at,
  };
}

/** Deletes a verification session created for a send whose email failed (its runs go with it). */
export async function deleteVerificationSession(db: Executor, id: string): Promise<void> {
  await db.deleteFrom("sessions").where("id", "=", id).execute();
}
