import type { RecipientSend, RecipientStepState, Tenant } from "@flowgate/domain";
import type { Selectable, Updateable } from "kysely";
import type { Executor } from "../database.ts";
import type { RecipientSendsTable } from "../tables/recipient-sends.table.ts";
import { inTenant } from "./tenant-filter.ts";

/** A recipient send to insert; the token is given only as its hash. */
export interface NewRecipientSend {
  id: string;
  entityId: string;
  responseId: string | null;
  verificationSessionId: string | null;
  email: string;
  tokenHash: string;
  steps: RecipientStepState[];
  expiresAt: Date;
  createdBy: string | null;
}

/** Inserts a recipient send. */
export async function insertRecipientSend(
  db: Executor,
  tenant: Tenant,
  row: NewRecipientSend,
): Promise<RecipientSend> {
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
  return toRecipientSend(inserted);
}

/**
 * The recipient send whose magic-link token has this hash, whatever its tenant or state (the caller checks
 * expiry and revocation). `forUpdate` locks the row.
 */
export async function findRecipientSendByTokenHash(
  db: Executor,
  tokenHash: string,
  options: { forUpdate?: boolean } = {},
): Promise<RecipientSend | undefined> {
  let query = db.selectFrom("workflow_sessions").selectAll().where("token_hash", "=", tokenHash);
  if (options.forUpdate) query = query.forUpdate();
  const row = await query.executeTakeFirst();
  return row ? toRecipientSend(row) : undefined;
}

/** Finds a recipient send of the tenant; another tenant's is `undefined`. `forUpdate` locks the row. */
export async function findRecipientSend(
  db: Executor,
  tenant: Tenant,
  id: string,
  options: { forUpdate?: boolean } = {},
): Promise<RecipientSend | undefined> {
  let query = db.selectFrom("workflow_sessions").selectAll().where("id", "=", id).where(inTenant(tenant));
  if (options.forUpdate) query = query.forUpdate();
  const row = await query.executeTakeFirst();
  return row ? toRecipientSend(row) : undefined;
}

/** Recipient sends of the tenant by id, in any order (for DataLoaders). */
export async function findRecipientSendsByIds(
  db: Executor,
  tenant: Tenant,
  ids: readonly string[],
): Promise<RecipientSend[]> {
  if (ids.length === 0) return [];
  const rows = await db
    .selectFrom("workflow_sessions")
    .selectAll()
    .where("id", "in", ids)
    .where(inTenant(tenant))
    .execute();
  return rows.map(toRecipientSend);
}

/** Fields of a recipient send that change after it is created. */
export interface RecipientSendChange {
  steps?: RecipientStepState[];
  revokedAt?: Date | null;
  emailSentAt?: Date | null;
  completedAt?: Date | null;
  /** A re-issued link's token hash (its email could not be sent with the first token). */
  tokenHash?: string;
}

/** Applies a change to a recipient send and returns it. */
export async function updateRecipientSend(
  db: Executor,
  id: string,
  change: RecipientSendChange,
): Promise<RecipientSend> {
  const set: Updateable<RecipientSendsTable> = {};
  if (change.steps !== undefined) set.steps = JSON.stringify(change.steps);
  if (change.revokedAt !== undefined) set.revoked_at = change.revokedAt;
  if (change.emailSentAt !== undefined) set.email_sent_at = change.emailSentAt;
  if (change.completedAt !== undefined) set.completed_at = change.completedAt;
  if (change.tokenHash !== undefined) set.token_hash = change.tokenHash;
  const row = await db
    .updateTable("workflow_sessions")
    .set(set)
    .where("id", "=", id)
    .returningAll()
    .executeTakeFirstOrThrow();
  return toRecipientSend(row);
}

/** Deletes a recipient send (its send failed). */
export async function deleteRecipientSend(db: Executor, id: string): Promise<void> {
  await db.deleteFrom("workflow_sessions").where("id", "=", id).execute();
}

function toRecipientSend(row: Selectable<RecipientSendsTable>): RecipientSend {
  return {
    id: row.id,
    workspaceId: row.workspace_id,
    environment: row.environment,
    entityId: row.entity_id,
    responseId: row.response_id,
    verificationSessionId: row.verification_session_id,
    email: row.email,
    steps: row.steps as RecipientStepState[],
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
