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
 * session. The rows travel as one array per column (`unnest`), so a batch of hundreds is a statement of ten
 * parameters that PostgreSQL parses and plans once, not ten parameters and a sub-select per row.
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
  const column = <T>(pick: (entry: (typeof entries)[number]) => T) => entries.map(pick);
  // `fields` (a text[] per row) goes as JSON text: unnest would flatten an array of arrays.
  await sql`insert into access_log
      (workspace_id, environment, key_id, record_type, record_id, session_id, fields, channel, created_at)
    select e.workspace_id, e.environment, e.key_id, e.record_type, e.record_id,
      coalesce(e.session_id, (select r.session_id from runs r where r.id = e.run_id)),
      array(select jsonb_array_elements_text(e.fields::jsonb)), e.channel, e.created_at
    from unnest(
      ${column((e) => e.tenant.workspaceId)}::text[], ${column((e) => e.tenant.environment)}::text[],
      ${column((e) => e.keyId)}::text[], ${column((e) => e.recordType)}::text[],
      ${column((e) => e.recordId)}::text[], ${column((e) => e.sessionId)}::text[],
      ${column((e) => e.runId)}::text[], ${column((e) => JSON.stringify(e.fields))}::text[],
      ${column((e) => e.channel)}::text[], ${column((e) => e.at.toISOString())}::timestamptz[]
    ) with ordinality as e(workspace_id, environment, key_id, record_type, record_id, session_id, run_id,
      fields, channel, created_at, i)
    order by e.i`.execute(db);
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
