import { deleteEntityDocument, uploadEntityDocument } from "@flowgate/application";
import type { EntityDocument } from "@flowgate/domain";
import { builder } from "../builder.ts";
import { EntityRef } from "./entity.ts";
import { recordErrors } from "./errors.ts";

/** The GraphQL `EntityDocument` type. */
export const EntityDocumentRef = builder.objectRef<EntityDocument>("EntityDocument").implement({
  description:
    "A document uploaded for an entity (PDF, PNG, JPEG or plain text, at most 10 MiB). Its bytes are stored in the database with the entity; the text of PDFs and text files is extracted for autofill.",
  subGraphs: ["Api", "Recipient"],
  fields: (t) => ({
    id: t.exposeID("id", { description: "Document id (`doc_…`)." }),
    entityId: t.exposeID("entityId", { description: "The entity it belongs to." }),
    filename: t.exposeString("filename", { description: "The file name given at upload (cleaned)." }),
    contentType: t.exposeString("contentType", {
      description: "Sniffed from the bytes: application/pdf, image/png, image/jpeg or text/plain.",
    }),
    sizeBytes: t.exposeInt("sizeBytes", { description: "Size in bytes." }),
    sha256: t.exposeString("sha256", { description: "SHA-256 of the bytes, hex." }),
    pageCount: t.exposeInt("pageCount", { description: "Pages of a PDF; 1 for text and images." }),
    uploadedBy: t.exposeString("uploadedBy", {
      nullable: true,
      description: "Who uploaded it: an API key id, or `recipient:<wfs_…>` for the recipient page.",
    }),
    createdAt: t.expose("createdAt", { type: "DateTime", description: "When it was uploaded." }),
  }),
});

const DeletedEntityDocument = builder.objectRef<{ deletedId: string }>("DeletedEntityDocument").implement({
  description: "A document was deleted, with its bytes and text.",
  fields: (t) => ({ deletedId: t.exposeID("deletedId", { description: "The deleted document's id." }) }),
});

builder.objectFields(EntityRef, (t) => ({
  documents: t.field({
    type: [EntityDocumentRef],
    description: "The entity's documents, oldest first.",
    resolve: (entity, _args, context) => context.loaders.ddq.entityDocuments.load(entity.id),
  }),
}));

/** Reads an uploaded `File` into bytes for the use case. */
export async function uploadedFile(file: File): Promise<{ filename: string; bytes: Uint8Array }> {
  return { filename: file.name, bytes: new Uint8Array(await file.arrayBuffer()) };
}

builder.mutationFields((t) => ({
  uploadEntityDocument: t.field({
    type: EntityDocumentRef,
    description:
      "Uploads a document for an entity with a GraphQL multipart request (`file` is a form part). PDF, PNG, JPEG or plain text up to 10 MiB; the type is sniffed from the bytes; another type, an empty or too large file or an unreadable PDF is a ValidationError at `file`.",
    authScopes: { scope: "entities:write" },
    errors: { types: recordErrors },
    args: {
      entityId: t.arg.id({ required: true, description: "Entity id (`ent_…`)." }),
      file: t.arg({ type: "File", required: true, description: "The file (multipart form part)." }),
    },
    resolve: async (_root, args, context) =>
      uploadEntityDocument(context.app, context.actor, {
        entityId: String(args.entityId),
        file: await uploadedFile(args.file),
      }),
  }),
  deleteEntityDocument: t.field({
    type: DeletedEntityDocument,
    description: "Deletes a document of an entity, its bytes and extracted text.",
    authScopes: { scope: "entities:write" },
    errors: { types: recordErrors },
    args: { documentId: t.arg.id({ required: true, description: "Document id (`doc_…`)." }) },
    resolve: (_root, args, context) =>
      deleteEntityDocument(context.app, context.actor, { documentId: String(args.documentId) }),
  }),
}));
