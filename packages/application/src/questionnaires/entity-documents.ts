import {
  deleteEntityDocument as deleteEntityDocumentRow,
  findEntity,
  findEntityDocumentContent,
  insertEntityDocument,
  listDocumentsOfEntities,
} from "@flowgate/db";
import {
  cleanDocumentFilename,
  type EntityDocument,
  NotFoundError,
  newId,
  type Tenant,
} from "@flowgate/domain";
import { inspectDocument, inTransaction } from "@flowgate/engine";
import { requireScope } from "../access.ts";
import type { Actor } from "../actor.ts";
import { type Application, applicationDeps } from "../application.ts";
import { groupByKey } from "../batch.ts";

/** An uploaded file as adapters hand it over. */
export interface UploadedFile {
  /** The name the client gave (cleaned before it is kept). */
  filename: string | null | undefined;
  bytes: Uint8Array;
}

/**
 * Stores a document for an entity of the caller's: PDF, PNG, JPEG or plain text up to 10 MiB, the type
 * sniffed from the bytes; the text of PDFs and text files is extracted for autofill. Needs
 * `entities:write`.
 *
 * @throws ValidationError at `file` (empty, too large, another type, an unreadable PDF).
 * @throws NotFoundError when the entity is not the caller's.
 */
export async function uploadEntityDocument(
  app: Application,
  actor: Actor,
  input: { entityId: string; file: UploadedFile },
): Promise<EntityDocument> {
  requireScope(actor, "entities:write");
  return storeEntityDocument(app, actor, input.entityId, input.file, actor.keyId);
}

/**
 * Stores a document for an entity (no scope check: callers authorize first, e.g. a recipient's link
 * opens its own entity). Inspection runs before the transaction; the insert checks the entity in it.
 */
export async function storeEntityDocument(
  app: Application,
  tenant: Tenant,
  entityId: string,
  file: UploadedFile,
  uploadedBy: string | null,
): Promise<EntityDocument> {
  const deps = applicationDeps(app);
  if (!(await findEntity(deps.db, tenant, entityId))) throw new NotFoundError("Entity", entityId);
  const inspected = await inspectDocument(file.bytes);
  return inTransaction(deps, async (trx) => {
    if (!(await findEntity(trx, tenant, entityId, { forUpdate: true }))) {
      throw new NotFoundError("Entity", entityId);
    }
    return insertEntityDocument(trx, tenant, {
      id: newId("doc"),
      entityId,
      filename: cleanDocumentFilename(file.filename),
      contentType: inspected.contentType,
      sizeBytes: inspected.sizeBytes,
      sha256: inspected.sha256,
      pageCount: inspected.pageCount,
      uploadedBy,
      content: file.bytes,
      textPages: inspected.pages,
    });
  });
}

/**
 * The documents of each entity, oldest first, in the order asked (empty for entities that are not the
 * caller's). Needs `entities:read`.
 *
 * @param app - The application.
 * @param actor - The caller.
 * @param entityIds - Entity ids.
 */
export async function getDocumentsOfEntities(
  app: Application,
  actor: Actor,
  entityIds: readonly string[],
): Promise<EntityDocument[][]> {
  requireScope(actor, "entities:read");
  const documents = await listDocumentsOfEntities(applicationDeps(app).db, actor, entityIds);
  return groupByKey(entityIds, documents, (document) => document.entityId);
}

/**
 * A document's bytes (for download). Needs `entities:read`.
 *
 * @throws NotFoundError when the document is not the caller's.
 */
export async function getEntityDocumentContent(
  app: Application,
  actor: Actor,
  documentId: string,
): Promise<Uint8Array> {
  requireScope(actor, "entities:read");
  const content = await findEntityDocumentContent(applicationDeps(app).db, actor, documentId);
  if (!content) throw new NotFoundError("EntityDocument", documentId);
  return content;
}

/**
 * Deletes a document of the caller's (its bytes and text go with it). Needs `entities:write`.
 *
 * @throws NotFoundError when the document is not the caller's.
 */
export async function deleteEntityDocument(
  app: Application,
  actor: Actor,
  input: { documentId: string },
): Promise<{ deletedId: string }> {
  requireScope(actor, "entities:write");
  const deps = applicationDeps(app);
  const deleted = await inTransaction(deps, (trx) => deleteEntityDocumentRow(trx, actor, input.documentId));
  if (!deleted) throw new NotFoundError("EntityDocument", input.documentId);
  return { deletedId: input.documentId };
}
