import type { Session, SessionResult, SessionStatus, Tenant } from "@flowgate/domain";
import type { Selectable } from "kysely";
import type { Executor } from "../database.ts";
import type { SessionsTable } from "../tables/sessions.table.ts";
import type { PageRequest } from "./pagination.ts";
import { inTenant } from "./tenant-filter.ts";

/** Inserts a session in status `created`. */
export async function insertSession(
  db: Executor,
  tenant: Tenant,
  row: {
    id: string;
    workflowId: string | null;
    referenceId: string | null;
    metadata: Record<string, unknown>;
    sandbox: Record<string, unknown> | null;
    expiresAt?: Date | null;
  },
): Promise<Session> {
  const inserted = await db
    .insertInto("sessions")
    .values({
      id: row.id,
      workspace_id: tenant.workspaceId,
      environment: tenant.environment,
      workflow_id: row.workflowId,
      status: "created",
      reference_id: row.referenceId,
      metadata: JSON.stringify(row.metadata),
      sandbox: row.sandbox ? JSON.stringify(row.sandbox) : null,
      expires_at: row.expiresAt ?? null,
    })
    .returningAll()
    .executeTakeFirstOrThrow();
  return toSession(inserted);
}

/**
 * Finds a session of the tenant; another tenant's session is `undefined`.
 * With `forUpdate` the row stays locked until the transaction ends.
 */
export async function findSession(
  db: Executor,
  tenant: Tenant,
  id: string,
  options: { forUpdate?: boolean } = {},
): Promise<Session | undefined> {
  let query = db.selectFrom("sessions").selectAll().where("id", "=", id).where(inTenant(tenant));
  if (options.forUpdate) query = query.forUpdate();
  const row = await query.executeTakeFirst();
  return row ? toSession(row) : undefined;
}

/** Finds sessions of the tenant by id, in any order (for DataLoaders); with `forUpdate`, locked in id order. */
export async function findSessionsByIds(
  db: Executor,
  tenant: Tenant,
  ids: readonly string[],
  options: { forUpdate?: boolean } = {},
): Promise<Session[]> {
  if (ids.length === 0) return [];
  let query = db.selectFrom("sessions").selectAll().where("id", "in", ids).where(inTenant(tenant));
  if (options.forUpdate) query = query.orderBy("id").forUpdate();
  const rows = await query.execute();
  return rows.map(toSession);
}

/** Changes a session's status (and result/timestamps); the caller has checked the transition. */
export async function updateSessionStatus(
  db: Executor,
  id: string,
  change: {
    status: SessionStatus;
    expiresAt?: Date | null;
    result?: SessionResult | null;
    workflowId?: string;
    submittedAt?: Date;
    completedAt?: Date | null;
  },
): Promise<void> {
  await db
    .updateTable("sessions")
    .set({
      status: change.status,
      updated_at: new Date(),
      ...(change.result !== undefined ? { result: change.result } : {}),
      ...(change.workflowId !== undefined ? { workflow_id: change.workflowId } : {}),
      ...(change.submittedAt !== undefined ? { submitted_at: change.submittedAt } : {}),
      ...(change.completedAt !== undefined ? { completed_at: change.completedAt } : {}),
      ...(change.expiresAt !== undefined ? { expires_at: change.expiresAt } : {}),
    })
    .where("id", "=", id)
    .execute();
}

/** A page of the tenant's sessions, newest first. */
export async function listSessions(
  db: Executor,
  tenant: Tenant,
  page: PageRequest & { status?: SessionStatus | undefined },
): Promise<Session[]> {
  let query = db.selectFrom("sessions").selectAll().where(inTenant(tenant));
  if (page.status) query = query.where("status", "=", page.status);
  if (page.afterId) query = query.where("id", "<", page.afterId);
  if (page.beforeId) query = query.where("id", ">", page.beforeId);
  const rows = await query
    .orderBy("id", page.beforeId ? "asc" : "desc")
    .limit(page.limit)
    .execute();
  return rows.map(toSession);
}

/**
 * The status of each of these sessions. Engine-internal, without a tenant: event buses use it to
 * re-announce live sessions' statuses after their connection came back.
 */
export async function listSessionStatuses(
  db: Executor,
  ids: readonly string[],
): Promise<Pick<Session, "id" | "status" | "result" | "updatedAt">[]> {
  if (ids.length === 0) return [];
  const rows = await db
    .selectFrom("sessions")
    .select(["id", "status", "result", "updated_at"])
    .where("id", "in", ids)
    .execute();
  return rows.map((row) => ({
    id: row.id,
    status: row.status as SessionStatus,
    result: row.result as SessionResult | null,
    updatedAt: row.updated_at,
  }));
}

function toSession(row: Selectable<SessionsTable>): Session {
  return {
    id: row.id,
    workspaceId: row.workspace_id,
    environment: row.environment,
    workflowId: row.workflow_id,
    status: row.status as SessionStatus,
    result: row.result as SessionResult | null,
    referenceId: row.reference_id,
    metadata: row.metadata,
    sandbox: row.sandbox,
    createdAt: row.created_at,
    updatedAt: row.updated_at,
    submittedAt: row.submitted_at,
    completedAt: row.completed_at,
    expiresAt: row.expires_at,
    redaction:
      row.redacted_at && row.redacted_by
        ? { at: row.redacted_at, by: row.redacted_by, reason: row.redaction_reason ?? "" }
        : null,
  };
}
