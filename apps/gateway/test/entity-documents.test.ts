import { createHash } from "node:crypto";
import { testBackends } from "@flowgate/db/testing";
import { SmtpEmailSender } from "@flowgate/engine";
import { sql } from "kysely";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createKycQuestionnaire, SEND_WORKFLOW, TestSmtpServer } from "./ddq-helpers.ts";
import {
  ENTITY_DOCUMENT_FIELDS,
  makePdf,
  multipartGql,
  tinyJpeg,
  tinyPng,
  uploadEntityDocument,
} from "./documents.ts";
import { type Harness, startHarness } from "./harness.ts";

const CREATE_ENTITY = /* GraphQL */ `
  mutation ($legalName: String!) { createEntity(legalName: $legalName) { ... on Entity { id } } }
`;

const DOCUMENTS = /* GraphQL */ `
  query ($id: ID!) { entity(id: $id) { documents { ${ENTITY_DOCUMENT_FIELDS} } } }
`;

const DELETE = /* GraphQL */ `
  mutation ($documentId: ID!) {
    deleteEntityDocument(documentId: $documentId) {
      __typename
      ... on DeletedEntityDocument { deletedId }
      ... on NotFoundError { resource missingId: id }
    }
  }
`;

const RECIPIENT_UPLOAD = /* GraphQL */ `
  mutation ($file: File!) {
    uploadDocument(file: $file) {
      __typename
      ... on EntityDocument { ${ENTITY_DOCUMENT_FIELDS} }
      ... on ValidationError { issues { path message } }
    }
  }
`;

