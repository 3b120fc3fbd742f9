import type { Environment, Tenant } from "@flowgate/domain";
import { sql } from "kysely";
import type { Executor } from "../database.ts";

/** A DSAR export as logged: who asked for which subject's data, and its downloads. */
export interface DataExportRecord {
  id: string;
  workspaceId: string;
  environment: Environment;
  subjectType: "session" | "identity";
  subjectId: string;
  requestedBy: string;
  createdAt: Date;
  expiresAt: Date;
  downloadedAt: Date | null;
  downloadCount: number;
}

function toRecord(row: {
  id: string;
  workspace_id: string;
  environment: Environment;
  subject_type: "session" | "identity";
  subject_id: string;
  requested_by: string;
  created_at: Date;
  expires_at: Date;
  downloaded_at: Date | null;
  download_count: number;
}): DataExportRecord {
  return {
    id: row.id,
    workspaceId: row.workspace_id,
    environment: row.environment,
    subjectType: row.subject_type,
    subjectId: row.subject_id,
    requestedBy: row.requested_by,
    createdAt: row.created_at,
    expiresAt: row.expires_at,
    downloadedAt: row.downloaded_at,
    downloadCount: row.download_count,
  };
}

/** Logs a requested export. */
export async function insertDataExport(
  db: Executor,
  tenant: Tenant,
  row: {
    id: string;
    subjectType: "session" | "identity";
    subjectId: string;
    requestedBy: string;
    expiresAt: Date;
  },
): Promise<DataExportRecord> {
  const inserted = await db
    .insertInto("data_exports")
    .values({
      id: row.id,
      workspace_id: tenant.workspaceId,
      environment: tenant.environment,
      subject_type: row.subjectType,
      subject_id: row.subjectId,
      requested_by: row.requestedBy,
      expires_at: row.expiresAt,
    })
    .returningAll()
    .executeTakeFirstOrThrow();
  return toRecord(inserted);
}

/** Counts a download of an export and returns it (undefined when there is no such export). */
export async function recordDataExportDownload(
  db: Executor,
  id: string,
): Promise<DataExportRecord | undefined> {
  const row = await db
    .updateTable("data_exports")
    .set({ downloaded_at: new Date(), download_count: sql`download_count + 1` })
    .where("id", "=", id)
    .returningAll()
    .executeTakeFirst();
  return row ? toRecord(row) : undefined;
}

/** The exports of a subject of the tenant, newest first. */
export async function listDataExports(
  db: Executor,
  tenant: Tenant,
  subjectId: string,
): Promise<DataExportRecord[]> {
  const rows = await db
    .selectFrom("data_exports")
    .selectAll()
    .where("subject_id", "=", subjectId)
    .where("workspace_id", "=", tenant.workspaceId)
    .where("environment", "=", tenant.environment)
    .orderBy("id", "desc")
    .execute();
  return rows.map(toRecord);
}
