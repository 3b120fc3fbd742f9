import { randomBytes } from "node:crypto";
import { testBackends } from "@flowgate/db/testing";
import { strFromU8, unzipSync } from "fflate";
import { sql } from "kysely";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createExampleWorkflow, personalValues, seedCompletedSession } from "./data-protection-helpers.ts";
import { SEND_WORKFLOW } from "./ddq-helpers.ts";
import { eventually, type Harness, startHarness } from "./harness.ts";

const EXPORT_SESSION = /* GraphQL */ `
  mutation ($sessionId: ID!) {
    exportSessionData(sessionId: $sessionId) {
      __typename
      ... on DataExport { id subjectType subjectId url expiresAt }
      ... on NotFoundError { resource }
    }
  }
`;
const EXPORT_IDENTITY = /* GraphQL */ `
  mutation ($identityId: ID!) {
    exportIdentityData(identityId: $identityId) {
      __typename
      ... on DataExport { id subjectType subjectId url }
      ... on ValidationError { issues { path message } }
      ... on NotFoundError { resource }
    }
  }
`;

describe.each(testBackends())("DSAR export (%s)", (backend) => {
  let h: Harness;
  let key: string;
  let workflowId: string;

  beforeAll(async () => {
    h = await startHarness(backend);
    key = h.acme.keys.sandbox;
    workflowId = await createExampleWorkflow(h, key);
  });
  afterAll(() => h.close());

  async function download(url: string) {
    const response = await fetch(url);
    return { status: response.status, bytes: new Uint8Array(await response.arrayBuffer()), response };
  }

  it("bundles every record, the documents as files and the access log, at a signed URL; each export is logged", async () => {
    // Ten documents the person uploads through capture links (PDFs of 150 kB, each with a marker).
    const documents = Array.from({ length: 10 }, (_, i) => ({
      name: `passport-page-${i}.pdf`,
      content: Buffer.concat([Buffer.from(`%PDF-1.4\nDOC-MARKER-${i}-PX4471902 `), randomBytes(150_000)]),
    }));
    const sessionId = await seedCompletedSession(h, key, workflowId, { documents });
    const uploaded = await sql<{ id: string; file_name: string }>`select id, file_name from session_documents
      where session_id = ${sessionId} order by created_at, id`.execute(h.database.db);
    expect(uploaded.rows).toHaveLength(10);
    const idOf = new Map(uploaded.rows.map((row) => [row.file_name, row.id]));
    // A read through the API, so the access log has something to show.
    await h.gql(key, `query ($id: ID!) { session(id: $id) { metadata } }`, { id: sessionId });
    await eventually(async () => {
      const log = await h.gql(key, `query ($id: ID!) { session(id: $id) { accessLog { id } } }`, {
        id: sessionId,
      });
      return log.data.session.accessLog.length > 0;
    });

    const started = performance.now();
    const exported = await h.gql(key, EXPORT_SESSION, { sessionId });
    expect(exported.data.exportSessionData).toMatchObject({
      __typename: "DataExport",
      subjectType: "session",
      subjectId: sessionId,
    });
    const { url } = exported.data.exportSessionData;
    const got = await download(url);
    const elapsed = performance.now() - started;
    expect(got.status).toBe(200);
    expect(got.response.headers.get("content-type")).toBe("application/zip");
    console.log(
      `DSAR export (${backend}): session with 10 documents (${(10 * 150) / 1000} MB) exported and downloaded in ${elapsed.toFixed(0)} ms, ZIP ${(got.bytes.byteLength / 1e6).toFixed(2)} MB`,
    );

    const zip = unzipSync(got.bytes);
    const records = JSON.parse(strFromU8(zip["records.json"]!));
    const recordsText = strFromU8(zip["records.json"]!);
    for (const value of [
      personalValues.referenceId,
      personalValues.fullName,
      personalValues.address,
      personalValues.documentNumber,
      personalValues.alias,
      personalValues.analystNote,
    ]) {
      expect(recordsText).toContain(value);
    }
    const held = records.sessions[sessionId];
    expect(held.sessions[0]).toMatchObject({ id: sessionId, status: "completed", result: "approved" });
    expect(held.run_audit.map((a: { action: string }) => a.action)).toEqual(["submit", "decision"]);
    expect(held.run_events.length).toBeGreaterThan(5);
    for (const doc of documents) {
      const id = idOf.get(doc.name);
      const path = `sessions/${sessionId}/files/session_documents/${id}/${doc.name}`;
      expect(Buffer.from(zip[path]!).equals(doc.content)).toBe(true);
      expect(held.session_documents).toContainEqual(
        expect.objectContaining({ id, content: { file: path, bytes: doc.content.byteLength } }),
      );
    }
    // The checks and their attempts, with their outputs.
    expect(JSON.stringify(held.session_checks)).toContain(personalValues.documentNumber);
    expect(JSON.stringify(held.session_check_attempts)).toContain(personalValues.documentNumber);
    const accessLog = JSON.parse(strFromU8(zip["access-log.json"]!));
    expect(accessLog[0]).toMatchObject({
      recordType: "Session",
      recordId: sessionId,
      fields: ["sessions.metadata"],
    });
    const manifest = JSON.parse(strFromU8(zip["manifest.json"]!));
    expect(manifest).toMatchObject({
      format: "flowgate-dsar/1",
      subject: { type: "session", id: sessionId },
    });
    expect(manifest.files).toHaveLength(10);
    expect(manifest.tables.sessions.personalColumns).toEqual([
      "reference_id",
      "metadata",
      "sandbox",
      "tags",
      "invitee_email",
    ]);

    // Logged: the export's download count, and an access-log entry of channel `export`.
    const logged = await sql<{
      download_count: number;
      requested_by: string;
    }>`select download_count, requested_by
      from data_exports where id = ${exported.data.exportSessionData.id}`.execute(h.database.db);
    expect(logged.rows[0]?.download_count).toBe(1);
    await eventually(async () => {
      const rows = await sql<{ n: number }>`select count(*)::int as n from access_log
        where session_id = ${sessionId} and channel = 'export'`.execute(h.database.db);
      return rows.rows[0]?.n === 1;
    });

    // The signature is the authorization: a changed signature, a changed path or no query is refused.
    const tampered = new URL(url);
    tampered.searchParams.set("signature", `${tampered.searchParams.get("signature")!.slice(0, -2)}AA`);
    expect((await download(tampered.toString())).status).toBe(403);
    const otherPath = new URL(url);
    otherPath.pathname = otherPath.pathname.replace(/dsx_\w+/, "dsx_01aaaaaaaaaaaaaaaaaaaaaaaa");
    expect((await download(otherPath.toString())).status).toBe(403);
    expect((await download(url.split("?")[0])).status).toBe(403);
    const later = new URL(url);
    later.searchParams.set("expires", String(Number(later.searchParams.get("expires")) + 3600));
    expect((await download(later.toString())).status).toBe(403);

    // After a redaction the documents are gone too (the definition reaches the table), and a new export says so.
    await h.gql(
      key,
      `mutation ($id: ID!) { redactSession(sessionId: $id, reason: "erasure") { __typename } }`,
      { id: sessionId },
    );
    const again = await download(
      (await h.gql(key, EXPORT_SESSION, { sessionId })).data.exportSessionData.url,
    );
    const afterZip = unzipSync(again.bytes);
    expect(Object.keys(afterZip).filter((p) => p.includes("/files/"))).toEqual([]);
    expect(strFromU8(afterZip["records.json"]!)).not.toContain("Vantablack");
  });

  it("exports an identity: the entity, its sends and emails, and the sessions sent to it", async () => {
    const sent = await h.gql(key, SEND_WORKFLOW, {
      entity: {
        entityType: "individual",
        firstName: "Octavia",
        lastName: "Brightwater-Finch",
        email: "octavia.bf@example.org",
        phone: "+44 20 7946 0321",
        jurisdiction: "GB",
      },
      verification: { checks: { document: true } },
      email: "octavia.inbox@example.org",
    });
    const { entityId, verificationSessionId } = sent.data.sendWorkflow;
    const exported = await h.gql(key, EXPORT_IDENTITY, { identityId: entityId });
    expect(exported.data.exportIdentityData).toMatchObject({ subjectType: "identity", subjectId: entityId });
    const got = await download(exported.data.exportIdentityData.url);
    expect(got.status).toBe(200);
    const zip = unzipSync(got.bytes);
    const text = strFromU8(zip["records.json"]!);
    for (const value of [
      "Octavia",
      "Brightwater-Finch",
      "octavia.bf@example.org",
      "+44 20 7946 0321",
      "octavia.inbox@example.org",
    ]) {
      expect(text).toContain(value);
    }
    const records = JSON.parse(text);
    expect(records.identity.entities[0]).toMatchObject({ id: entityId, entity_type: "individual" });
    expect(records.identity.email_outbox).toHaveLength(1);
    expect(Object.keys(records.sessions)).toEqual([verificationSessionId]);

    const company = await h.gql(
      key,
      `mutation { createEntity(entityType: company, legalName: "Acme Ltd") { __typename ... on Entity { id } } }`,
    );
    const refused = await h.gql(key, EXPORT_IDENTITY, { identityId: company.data.createEntity.id });
    expect(refused.data.exportIdentityData).toMatchObject({
      __typename: "ValidationError",
      issues: [{ path: ["identityId"] }],
    });
  });

  it("answers not found for another workspace's session or entity", async () => {
    const sessionId = await seedCompletedSession(h, key, workflowId);
    const foreign = await h.gql(h.other.keys.sandbox, EXPORT_SESSION, { sessionId });
    expect(foreign.data.exportSessionData).toMatchObject({
      __typename: "NotFoundError",
      resource: "Session",
    });
  });
});
