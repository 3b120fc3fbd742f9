import { findApiKeyById, findEntity, findSession, findWorkflow, selectSubjectRows } from "@flowgate/db";
import {
  defaultDownloadLifetimeSeconds,
  type Entity,
  type Session,
  signPath,
  type Tenant,
  verifySignedPath,
  type Workflow,
} from "@flowgate/domain";
import { requireScope } from "../access.ts";
import type { Actor } from "../actor.ts";
import { type Application, applicationDeps } from "../application.ts";
import { recordPersonalDataAccess } from "./access-log.ts";

/** The path the gateway serves a session's PDF report at, for the key that asked for it. */
export function reportPath(keyId: string, sessionId: string): string {
  return `/downloads/reports/${keyId}/${sessionId}.pdf`;
}

/**
 * A signed, short-lived (15 minutes) URL of the session's PDF verification report, valid for whoever holds it.
 * The report is built when downloaded, from the data held then, as the key that asked for the URL. Needs
 * `sessions:read`.
 *
 * @returns The signed path and the same on the configured public base URL; undefined when the session is not
 *   the caller's.
 */
export async function getReportPdfUrl(
  app: Application,
  actor: Actor,
  sessionId: string,
): Promise<{ path: string; url: string; expiresAt: Date } | undefined> {
  requireScope(actor, "sessions:read");
  const deps = applicationDeps(app);
  if (!(await findSession(deps.db, actor, sessionId))) return undefined;
  const expiresAt = new Date(Date.now() + defaultDownloadLifetimeSeconds * 1000);
  const path = signPath(deps.signingSecret, reportPath(actor.keyId, sessionId), expiresAt);
  return { path, url: `${deps.linkBaseUrl}${path}`, expiresAt };
}

/**
 * Serves a signed report URL: checks the signature and expiry, that the key is still valid and the session its
 * tenant's, renders the PDF and logs the read (channel `report`). Called by the gateway's download route.
 */
export async function downloadReportPdf(
  app: Application,
  input: { keyId: string; sessionId: string; path: string; expires: string | null; signature: string | null },
): Promise<
  { ok: true; pdf: Buffer } | { ok: false; reason: "missing" | "invalid" | "expired" | "not_found" }
> {
  const deps = applicationDeps(app);
  const verdict = verifySignedPath(deps.signingSecret, input.path, input);
  if (!verdict.ok) return verdict;
  const key = await findApiKeyById(deps.db, input.keyId);
  if (!key || key.revokedAt || (key.expiresAt && key.expiresAt < new Date()))
    return { ok: false, reason: "invalid" };
  const tenant: Tenant = { workspaceId: key.workspaceId, environment: key.environment };
  const pdf = await buildReport(app, { ...tenant, keyId: key.id, scopes: [] }, input.sessionId, "report");
  return pdf ? { ok: true, pdf } : { ok: false, reason: "not_found" };
}

/**
 * The session's PDF verification report, rendered now for an authenticated caller (REST
 * `GET /api/v1/sessions/:id/report.pdf`); the read is access-logged (channel `rest`). Needs
 * `sessions:read`.
 *
 * @returns The PDF, or undefined when the session is not the caller's.
 */
export async function renderSessionReportPdf(
  app: Application,
  actor: Actor,
  sessionId: string,
): Promise<Buffer | undefined> {
  requireScope(actor, "sessions:read");
  return buildReport(app, actor, sessionId, "rest");
}

