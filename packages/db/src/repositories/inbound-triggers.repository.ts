import type { InboundTrigger, InboundTriggerAuth, Tenant } from "@flowgate/domain";
import { type Selectable, sql } from "kysely";
import type { Executor } from "../database.ts";
import type { InboundTriggersTable } from "../tables/schedules-and-inbound-triggers.table.ts";
import { deleteDueBatch } from "./batched-delete.ts";
import { inTenant } from "./tenant-filter.ts";

/** An inbound trigger with its credential as stored (never leaves the application layer). */
export interface InboundTriggerCredential {
  trigger: InboundTrigger;
  /** The signature secret's ciphertext (`signature` triggers). */
  secretEncrypted: string | null;
  /** The bearer token's SHA-256 (`bearer` triggers). */
  tokenHash: string | null;
}

/** Inserts an active inbound trigger. */
export async function insertInboundTrigger(
  db: Executor,
  tenant: Tenant,
  row: {
    id: string;
    workflowId: string;
    token: string;
    auth: InboundTriggerAuth;
    secretEncrypted: string | null;
    tokenHash: string | null;
    createdBy: string | null;
  },
): Promise<InboundTrigger> {
  const inserted = await db
    .insertInto("inbound_triggers")
    .values({
      id: row.id,
      workspace_id: tenant.workspaceId,
      environment: tenant.environment,
      workflow_id: row.workflowId,
      token: row.token,
      auth: row.auth,
      secret_encrypted: row.secretEncrypted,
      token_hash: row.tokenHash,
      created_by: row.createdBy,
    })
    .returningAll()
    .executeTakeFirstOrThrow();
  return toInboundTrigger(inserted);
}

/** Finds an inbound trigger of the tenant (another tenant's is `undefined`); `forUpdate` locks it. */
export async function findInboundTrigger(
  db: Executor,
  tenant: Tenant,
  id: string,
  options: { forUpdate?: boolean } = {},
): Promise<InboundTrigger | undefined> {
  let query = db.selectFrom("inbound_triggers").selectAll().where("id", "=", id).where(inTenant(tenant));
  if (options.forUpdate) query = query.forUpdate();
  const row = await query.executeTakeFirst();
  return row ? toInboundTrigger(row) : undefined;
}

/** Inbound triggers of the tenant by id, in any order (for DataLoaders). */
export async function findInboundTriggersByIds(
  db: Executor,
  tenant: Tenant,
  ids: readonly string[],
): Promise<InboundTrigger[]> {
  if (ids.length === 0) return [];
  const rows = await db
    .selectFrom("inbound_triggers")
    .selectAll()
    .where("id", "in", ids)
    .where(inTenant(tenant))
    .execute();
  return rows.map(toInboundTrigger);
}

/** The tenant's inbound triggers, of the given workflows or all, oldest first, at most `limit`. */
export async function listInboundTriggers(
  db: Executor,
  tenant: Tenant,
  options: { workflowIds?: readonly string[] | undefined; includeRevoked?: boolean; limit: number },
): Promise<InboundTrigger[]> {
  if (options.workflowIds && options.workflowIds.length === 0) return [];
  let query = db.selectFrom("inbound_triggers").selectAll().where(inTenant(tenant));
  if (options.workflowIds) query = query.where("workflow_id", "in", options.workflowIds);
  if (!options.includeRevoked) query = query.where("status", "=", "active");
  const rows = await query.orderBy("id").limit(options.limit).execute();
  return rows.map(toInboundTrigger);
}

/** How many active inbound triggers a workflow has. */
export async function countActiveInboundTriggers(db: Executor, workflowId: string): Promise<number> {
  const row = await db
    .selectFrom("inbound_triggers")
    .select((eb) => eb.fn.countAll<string>().as("count"))
    .where("workflow_id", "=", workflowId)
    .where("status", "=", "active")
    .executeTakeFirstOrThrow();
  return Number(row.count);
}

/** The active trigger of a URL token with its credential, whatever its tenant (the URL names it). */
export async function findInboundTriggerByToken(
  db: Executor,
  token: string,
): Promise<InboundTriggerCredential | undefined> {
  const row = await db
    .selectFrom("inbound_triggers")
    .selectAll()
    .where("token", "=", token)
    .where("status", "=", "active")
    .executeTakeFirst();
  if (!row) return undefined;
  return { trigger: toInboundTrigger(row), secretEncrypted: row.secret_encrypted, tokenHash: row.token_hash };
}

