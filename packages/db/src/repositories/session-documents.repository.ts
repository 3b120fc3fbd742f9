import type { SessionDocument, Tenant } from "@flowgate/domain";
import type { Selectable } from "kysely";
import type { Executor } from "../database.ts";
import type { SessionDocumentsTable } from "../tables/session-documents.table.ts";
import { inTenant } from "./tenant-filter.ts";

/** Stores an uploaded file. */
export async function insertSessionDocument(
  db: Executor,
  tenant: Tenant,
  row: Omit<SessionDocument, "workspaceId" | "environment" | "createdAt"> & { content: Uint8Array },
): Promise<SessionDocument> {
  const inserted = await db
    .insertInto("session_documents")
    .values({
      id: row.id,
      workspace_id: tenant.workspaceId,
      environment: tenant.environment,
      session_id: row.sessionId,
      step: row.step,
      kind: row.kind,
      file_name: row.fileName,
      content_type: row.contentType,
      size_bytes: row.sizeBytes,
      sha256: row.sha256,
      content: row.content,
      uploaded_via: row.uploadedVia,
    })
    .returning(columns)
    .executeTakeFirstOrThrow();
  return toSessionDocument(inserted);
}

/** The documents of these sessions of the tenant (without their bytes), oldest first. */
export async function listDocumentsOfSessions(
  db: Executor,
  tenant: Tenant,
  sessionIds: readonly string[],
): Promise<SessionDocument[]> {
  if (sessionIds.length === 0) return [];
  const rows = await db
    .selectFrom("session_documents")
    .select(columns)
    .where("session_id", "in", sessionIds)
    .where(inTenant(tenant))
    .orderBy("created_at")
    .orderBy("id")
    .execute();
  return rows.map(toSessionDocument);
}

/** Deletes a session's documents (redaction); returns how many. */
export async function deleteDocumentsOfSession(
  db: Executor,
  tenant: Tenant,
  sessionId: string,
): Promise<number> {
  const result = await db
    .deleteFrom("session_documents")
    .where("session_id", "=", sessionId)
    .where(inTenant(tenant))
    .executeTakeFirst();
  return Number(result.numDeletedRows);
}

const columns = [
  "id",
  "workspace_id",
  "environment",
  "session_id",
  "step",
  "kind",
  "file_name",
  "content_type",
  "size_bytes",
  "sha256",
  "uploaded_via",
  "created_at",
] as const;

function toSessionDocument(row: Omit<Selectable<SessionDocumentsTable>, "content">): SessionDocument {
  return {
    id: row.id,
    workspaceId: row.workspace_id,
    environment: row.environment,
    sessionId: row.session_id,
    step: row.step,
    kind: row.kind,
    fileName: row.file_name,
    contentType: row.content_type,
    sizeBytes: row.size_bytes,
    sha256: row.sha256,
    uploadedVia: row.uploaded_via,
    createdAt: row.created_at,
  };
}