/** Renders a session's report as `actor` and logs the read; undefined when the session is not its tenant's. */
async function buildReport(
  app: Application,
  actor: Actor,
  sessionId: string,
  channel: string,
): Promise<Buffer | undefined> {
  const deps = applicationDeps(app);
  const tenant: Tenant = { workspaceId: actor.workspaceId, environment: actor.environment };
  const session = await findSession(deps.db, tenant, sessionId);
  if (!session) return undefined;
  const rows = await selectSubjectRows(deps.db, "session", session.id);
  const link = rows.workflow_sessions?.[0];
  const entityId = session.identityId ?? (link ? String(link.entity_id) : undefined);
  const entity = entityId ? await findEntity(deps.db, tenant, entityId) : undefined;
  const run = rows.runs?.[0];
  const workflow = run ? await findWorkflow(deps.db, tenant, String(run.workflow_id)) : undefined;
  const pdf = await renderReport({ session, rows, entity, workflow, generatedAt: new Date() });
  recordPersonalDataAccess(
    app,
    { ...tenant, keyId: actor.keyId, scopes: [] },
    [
      {
        recordType: "Session",
        recordId: session.id,
        sessionId: session.id,
        fields: [
          "sessions.metadata",
          "sessions.reference_id",
          "node_runs.output_data",
          "runs.decision_metadata",
        ],
      },
    ],
    channel,
  );
  return pdf;
}

type Rows = Record<string, Record<string, unknown>[]>;

interface ReportInput {
  session: Session;
  rows: Rows;
  entity: Entity | undefined;
  workflow: Workflow | undefined;
  generatedAt: Date;
}

const when = (value: unknown) => (value instanceof Date ? value.toISOString() : value ? String(value) : "—");
const json = (value: unknown) => (value === null || value === undefined ? "—" : JSON.stringify(value));

/**
 * Renders the report with pdfkit (built-in Helvetica, A4). pdfkit and its font machinery (fontkit, brotli,
 * about 1.7 MB of JavaScript) load at the first report, not with the process: a cold start does not need them.
 */
