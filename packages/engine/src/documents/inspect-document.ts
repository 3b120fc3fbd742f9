import { createHash } from "node:crypto";
import {
  type EntityDocumentContentType,
  entityDocumentContentTypes,
  maxEntityDocumentBytes,
  ValidationError,
} from "@flowgate/domain";

/** What {@link inspectDocument} learnt from a file's bytes. */
export interface InspectedDocument {
  /** Sniffed from the bytes (the name and the client's content type are never trusted). */
  contentType: EntityDocumentContentType;
  sizeBytes: number;
  sha256: string;
  /** Text of each page: a PDF's pages (extracted by `unpdf`, Mozilla's pdf.js), one page for text, none for images. */
  pages: string[];
  pageCount: number;
}

/**
 * Checks an uploaded file and extracts its text. The content type is sniffed from the magic bytes with
 * `file-type`; a file without binary signature is plain text only when it is valid UTF-8 without NUL
 * bytes. PDFs are parsed with `unpdf` (a maintained build of pdf.js for servers): an unreadable or
 * encrypted PDF is refused. Images are kept without text (there is no OCR).
 *
 * @param bytes - The file.
 * @throws ValidationError at `file` when it is empty, larger than 10 MiB, of another type, or an unreadable PDF.
 */
export async function inspectDocument(bytes: Uint8Array): Promise<InspectedDocument> {
  const refuse = (message: string) => new ValidationError("Invalid document", [{ path: ["file"], message }]);
  if (bytes.byteLength === 0) throw refuse("is empty");
  if (bytes.byteLength > maxEntityDocumentBytes) {
    throw refuse(`must be at most ${maxEntityDocumentBytes} bytes (10 MiB; is ${bytes.byteLength})`);
  }
  // file-type (about 35 modules) and unpdf load with the first document, not with the process.
  const { fileTypeFromBuffer } = await import("file-type");
  const sniffed = await fileTypeFromBuffer(bytes);
  const contentType = sniffed ? sniffed.mime : plainText(bytes) ? "text/plain" : null;
  if (!isAllowed(contentType)) {
    throw refuse(
      `must be a PDF, PNG, JPEG or plain-text file (this one is ${contentType ?? "binary data of an unknown type"})`,
    );
  }
  const sha256 = createHash("sha256").update(bytes).digest("hex");
  const pages = await extractPages(contentType, bytes, refuse);
  return {
    contentType,
    sizeBytes: bytes.byteLength,
    sha256,
    pages,
    pageCount: contentType === "application/pdf" ? pages.length : 1,
  };
}

function isAllowed(type: string | null): type is EntityDocumentContentType {
  return type !== null && (entityDocumentContentTypes as readonly string[]).includes(type);
}

function plainText(bytes: Uint8Array): boolean {
  if (bytes.includes(0)) return false;
  try {
    new TextDecoder("utf-8", { fatal: true }).decode(bytes);
    return true;
  } catch {
    return false;
  }
}

async function extractPages(
  contentType: EntityDocumentContentType,
  bytes: Uint8Array,
  refuse: (message: string) => ValidationError,
): Promise<string[]> {
  switch (contentType) {
    case "text/plain":
      return [new TextDecoder("utf-8").decode(bytes)];
    case "image/png":
    case "image/jpeg":
      return [];
    case "application/pdf": {
      try {
        const { extractText, getDocumentProxy } = await import("unpdf");
        // pdf.js takes ownership of the buffer it is given: hand it a copy.
        const pdf = await getDocumentProxy(new Uint8Array(bytes));
        try {
          const { text } = await extractText(pdf, { mergePages: false });
          // PostgreSQL cannot keep NUL characters in jsonb text.
          return text.map((page) => page.replaceAll("\0", ""));
        } finally {
          await pdf.loadingTask.destroy();
        }
      } catch (error) {
        throw refuse(`is not a readable PDF (${error instanceof Error ? error.message : String(error)})`);
      }
    }
  }
}
