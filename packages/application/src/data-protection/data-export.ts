import {
  type DataExportRecord,
  type Db,
  findEntity,
  findSession,
  findSessionIdsOfIdentity,
  insertDataExport,
  listAccessLogRows,
  recordDataExportDownload,
  selectSubjectRows,
} from "@flowgate/db";
import {
  defaultDownloadLifetimeSeconds,
  NotFoundError,
  newId,
  personalColumns,
  personalDataPolicy,
  signPath,
  type Tenant,
  ValidationError,
  verifySignedPath,
} from "@flowgate/domain";
import type { Zippable } from "fflate";
import { requireScope } from "../access.ts";
import type { Actor } from "../actor.ts";
import { type Application, applicationDeps } from "../application.ts";
import { type AccessedRecord, recordPersonalDataAccess } from "./access-log.ts";

/** A requested DSAR export and where to download it. */
export interface DataExportLink {
  export: DataExportRecord;
  /** The signed, short-lived download path of the ZIP (no API key needed), to put after the gateway's origin. */
  path: string;
  /** The same as an absolute URL on the configured public base URL (`linkBaseUrl`). */
  url: string;
}

/** The path the gateway serves an export's ZIP at. */
export function dataExportPath(exportId: string): string {
  return `/downloads/exports/${exportId}`;
}

async function createExport(
  app: Application,
  actor: Actor,
  subjectType: "session" | "identity",
  subjectId: string,
): Promise<DataExportLink> {
  const deps = applicationDeps(app);
  const expiresAt = new Date(Date.now() + defaultDownloadLifetimeSeconds * 1000);
  const record = await insertDataExport(deps.db, actor, {
    id: newId("dsx"),
    subjectType,
    subjectId,
    requestedBy: actor.keyId,
    expiresAt,
  });
  const path = signPath(deps.signingSecret, dataExportPath(record.id), expiresAt);
  return { export: record, path, url: `${deps.linkBaseUrl}${path}` };
}

/**
 * Prepares a DSAR export (GDPR Art. 15) of everything held about a session: its records, events, decisions
 * with who and why, documents as files and its access log, as JSON plus files in a ZIP. Answers a signed URL
 * valid for 15 minutes; the request and each download are logged. Needs `sessions:read`.
 *
 * @throws NotFoundError when the session is not the caller's.
 */
export async function exportSessionData(
  app: Application,
  actor: Actor,
  input: { sessionId: string },
): Promise<DataExportLink> {
  requireScope(actor, "sessions:read");
  if (!(await findSession(applicationDeps(app).db, actor, input.sessionId))) {
    throw new NotFoundError("Session", input.sessionId);
  }
  return createExport(app, actor, "session", input.sessionId);
}

/**
 * Prepares a DSAR export of everything held about an identity — a DDQ entity of type individual: the
 * entity, its responses and their events, its uploaded documents (as files), its recipient sends and emails,
 * and every verification session sent to it or created for it (with the session's own records, files and
 * access log). Needs `entities:read`.
 *
 * @throws NotFoundError when the entity is not the caller's.
 * @throws ValidationError when the entity is a company (a company is not a data subject).
 */
export async function exportIdentityData(
  app: Application,
  actor: Actor,
  input: { identityId: string },
): Promise<DataExportLink> {
  requireScope(actor, "entities:read");
  const entity = await findEntity(applicationDeps(app).db, actor, input.identityId);
  if (!entity) throw new NotFoundError("Entity", input.identityId);
  if (entity.entityType !== "individual") {
    throw new ValidationError("Not an identity", [
      { path: ["identityId"], message: "only an individual is a data subject; this entity is a company" },
    ]);
  }
  return createExport(app, actor, "identity", entity.id);
}

/** Why a download was refused. */
export type DownloadRefusal = "missing" | "invalid" | "expired" | "not_found";

/**
 * Serves a signed export URL: checks the signature and expiry, builds the ZIP from the data held now,
 * counts the download and logs it in the access log (channel `export`, as the key that requested it). Called
 * by the gateway's download route; the signature is the authorization.
 */
export async function downloadDataExport(
  app: Application,
  input: { exportId: string; path: string; expires: string | null; signature: string | null },
): Promise<{ ok: true; filename: string; zip: Uint8Array } | { ok: false; reason: DownloadRefusal }> {
  const deps = applicationDeps(app);
  const verdict = verifySignedPath(deps.signingSecret, input.path, input);
  if (!verdict.ok) return verdict;
  const record = await recordDataExportDownload(deps.db, input.exportId);
  if (!record) return { ok: false, reason: "not_found" };
  const tenant: Tenant = { workspaceId: record.workspaceId, environment: record.environment };
  const bundle = await buildBundle(deps.db, tenant, record);
  if (!bundle) return { ok: false, reason: "not_found" };
  const actor: Actor = { ...tenant, keyId: record.requestedBy, scopes: [] };
  recordPersonalDataAccess(app, actor, bundle.accessed, "export");
  return { ok: true, filename: `${record.subjectType}-${record.subjectId}.zip`, zip: bundle.zip };
}