async function renderReport(input: ReportInput): Promise<Buffer> {
  const { default: PDFDocument } = await import("pdfkit");
  const { session, rows, entity, workflow } = input;
  const doc = new PDFDocument({
    size: "A4",
    margin: 48,
    info: { Title: `Verification report ${session.id}` },
  });
  const chunks: Buffer[] = [];
  doc.on("data", (chunk: Buffer) => chunks.push(chunk));
  const done = new Promise<Buffer>((resolve, reject) => {
    doc.on("end", () => resolve(Buffer.concat(chunks)));
    doc.on("error", reject);
  });

  const heading = (text: string) => {
    doc.moveDown(0.8).font("Helvetica-Bold").fontSize(13).fillColor("#111").text(text).moveDown(0.2);
    doc.font("Helvetica").fontSize(9.5).fillColor("#222");
  };
  const line = (label: string, value: string) => {
    doc.font("Helvetica-Bold").text(`${label}: `, { continued: true }).font("Helvetica").text(value);
  };

  doc.font("Helvetica-Bold").fontSize(18).text("Verification report");
  doc
    .font("Helvetica")
    .fontSize(9)
    .fillColor("#555")
    .text(`Generated ${input.generatedAt.toISOString()} by Flowgate`);

  if (session.redaction) {
    doc.moveDown(0.6);
    const top = doc.y;
    doc.rect(48, top, doc.page.width - 96, 46).fill("#fde8e8");
    doc
      .fillColor("#9b1c1c")
      .font("Helvetica-Bold")
      .fontSize(11)
      .text("REDACTED", 58, top + 8);
    doc
      .font("Helvetica")
      .fontSize(9)
      .text(
        `Personal data removed on ${session.redaction.at.toISOString()} by ${session.redaction.by}: ${session.redaction.reason}. Only the audit record remains.`,
        58,
        top + 22,
        { width: doc.page.width - 116 },
      );
    doc.x = 48;
    doc.y = top + 52;
  }

  heading("Session");
  doc.fontSize(9.5).fillColor("#222");
  line("Session", session.id);
  line("Environment", session.environment);
  line("Status", session.status);
  line("Result", session.result ?? "—");
  line("Reference", session.referenceId ?? (session.redaction ? "[redacted]" : "—"));
  line("Created", when(session.createdAt));
  line("Submitted", when(session.submittedAt));
  line("Completed", when(session.completedAt));

  heading("Identity");
  if (session.redaction) {
    doc.text("[redacted]");
  } else {
    if (entity) {
      const name =
        entity.entityType === "individual"
          ? `${entity.firstName ?? ""} ${entity.lastName ?? ""}`
          : entity.legalName;
      line("Entity", `${entity.id} (${entity.entityType})`);
      line("Name", (name ?? "").trim() || "—");
      line("Email", entity.email ?? "—");
      line("Jurisdiction", entity.jurisdiction ?? "—");
    }
    const metadata = Object.entries(session.metadata);
    if (metadata.length > 0)
      for (const [k, v] of metadata) line(k, typeof v === "string" ? v : JSON.stringify(v));
    if (!entity && metadata.length === 0) doc.text("No identity data was provided.");
  }

  const nodeRuns = [...(rows.node_runs ?? [])].sort((a, b) => Number(a.step) - Number(b.step));
  heading("Checks");
  if (nodeRuns.length === 0) doc.text("No checks ran.");
  for (const node of nodeRuns) {
    doc
      .font("Helvetica-Bold")
      .text(`${String(node.workflow_node_id)} (${String(node.node_type)})`, { continued: true })
      .font("Helvetica")
      .text(
        `  result ${String(node.result ?? node.status)} · attempts ${String(node.attempts)} · routed to ${String(node.routed_to ?? "—")}`,
      );
    if (node.output_data)
      doc
        .fillColor("#555")
        .text(`output ${json(node.output_data)}`, { indent: 12 })
        .fillColor("#222");
  }

  heading("Risk assessment");
  const scored = nodeRuns.filter(
    (n) => typeof (n.output_data as { score?: unknown } | null)?.score === "number",
  );
  if (scored.length === 0) doc.text("No risk score was produced.");
  for (const node of scored) {
    line(
      String(node.workflow_node_id),
      `score ${(node.output_data as { score: number }).score}, result ${String(node.result)}`,
    );
  }

  heading("Decision trail");
  const trail = [...(rows.run_audit ?? [])].sort((a, b) =>
    String(a.created_at).localeCompare(String(b.created_at)),
  );
  for (const entry of trail) {
    doc.text(
      `${when(entry.created_at)}  ${String(entry.action)} by ${String(entry.actor ?? "system")}${entry.reason ? ` — ${String(entry.reason)}` : ""}`,
    );
  }
  const events = [...(rows.run_events ?? [])].sort((a, b) => Number(a.seq) - Number(b.seq));
  for (const event of events) {
    const data = event.data as Record<string, unknown>;
    const detail = ["nodeId", "result", "decision", "finalStatus"]
      .filter((k) => data?.[k] !== undefined && data?.[k] !== null)
      .map((k) => `${k}=${String(data[k])}`)
      .join(" ");
    doc
      .fillColor("#555")
      .text(`#${String(event.seq)} ${String(event.type)} ${detail}`, { indent: 12 })
      .fillColor("#222");
  }

  heading("Workflow");
  const run = rows.runs?.[0];
  if (!run) {
    doc.text("The session has not run a workflow.");
  } else {
    line("Workflow", `${workflow?.name ?? "—"} (${String(run.workflow_id)})`);
    line("Version", String(run.workflow_version));
    line("Run", `${String(run.id)} — ${String(run.status)}, final status ${String(run.final_status ?? "—")}`);
    const graph = run.graph_snapshot as { entry?: string; nodes?: Record<string, unknown>[] };
    line("Entry", String(graph.entry ?? "—"));
    for (const node of graph.nodes ?? []) {
      const { id, type, ...rest } = node;
      const edges = Object.entries(rest)
        .map(([k, v]) => `${k}: ${typeof v === "string" || typeof v === "number" ? v : JSON.stringify(v)}`)
        .join("; ");
      doc.text(`${String(id)} [${String(type)}]  ${edges}`, { indent: 12 });
    }
  }
  doc.end();
  return done;
}
