import type { EntityDocument, EntityDocumentContentType, EntityDocumentText, Tenant } from "@flowgate/domain";
import type { Selectable } from "kysely";
import type { Executor } from "../database.ts";
import type { EntityDocumentsTable } from "../tables/entity-documents.table.ts";
import { inTenant } from "./tenant-filter.ts";

/** The columns of a document without its bytes and text (what lists read). */
const summaryColumns = [
  "id",
  "workspace_id",
  "environment",
  "entity_id",
  "filename",
  "content_type",
  "size_bytes",
  "sha256",
  "page_count",
  "uploaded_by",
  "created_at",
] as const;

/** Stores a document of an entity of the tenant, bytes and extracted text included. */
export async function insertEntityDocument(
  db: Executor,
  tenant: Tenant,
  row: Omit<EntityDocument, "workspaceId" | "environment" | "createdAt"> & {
    content: Uint8Array;
    textPages: string[];
  },
): Promise<EntityDocument> {
  const inserted = await db
    .insertInto("entity_documents")
    .values({
      id: row.id,
      workspace_id: tenant.workspaceId,
      environment: tenant.environment,
      entity_id: row.entityId,
      filename: row.filename,
      content_type: row.contentType,
      size_bytes: row.sizeBytes,
      sha256: row.sha256,
      page_count: row.pageCount,
      content: row.content,
      text_pages: JSON.stringify(row.textPages),
      uploaded_by: row.uploadedBy,
    })
    .returning(summaryColumns)
    .executeTakeFirstOrThrow();
  return toEntityDocument(inserted);
}

/** The documents of several entities of the tenant, oldest first (for DataLoaders). */
export async function listDocumentsOfEntities(
  db: Executor,
  tenant: Tenant,
  entityIds: readonly string[],
): Promise<EntityDocument[]> {
  if (entityIds.length === 0) return [];
  const rows = await db
    .selectFrom("entity_documents")
    .select(summaryColumns)
    .where("entity_id", "in", entityIds)
    .where(inTenant(tenant))
    .orderBy("entity_id")
    .orderBy("id")
    .execute();
  return rows.map(toEntityDocument);
}

/** A document of the tenant, or `undefined`. */
export async function findEntityDocument(
  db: Executor,
  tenant: Tenant,
  id: string,
): Promise<EntityDocument | undefined> {
  const row = await db
    .selectFrom("entity_documents")
    .select(summaryColumns)
    .where("id", "=", id)
    .where(inTenant(tenant))
    .executeTakeFirst();
  return row ? toEntityDocument(row) : undefined;
}

/** A document's bytes, or `undefined` when it is not the tenant's. */
export async function findEntityDocumentContent(
  db: Executor,
  tenant: Tenant,
  id: string,
): Promise<Uint8Array | undefined> {
  const row = await db
    .selectFrom("entity_documents")
    .select("content")
    .where("id", "=", id)
    .where(inTenant(tenant))
    .executeTakeFirst();
  return row ? new Uint8Array(row.content) : undefined;
}

/** The extracted text of every document of an entity of the tenant, oldest document first. */
export async function listEntityDocumentTexts(
  db: Executor,
  tenant: Tenant,
  entityId: string,
): Promise<EntityDocumentText[]> {
  const rows = await db
    .selectFrom("entity_documents")
    .select(["id", "filename", "text_pages"])
    .where("entity_id", "=", entityId)
    .where(inTenant(tenant))
    .orderBy("id")
    .execute();
  return rows.map((row) => ({ documentId: row.id, filename: row.filename, pages: row.text_pages }));
}

/** Deletes a document of the tenant; whether there was one. */
export async function deleteEntityDocument(db: Executor, tenant: Tenant, id: string): Promise<boolean> {
  const result = await db
    .deleteFrom("entity_documents")
    .where("id", "=", id)
    .where(inTenant(tenant))
    .executeTakeFirst();
  return Number(result.numDeletedRows) > 0;
}

function toEntityDocument(
  row: Omit<Selectable<EntityDocumentsTable>, "content" | "text_pages">,
): EntityDocument {
  return {
    id: row.id,
    workspaceId: row.workspace_id,
    environment: row.environment,
    entityId: row.entity_id,
    filename: row.filename,
    contentType: row.content_type as EntityDocumentContentType,
    sizeBytes: row.size_bytes,
    sha256: row.sha256,
    pageCount: row.page_count,
    uploadedBy: row.uploaded_by,
    createdAt: row.created_at,
  };
}