/** File names safe in a ZIP: no separators or control characters. */
function safeName(name: unknown, fallback: string): string {
  const text = typeof name === "string" && name.trim() ? name.trim() : fallback;
  // biome-ignore lint/suspicious/noControlCharactersInRegex: control characters are what it removes
  return text.replace(/[/\\\u0000-\u001f]+/g, "_").slice(0, 120);
}

/** Rows of a subject's tables, with file columns moved into `files` (paths in the rows instead). */
function extractFiles(
  rowsByTable: Record<string, Record<string, unknown>[]>,
  prefix: string,
  files: Zippable,
): Record<string, Record<string, unknown>[]> {
  const out: Record<string, Record<string, unknown>[]> = {};
  for (const [table, rows] of Object.entries(rowsByTable)) {
    const fileColumns = personalColumns(table).filter((column) => column.file);
    out[table] = rows.map((row, index) => {
      const copy: Record<string, unknown> = { ...row };
      for (const { column, file } of fileColumns) {
        const content = row[column];
        if (!(content instanceof Uint8Array) || !file) continue;
        const id = safeName(row.id, String(index));
        const path = `${prefix}files/${table}/${id}/${safeName(row[file.nameColumn], column)}`;
        files[path] = [content, { level: 0 }];
        copy[column] = { file: path, bytes: content.byteLength };
      }
      for (const [key, value] of Object.entries(copy)) {
        if (value instanceof Uint8Array) copy[key] = { base64: Buffer.from(value).toString("base64") };
      }
      return copy;
    });
  }
  return out;
}

/** What each table's columns are, for the reader of the bundle. */
function describeTables(tables: readonly string[]) {
  return Object.fromEntries(
    tables.map((table) => {
      const policy = personalDataPolicy[table];
      return [
        table,
        {
          description: policy?.description ?? "",
          personalColumns: personalColumns(table).map((column) => column.column),
        },
      ];
    }),
  );
}

/** Builds the ZIP of an export, or undefined when its subject is no longer the tenant's. */
async function buildBundle(
  db: Db,
  tenant: Tenant,
  record: DataExportRecord,
): Promise<{ zip: Uint8Array; accessed: AccessedRecord[] } | undefined> {
  // fflate loads with the first export, not with the process (see renderReport in report.ts).
  const { strToU8, zipSync } = await import("fflate");
  const files: Zippable = {};
  const json = (value: unknown) => strToU8(`${JSON.stringify(value, null, 2)}\n`);
  const accessed: AccessedRecord[] = [];
  let sessionIds: string[];
  const records: Record<string, unknown> = {};
  if (record.subjectType === "session") {
    if (!(await findSession(db, tenant, record.subjectId))) return undefined;
    sessionIds = [record.subjectId];
  } else {
    if (!(await findEntity(db, tenant, record.subjectId))) return undefined;
    const identityRows = await selectSubjectRows(db, "identity", record.subjectId);
    records.identity = extractFiles(identityRows, "identity/", files);
    // The identity's sessions: those sent to it (recipient sends) and those created for it (`identity`).
    const ownSessions = await findSessionIdsOfIdentity(db, tenant, record.subjectId);
    sessionIds = [
      ...new Set([
        ...(identityRows.workflow_sessions ?? [])
          .map((row) => row.verification_session_id)
          .filter((id): id is string => typeof id === "string"),
        ...ownSessions,
      ]),
    ];
    accessed.push({
      recordType: "Entity",
      recordId: record.subjectId,
      fields: Object.keys(identityRows).flatMap((table) =>
        personalColumns(table).map((c) => `${table}.${c.column}`),
      ),
    });
  }
  const sessions: Record<string, unknown> = {};
  for (const sessionId of sessionIds) {
    const rows = await selectSubjectRows(db, "session", sessionId);
    sessions[sessionId] = extractFiles(rows, `sessions/${sessionId}/`, files);
    accessed.push({
      recordType: "Session",
      recordId: sessionId,
      sessionId,
      fields: Object.keys(rows).flatMap((table) => personalColumns(table).map((c) => `${table}.${c.column}`)),
    });
  }
  records.sessions = sessions;
  const accessLog = await listAccessLogRows(db, tenant, {
    subjects: { sessionIds, recordIds: record.subjectType === "identity" ? [record.subjectId] : [] },
    limit: 100_000,
    order: "asc",
  });
  const tables = [
    ...new Set(
      [records.identity, ...Object.values(sessions)].flatMap((group) =>
        group ? Object.keys(group as Record<string, unknown>) : [],
      ),
    ),
  ];
  files["records.json"] = json(records);
  files["access-log.json"] = json(accessLog);
  files["manifest.json"] = json({
    format: "flowgate-dsar/1",
    exportId: record.id,
    subject: { type: record.subjectType, id: record.subjectId },
    requestedBy: record.requestedBy,
    requestedAt: record.createdAt,
    generatedAt: new Date(),
    sessions: sessionIds,
    files: Object.keys(files).filter((path) => path.includes("files/")),
    tables: describeTables(tables),
    contents: {
      "records.json":
        "every row held about the subject, table by table (snake_case columns as stored); for an identity, `identity` holds the entity's own tables and `sessions` each verification session sent to it",
      "access-log.json": "every logged read of the subject's personal data: who (API key), what, when",
      "files/": "uploaded documents, referenced from their rows",
    },
  });
  return { zip: zipSync(files, { level: 6 }), accessed };
}
