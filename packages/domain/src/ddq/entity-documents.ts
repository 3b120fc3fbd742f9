import type { Tenant } from "../records.ts";

/** Largest entity document: 10 MiB. */
export const maxEntityDocumentBytes = 10 * 1024 * 1024;

/** The content types an entity document may have (sniffed from its bytes, never taken from the client). */
export const entityDocumentContentTypes = [
  "application/pdf",
  "image/png",
  "image/jpeg",
  "text/plain",
] as const;

/** One of {@link entityDocumentContentTypes}. */
export type EntityDocumentContentType = (typeof entityDocumentContentTypes)[number];

/** Longest document file name kept (longer names are cut). */
export const maxDocumentFilenameLength = 255;

/**
 * A document uploaded for an entity (a certificate of incorporation, a passport scan, a policy): its bytes
 * are stored with it in the database, so that redaction and export of the entity cover it, and the text of
 * PDFs and text files is extracted at upload, page by page, for autofill.
 */
export interface EntityDocument extends Tenant {
  id: string;
  entityId: string;
  filename: string;
  contentType: EntityDocumentContentType;
  sizeBytes: number;
  /** SHA-256 of the bytes, hex. */
  sha256: string;
  /** Pages of a PDF; 1 for text and images. */
  pageCount: number;
  /** Who uploaded it: an API key id or `recipient:<wfs_…>`. */
  uploadedBy: string | null;
  createdAt: Date;
}

/** An entity document's extracted text, page by page (empty for images: there is no OCR). */
export interface EntityDocumentText {
  documentId: string;
  filename: string;
  /** Text of each page, in order; page numbers are 1-based indexes into it. */
  pages: string[];
}

/**
 * A safe file name to keep: no directory part, no control characters, at most
 * {@link maxDocumentFilenameLength} characters; `document` when nothing is left.
 *
 * @param name - The name the client sent.
 */
export function cleanDocumentFilename(name: string | null | undefined): string {
  const base = (name ?? "").split(/[\\/]/).pop() ?? "";
  // biome-ignore lint/suspicious/noControlCharactersInRegex: control characters are what is removed
  const cleaned = base.replace(/[\u0000-\u001f\u007f]/g, "").trim();
  return cleaned.slice(0, maxDocumentFilenameLength) || "document";
}
