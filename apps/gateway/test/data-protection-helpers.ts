import { Writable } from "node:stream";
import { sql } from "kysely";
import pino, { type Logger } from "pino";
import { designExampleGraph } from "./fixtures.ts";
import { eventually, type Harness } from "./harness.ts";

/** A pino logger at `trace` whose JSON lines are kept in `lines`, to scan for personal values. */
export function capturingLogger(): { logger: Logger; lines: string[] } {
  const lines: string[] = [];
  const stream = new Writable({
    write(chunk, _encoding, callback) {
      lines.push(...String(chunk).split("\n").filter(Boolean));
      callback();
    },
  });
  return { logger: pino({ level: "trace" }, stream), lines };
}

/** Personal values a test puts into a session; each must be findable before and gone after a redaction. */
export const personalValues = {
  referenceId: "cust-ref-QZ7781",
  fullName: "Philippa Vantablack",
  address: "42 Quillfeather Row",
  documentNumber: "PX4471902",
  alias: "P. Vantablack-Ozu",
  analystNote: "called Philippa on +44 7700 900461",
  linkEmail: "philippa.link@example.net",
  documentName: "Vantablack-passport.png",
} as const;

/** Distinctive fragments of {@link personalValues} that a scan looks for. */
export const scannedFragments = [
  "QZ7781",
  "Vantablack",
  "Quillfeather",
  "PX4471902",
  "7700 900461",
  "philippa.link",
] as const;

/**
 * Every row of every table of the test database as text, for scans: `{ table, text }` per row. Reads the
 * live schema, so tables added by other branches are scanned too.
 */
export async function dumpAllRows(h: Harness): Promise<{ table: string; text: string }[]> {
  const { rows: tables } = await sql<{ table_name: string }>`
    select table_name from information_schema.tables
    where table_schema = current_schema() and table_type = 'BASE TABLE'`.execute(h.database.db);
  const out: { table: string; text: string }[] = [];
  for (const { table_name } of tables) {
    const { rows } = await sql<{ row: string }>`select row_to_json(t)::text as row from ${sql.table(
      table_name,
    )} as t`.execute(h.database.db);
    for (const row of rows) out.push({ table: table_name, text: row.row });
  }
  return out;
}

/** Which fragments occur where: `fragment → [table, …]` (with log lines as table `log`). */
export function scanFor(
  fragments: readonly string[],
  rows: { table: string; text: string }[],
  logLines: readonly string[] = [],
): { hits: number; where: string[] } {
  const where: string[] = [];
  const all = [...rows, ...logLines.map((text) => ({ table: "log", text }))];
  for (const fragment of fragments) {
    for (const row of all) {
      if (row.text.toLowerCase().includes(fragment.toLowerCase())) where.push(`${fragment} in ${row.table}`);
    }
  }
  return { hits: where.length, where };
}

/** GraphQL operations of the data-protection tests. */
export const REDACT = /* GraphQL */ `
  mutation ($sessionId: ID!, $reason: String!) {
    redactSession(sessionId: $sessionId, reason: $reason) {
      __typename
      ... on RedactSessionPayload { changed session { id status result redacted redaction { at by reason } } }
      ... on LegalHoldError { message holdId holdReason sessionId }
      ... on ConflictError { message currentStatus }
      ... on NotFoundError { message resource id }
      ... on ValidationError { message issues { path message } }
    }
  }
`;

export const HOLD = /* GraphQL */ `
  mutation ($sessionId: ID!, $reason: String!) {
    legalHold(sessionId: $sessionId, reason: $reason) {
      __typename
      ... on LegalHold { id sessionId reason active createdBy }
      ... on ConflictError { message currentStatus }
      ... on NotFoundError { message }
    }
  }
`;

export const RELEASE = /* GraphQL */ `
  mutation ($sessionId: ID!, $reason: String) {
    releaseLegalHold(sessionId: $sessionId, reason: $reason) {
      __typename
      ... on LegalHold { id active releasedBy releaseReason }
      ... on ConflictError { message currentStatus }
    }
  }
`;

const CREATE_FULL_SESSION = /* GraphQL */ `
  mutation ($workflowId: ID, $sandbox: JSONObject, $metadata: JSONObject, $referenceId: String) {
    createSession(workflowId: $workflowId, sandbox: $sandbox, metadata: $metadata, referenceId: $referenceId) {
      __typename
      ... on Session { id status }
      ... on Error { message }
    }
  }
`;

