import PDFDocument from "pdfkit";
import type { Harness } from "./harness.ts";

/** A real PDF with one page per entry of `pages`, made with pdfkit. */
export function makePdf(pages: string[]): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const doc = new PDFDocument({ autoFirstPage: false, compress: true });
    const chunks: Buffer[] = [];
    doc.on("data", (chunk: Buffer) => chunks.push(chunk));
    doc.on("end", () => resolve(Buffer.concat(chunks)));
    doc.on("error", reject);
    for (const text of pages) {
      doc.addPage();
      doc.fontSize(12).text(text);
    }
    doc.end();
  });
}

/** A 1×1 PNG. */
export const tinyPng = Buffer.from(
  "iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mP8z8BQDwAEhQGAhKmMIQAAAABJRU5ErkJggg==",
  "base64",
);

/** The start of a JPEG (SOI and a JFIF APP0 segment), enough to be sniffed as one. */
export const tinyJpeg = Buffer.from(
  "/9j/4AAQSkZJRgABAQEASABIAAD/2wBDAP//////////////////////////////////////////////////////////////////////////////////////wgALCAABAAEBAREA/8QAFBABAAAAAAAAAAAAAAAAAAAAAP/aAAgBAQABPxA=",
  "base64",
);

/**
 * POSTs a GraphQL multipart request (the spec's `operations`, `map` and one file part) to `url`, the way
 * a browser or `graphql-upload` client does.
 */
export async function multipartGql(
  url: string,
  headers: Record<string, string>,
  query: string,
  variables: Record<string, unknown>,
  file: { path: string; name: string; type: string; bytes: Uint8Array },
): Promise<{
  status: number;
  data?: any;
  errors?: { message: string; extensions?: Record<string, unknown> }[];
}> {
  const form = new FormData();
  form.set("operations", JSON.stringify({ query, variables }));
  form.set("map", JSON.stringify({ "0": [file.path] }));
  form.set(
    "0",
    new File([new Uint8Array(file.bytes) as Uint8Array<ArrayBuffer>], file.name, { type: file.type }),
  );
  const response = await fetch(url, { method: "POST", headers, body: form });
  return { status: response.status, ...((await response.json()) as object) };
}

/** Uploads a document for an entity through `/graphql` with an API key. */
export function uploadEntityDocument(
  h: Harness,
  key: string,
  entityId: string,
  file: { name: string; type?: string; bytes: Uint8Array },
) {
  return multipartGql(
    h.server.url,
    { "x-api-key": key },
    UPLOAD_ENTITY_DOCUMENT,
    { entityId, file: null },
    {
      path: "variables.file",
      name: file.name,
      type: file.type ?? "application/octet-stream",
      bytes: file.bytes,
    },
  );
}

export const ENTITY_DOCUMENT_FIELDS =
  "id entityId filename contentType sizeBytes sha256 pageCount uploadedBy createdAt";

export const UPLOAD_ENTITY_DOCUMENT = /* GraphQL */ `
  mutation ($entityId: ID!, $file: File!) {
    uploadEntityDocument(entityId: $entityId, file: $file) {
      __typename
      ... on EntityDocument { ${ENTITY_DOCUMENT_FIELDS} }
      ... on ValidationError { message issues { path message } }
      ... on NotFoundError { resource missingId: id }
    }
  }
`;