/** Replaces a trigger's credential (a rotation) and returns it. */
export async function setInboundTriggerCredential(
  db: Executor,
  id: string,
  credential: { secretEncrypted: string | null; tokenHash: string | null },
): Promise<InboundTrigger> {
  const row = await db
    .updateTable("inbound_triggers")
    .set({
      secret_encrypted: credential.secretEncrypted,
      token_hash: credential.tokenHash,
      updated_at: new Date(),
    })
    .where("id", "=", id)
    .returningAll()
    .executeTakeFirstOrThrow();
  return toInboundTrigger(row);
}

/** Revokes a trigger: its URL answers 404 from now on. */
export async function revokeInboundTriggerRow(db: Executor, id: string, at: Date): Promise<InboundTrigger> {
  const row = await db
    .updateTable("inbound_triggers")
    .set({ status: "revoked", revoked_at: at, updated_at: at })
    .where("id", "=", id)
    .returningAll()
    .executeTakeFirstOrThrow();
  return toInboundTrigger(row);
}

/** Notes that a trigger started a run now. */
export async function touchInboundTrigger(db: Executor, id: string, at: Date): Promise<void> {
  await db.updateTable("inbound_triggers").set({ last_triggered_at: at }).where("id", "=", id).execute();
}

/**
 * Records a `webhook-id` a trigger accepts, before its run is started (see
 * {@link setInboundTriggerMessageRun}). Returns false when the id was seen before: a concurrent twin waits
 * on the unique key until the first transaction commits, then sees it.
 */
export async function insertInboundTriggerMessage(
  db: Executor,
  message: { triggerId: string; messageId: string },
): Promise<boolean> {
  const rows = await db
    .insertInto("inbound_trigger_messages")
    .values({ trigger_id: message.triggerId, message_id: message.messageId, run_id: null })
    .onConflict((oc) => oc.columns(["trigger_id", "message_id"]).doNothing())
    .returning("run_id")
    .execute();
  return rows.length > 0;
}

/** Sets the run a recorded `webhook-id` started. */
export async function setInboundTriggerMessageRun(
  db: Executor,
  message: { triggerId: string; messageId: string; runId: string },
): Promise<void> {
  await db
    .updateTable("inbound_trigger_messages")
    .set({ run_id: message.runId })
    .where("trigger_id", "=", message.triggerId)
    .where("message_id", "=", message.messageId)
    .execute();
}

/** The run a trigger started for a `webhook-id`, if it saw that id. */
export async function findInboundTriggerMessageRun(
  db: Executor,
  triggerId: string,
  messageId: string,
): Promise<string | undefined> {
  const row = await db
    .selectFrom("inbound_trigger_messages")
    .where("run_id", "is not", null)
    .select("run_id")
    .where("trigger_id", "=", triggerId)
    .where("message_id", "=", messageId)
    .executeTakeFirst();
  return row?.run_id ?? undefined;
}

/**
 * Deletes up to `limit` recorded `webhook-id`s seen before `before` (all triggers) and returns how many, so
 * that a backlog is cleared in short transactions (the `maintenance.purge` job calls it until fewer than
 * `limit` go). Rows are picked through the `created_at` index and deleted by `ctid`.
 *
 * @param db - The database.
 * @param before - Rows created before this time go.
 * @param limit - The most rows deleted.
 */
export async function purgeInboundTriggerMessages(
  db: Executor,
  before: Date,
  limit: number,
): Promise<number> {
  return deleteDueBatch(db, "inbound_trigger_messages", sql`created_at < ${before}`, limit);
}

function toInboundTrigger(row: Selectable<InboundTriggersTable>): InboundTrigger {
  return {
    id: row.id,
    workspaceId: row.workspace_id,
    environment: row.environment,
    workflowId: row.workflow_id,
    token: row.token,
    auth: row.auth,
    status: row.status,
    lastTriggeredAt: row.last_triggered_at,
    revokedAt: row.revoked_at,
    createdBy: row.created_by,
    createdAt: row.created_at,
    updatedAt: row.updated_at,
  };
}