const CREATE_LINK = /* GraphQL */ `
  mutation ($sessionId: ID!) {
    createVerificationLink(sessionId: $sessionId) {
      __typename
      ... on CreatedVerificationLink { token }
      ... on Error { message }
    }
  }
`;

/** A 1×1 PNG. */
export const tinyPng = Buffer.from(
  "iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mP8z8BQDwAEhQGAhKmMIQAAAABJRU5ErkJggg==",
  "base64",
);

/**
 * Uploads a document into a session as the person would: a one-time link, then a POST to its capture
 * page (step `document` of the example graph). Returns the upload's answer.
 */
export async function uploadSessionDocument(
  h: Harness,
  key: string,
  sessionId: string,
  file: { name: string; content: Buffer },
): Promise<{ id: string }> {
  const link = await h.gql(key, CREATE_LINK, { sessionId });
  const token = link.data?.createVerificationLink?.token as string | undefined;
  if (!token) throw new Error(JSON.stringify(link));
  const origin = new URL(h.server.url).origin;
  const response = await fetch(
    `${origin}/verify/${encodeURIComponent(token)}/documents?step=document&name=${encodeURIComponent(file.name)}`,
    { method: "POST", body: new Uint8Array(file.content) },
  );
  if (response.status !== 201) throw new Error(`upload: ${response.status} ${await response.text()}`);
  return (await response.json()) as { id: string };
}

/**
 * Creates a session full of personal data and runs it to completion through the example graph: metadata
 * and reference id, document and AML check outputs (sandbox), an external decision with metadata; with
 * `document`, the person first uploads a passport scan named after them through a capture link (and each
 * of `documents`, each through a link of its own).
 */
export async function seedCompletedSession(
  h: Harness,
  key: string,
  workflowId: string,
  options: { document?: boolean; documents?: readonly { name: string; content: Buffer }[] } = {},
): Promise<string> {
  const created = await h.gql(key, CREATE_FULL_SESSION, {
    workflowId,
    referenceId: personalValues.referenceId,
    metadata: { fullName: personalValues.fullName, address: personalValues.address },
    sandbox: {
      document: {
        outcome: "pass",
        output: { documentNumber: personalValues.documentNumber, holder: personalValues.fullName },
      },
      aml: { outcome: "pass", output: { score: 85, matchedAlias: personalValues.alias } },
    },
  });
  const sessionId = created.data.createSession.id as string;
  if (options.document) {
    await uploadSessionDocument(h, key, sessionId, { name: personalValues.documentName, content: tinyPng });
  }
  for (const file of options.documents ?? []) await uploadSessionDocument(h, key, sessionId, file);
  const submitted = await h.gql(
    key,
    `mutation ($sessionId: ID!) { submitSession(sessionId: $sessionId) { __typename ... on Error { message } } }`,
    { sessionId },
  );
  if (submitted.data.submitSession.__typename !== "SubmitSessionPayload") {
    throw new Error(JSON.stringify(submitted));
  }
  await waitForStatus(h, key, sessionId, "awaiting_external");
  const decided = await h.gql(
    key,
    `mutation ($sessionId: ID!, $metadata: JSONObject) {
      submitExternalDecision(sessionId: $sessionId, decision: continue, metadata: $metadata) { __typename }
    }`,
    { sessionId, metadata: { analystNote: personalValues.analystNote } },
  );
  if (decided.data.submitExternalDecision.__typename !== "ExternalDecisionPayload") {
    throw new Error(JSON.stringify(decided));
  }
  await waitForStatus(h, key, sessionId, "completed");
  return sessionId;
}

/** Polls the session until it has `status`. */
export async function waitForStatus(
  h: Harness,
  key: string,
  sessionId: string,
  status: string,
): Promise<void> {
  await eventually(async () => {
    const answer = await h.gql(key, `query ($id: ID!) { session(id: $id) { status } }`, { id: sessionId });
    return answer.data?.session?.status === status;
  }, 20_000);
}

/** Creates the example workflow (the workspace default) and returns its id. */
export async function createExampleWorkflow(h: Harness, key: string): Promise<string> {
  const created = await h.gql(
    key,
    `mutation ($graph: JSON!) { createWorkflow(name: "KYC", graph: $graph, isDefault: true) {
      __typename ... on Workflow { id } ... on Error { message } } }`,
    { graph: designExampleGraph },
  );
  return created.data.createWorkflow.id;
}
