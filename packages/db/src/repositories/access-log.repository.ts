import type { Environment, Tenant } from "@flowgate/domain";
import { sql } from "kysely";
import type { Executor } from "../database.ts";
import { inTenant } from "./tenant-filter.ts";

/** One read of personal data as stored. */
export interface AccessLogRow {
  /** Increasing id (a `bigint`, as a string). */
  id: string;
  workspaceId: string;
  environment: Environment;
  /** Who read: the API key (`key_…`). */
  keyId: string;
  recordType: string;
  recordId: string;
  sessionId: string | null;
  /** The personal columns read (`table.column`), never their values. */
  fields: string[];
  channel: string;
  createdAt: Date;
}

/**
 * Appends access-log rows in one insert. A row given a `runId` instead of a `sessionId` gets the run's
 * session.
 */
export async function insertAccessLogEntries(
  db: Executor,
  entries: readonly {
    tenant: Tenant;
    keyId: string;
    recordType: string;
    recordId: string;
    sessionId: string | null;
    runId: string | null;
    fields: string[];
    channel: string;
    at: Date;
  }[],
): Promise<void> {
  if (entries.length === 0) return;
  await db
    .insertInto("access_log")
    .values(
      entries.map((entry) => ({
        workspace_id: entry.tenant.workspaceId,
        environment: entry.tenant.environment,
        key_id: entry.keyId,
        record_type: entry.recordType,
        record_id: entry.recordId,
        session_id:
          entry.sessionId ??
          (entry.runId
            ? sql<string | null>`(select r.session_id from runs r where r.id = ${entry.runId})`
            : null),
        fields: entry.fields,
        channel: entry.channel,
        created_at: entry.at,
      })),
    )
    .execute();
}

/** Access-log rows of the tenant: of one session (newest first), or in a window (oldest first), paged by id. */
export async function listAccessLogRows(
  db: Executor,
  tenant: Tenant,
  filter: {
    sessionId?: string | null;
    /** Entries of any of these sessions or records (DSAR exports). */
    subjects?: { sessionIds: readonly string[]; recordIds: readonly string[] } | undefined;
    since?: Date | null;
    until?: Date | null;
    afterId?: string | null;
    limit: number;
    order?: "asc" | "desc";
  },
): Promise<AccessLogRow[]> {
  let query = db.selectFrom("access_log").selectAll().where(inTenant(tenant));
  if (filter.sessionId) query = query.where("session_id", "=", filter.sessionId);
  const subjects = filter.subjects;
  if (subjects) {
    if (subjects.sessionIds.length === 0 && subjects.recordIds.length === 0) return [];
    query = query.where((eb) =>
      eb.or([
        ...(subjects.sessionIds.length ? [eb("session_id", "in", subjects.sessionIds)] : []),
        ...(subjects.recordIds.length ? [eb("record_id", "in", subjects.recordIds)] : []),
      ]),
    );
  }
  if (filter.since) query = query.where("created_at", ">=", filter.since);
  if (filter.until) query = query.where("created_at", "<", filter.until);
  const order = filter.order ?? "desc";
  if (filter.afterId)
    query = query.where(sql`id`, order === "asc" ? ">" : "<", sql`${filter.afterId}::bigint`);
  const rows = await query.orderBy("id", order).limit(filter.limit).execute();
  return rows.map((row) => ({
    id: String(row.id),
    workspaceId: row.workspace_id,
    environment: row.environment,
    keyId: row.key_id,
    recordType: row.record_type,
    recordId: row.record_id,
    sessionId: row.session_id,
    fields: row.fields,
    channel: row.channel,
    createdAt: row.created_at,
  }));
}