describe.each(testBackends())("entity documents (%s)", (backend) => {
  let h: Harness;
  let smtp: TestSmtpServer;
  let key: string;
  let entityId: string;

  async function textPages(documentId: string): Promise<string[]> {
    const { rows } = await sql<{
      text_pages: string[];
    }>`select text_pages from entity_documents where id = ${documentId}`.execute(h.database.db);
    return rows[0]!.text_pages;
  }

  beforeAll(async () => {
    smtp = await TestSmtpServer.start();
    h = await startHarness(backend, { email: new SmtpEmailSender({ url: smtp.url }) });
    key = h.acme.keys.sandbox;
    entityId = (await h.gql(key, CREATE_ENTITY, { legalName: "Acme Holdings Ltd" })).data.createEntity.id;
  });
  afterAll(async () => {
    await h.close();
    await smtp.close();
  });

  it("stores a PDF uploaded with a multipart request and extracts its text page by page", async () => {
    const pdf = await makePdf([
      "Certificate of incorporation. Company number: 09876543.",
      "Registered office: 1 Market Street, London. Jurisdiction: GB.",
    ]);
    // The client says text/plain: the type is sniffed from the bytes, never taken from the client.
    const uploaded = await uploadEntityDocument(h, key, entityId, {
      name: "../../etc/certificate.pdf",
      type: "text/plain",
      bytes: pdf,
    });
    expect(uploaded.errors).toBeUndefined();
    const document = uploaded.data.uploadEntityDocument;
    expect(document).toMatchObject({
      __typename: "EntityDocument",
      entityId,
      filename: "certificate.pdf",
      contentType: "application/pdf",
      sizeBytes: pdf.byteLength,
      sha256: createHash("sha256").update(pdf).digest("hex"),
      pageCount: 2,
      uploadedBy: expect.stringMatching(/^key_/),
    });
    const pages = await textPages(document.id);
    expect(pages).toHaveLength(2);
    expect(pages[0]).toContain("Company number: 09876543");
    expect(pages[1]).toContain("Registered office: 1 Market Street");
    // The bytes are in the database, exactly.
    const { rows } = await sql<{
      content: Uint8Array;
    }>`select content from entity_documents where id = ${document.id}`.execute(h.database.db);
    expect(Buffer.from(rows[0]!.content).equals(pdf)).toBe(true);
  });

  it("accepts PNG, JPEG and plain text; lists them on Entity.documents", async () => {
    const png = await uploadEntityDocument(h, key, entityId, { name: "logo.png", bytes: tinyPng });
    expect(png.data.uploadEntityDocument).toMatchObject({ contentType: "image/png", pageCount: 1 });
    const jpeg = await uploadEntityDocument(h, key, entityId, { name: "passport.jpg", bytes: tinyJpeg });
    expect(jpeg.data.uploadEntityDocument).toMatchObject({ contentType: "image/jpeg", pageCount: 1 });
    const text = await uploadEntityDocument(h, key, entityId, {
      name: "notes.txt",
      bytes: Buffer.from("Trading name: Acme Widgets\nEmployees: 42\n"),
    });
    expect(text.data.uploadEntityDocument).toMatchObject({ contentType: "text/plain", pageCount: 1 });
    expect(await textPages(text.data.uploadEntityDocument.id)).toEqual([
      "Trading name: Acme Widgets\nEmployees: 42\n",
    ]);
    const listed = (await h.gql(key, DOCUMENTS, { id: entityId })).data.entity.documents;
    expect(listed.map((d: { filename: string }) => d.filename)).toEqual([
      "certificate.pdf",
      "logo.png",
      "passport.jpg",
      "notes.txt",
    ]);
  });

  it("refuses other types, empty and too large files and unreadable PDFs with a ValidationError at file", async () => {
    const cases: [string, Uint8Array, RegExp][] = [
      [
        "anim.gif",
        Buffer.from("GIF89a\x01\x00\x01\x00\x00\x00\x00;", "latin1"),
        /PDF, PNG, JPEG or plain-text.*image\/gif/,
      ],
      ["empty.txt", new Uint8Array(0), /empty/],
      ["big.txt", new Uint8Array(10 * 1024 * 1024 + 1).fill(0x61), /at most 10485760 bytes/],
      ["broken.pdf", Buffer.from("%PDF-1.7\n1 0 obj << /Type /Catalog >>\n%%EOF\n"), /not a readable PDF/],
      ["blob.bin", Buffer.from([0, 1, 2, 3, 0xff, 0xfe, 0, 0]), /unknown type/],
    ];
    for (const [name, bytes, message] of cases) {
      const refused = await uploadEntityDocument(h, key, entityId, { name, bytes });
      expect(refused.data?.uploadEntityDocument, `${name}: ${JSON.stringify(refused)}`).toMatchObject({
        __typename: "ValidationError",
        issues: [{ path: ["file"], message: expect.stringMatching(message) }],
      });
    }
    expect((await h.gql(key, DOCUMENTS, { id: entityId })).data.entity.documents).toHaveLength(4);
  });

  it("keeps documents to the workspace: another's entity and document are not found", async () => {
    const other = h.other.keys.sandbox;
    const refused = await uploadEntityDocument(h, other, entityId, {
      name: "x.txt",
      bytes: Buffer.from("x"),
    });
    expect(refused.data.uploadEntityDocument).toMatchObject({
      __typename: "NotFoundError",
      resource: "Entity",
    });
    const [first] = (await h.gql(key, DOCUMENTS, { id: entityId })).data.entity.documents;
    expect((await h.gql(other, DELETE, { documentId: first.id })).data.deleteEntityDocument).toMatchObject({
      __typename: "NotFoundError",
    });
    const readOnly = await uploadEntityDocument(h, h.acme.keys.live, entityId, {
      name: "x.txt",
      bytes: Buffer.from("x"),
    });
    expect(readOnly.data.uploadEntityDocument).toMatchObject({ __typename: "NotFoundError" });
  });

  it("deletes a document with its bytes", async () => {
    const [first] = (await h.gql(key, DOCUMENTS, { id: entityId })).data.entity.documents;
    expect((await h.gql(key, DELETE, { documentId: first.id })).data.deleteEntityDocument).toEqual({
      __typename: "DeletedEntityDocument",
      deletedId: first.id,
    });
    const { rows } = await sql`select 1 from entity_documents where id = ${first.id}`.execute(h.database.db);
    expect(rows).toEqual([]);
    expect((await h.gql(key, DELETE, { documentId: first.id })).data.deleteEntityDocument.__typename).toBe(
      "NotFoundError",
    );
  });

  it("lets a recipient upload a document for its own entity through the recipient endpoint", async () => {
    const questionnaireId = await createKycQuestionnaire(h, key, "Docs DDQ");
    const sent = await h.gql(key, SEND_WORKFLOW, {
      entity: { legalName: "Supplier With Papers Ltd" },
      ddq: { questionnaireId },
      email: "papers@supplier.example",
    });
    const { entityId: supplierId, workflowSessionId } = sent.data.sendWorkflow;
    const token = smtp.only("papers@supplier.example").token!;
    const recipientUrl = h.server.url.replace(/\/graphql$/, "/recipient/graphql");
    const pdf = await makePdf(["Annual report 2025. Revenue: 12,000,000 GBP."]);
    const file = { path: "variables.file", name: "report.pdf", type: "application/pdf", bytes: pdf };
    const uploaded = await multipartGql(
      recipientUrl,
      { authorization: `Bearer ${token}` },
      RECIPIENT_UPLOAD,
      { file: null },
      file,
    );
    expect(uploaded.data.uploadDocument).toMatchObject({
      __typename: "EntityDocument",
      entityId: supplierId,
      contentType: "application/pdf",
      uploadedBy: `recipient:${workflowSessionId}`,
    });
    const listed = (await h.gql(key, DOCUMENTS, { id: supplierId })).data.entity.documents;
    expect(listed.map((d: { id: string }) => d.id)).toEqual([uploaded.data.uploadDocument.id]);
    const refused = await multipartGql(
      recipientUrl,
      { authorization: "Bearer not-a-token" },
      RECIPIENT_UPLOAD,
      { file: null },
      file,
    );
    expect(refused.data?.uploadDocument ?? null).toBeNull();
    expect(refused.errors?.length).toBeGreaterThan(0);
  });
});
