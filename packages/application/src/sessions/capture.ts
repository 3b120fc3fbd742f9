import { createHash } from "node:crypto";
import {
  findRunsBySessionIds,
  findSession,
  insertSessionDocument,
  listChecksOfRuns,
  listDocumentsOfSessions,
  updateSessionStatus,
  useVerificationLink,
} from "@flowgate/db";
import {
  assertSessionTransition,
  ConflictError,
  newId,
  type PolicyNode,
  type Session,
  type SessionDocument,
  type SessionSimulation,
  type Tenant,
  ValidationError,
  type VerificationLink,
  VerificationLinkRefusedError,
} from "@flowgate/domain";
import { inTransaction } from "@flowgate/engine";
import type { Actor } from "../actor.ts";
import { type Application, applicationDeps } from "../application.ts";
import { publishSessionStatus, sessionAudit } from "./session-records.ts";
import { graphOfSession, submitSessionIn } from "./session-runs.ts";
import { applySimulationIn } from "./session-simulation.ts";
import { requireVerificationLink } from "./verification-links.ts";

/** Policies whose capture step takes an upload (an identity document, a proof of address). */
export const uploadPolicies: readonly string[] = ["document", "proof_of_address"];

/** Largest upload: 10 MB. */
export const maxCaptureUploadBytes = 10 * 1024 * 1024;

/** What an upload may be, by its sniffed content (not by its name or declared type). */
export const captureContentTypes: readonly string[] = ["image/jpeg", "image/png", "application/pdf"];

const policyLabels: Record<string, string> = {
  document: "Identity document",
  proof_of_address: "Proof of address",
  selfie: "Selfie",
  enhanced_identity: "Identity check",
  aml_screening: "Screening",
  age: "Age check",
};

/** One step of the capture page: a policy node of the session's workflow. */
export interface CaptureStep {
  id: string;
  policy: string;
  label: string;
  /** Whether the person uploads a file for it. */
  upload: boolean;
  documents: Pick<SessionDocument, "id" | "fileName" | "contentType" | "sizeBytes">[];
  /** `pending` (nothing yet), `uploaded`, then the check's `running`/`retrying`/`passed`/`failed`/`errored`. */
  status: string;
  /** Sandbox: the outcome chosen to simulate, when one was. */
  simulated: string | null;
}

/** What the capture page shows. */
export interface CaptureView {
  sessionId: string;
  status: Session["status"];
  result: Session["result"];
  sandbox: boolean;
  /** Whether submit is possible now (open session, every upload step has a file). */
  canSubmit: boolean;
  linkExpiresAt: Date;
  steps: CaptureStep[];
}

/** The actor recorded for what a link holder does: `link:<vlk_…>`, with no scope. */
function linkActor(link: VerificationLink): Actor {
  return {
    keyId: `link:${link.id}`,
    workspaceId: link.workspaceId,
    environment: link.environment,
    scopes: [],
  };
}

async function view(
  db: Parameters<typeof graphOfSession>[0],
  link: VerificationLink,
  session: Session,
): Promise<CaptureView> {
  const tenant: Tenant = session;
  const graph = await graphOfSession(db, tenant, session);
  const policies = (graph?.nodes ?? []).filter((node): node is PolicyNode => node.type === "policy");
  const documents = await listDocumentsOfSessions(db, tenant, [session.id]);
  const [run] = await findRunsBySessionIds(db, [session.id]);
  const checks = run ? await listChecksOfRuns(db, tenant, [run.id]) : [];
  const sandbox = (session.sandbox ?? {}) as Record<string, { outcome?: string } | undefined>;
  const steps = policies.map((node): CaptureStep => {
    const upload = uploadPolicies.includes(node.policy);
    const files = documents.filter((doc) => doc.step === node.id);
    const check = checks.find((c) => c.nodeId === node.id);
    return {
      id: node.id,
      policy: node.policy,
      label: policyLabels[node.policy] ?? node.policy.replaceAll("_", " "),
      upload,
      documents: files.map(({ id, fileName, contentType, sizeBytes }) => ({
        id,
        fileName,
        contentType,
        sizeBytes,
      })),
      status: check ? check.status : files.length > 0 ? "uploaded" : "pending",
      simulated: sandbox[node.id]?.outcome ?? null,
    };
  });
  const open = session.status === "created" || session.status === "in_progress";
  return {
    sessionId: session.id,
    status: session.status,
    result: session.result,
    sandbox: session.environment === "sandbox",
    canSubmit: open && steps.every((step) => !step.upload || step.documents.length > 0),
    linkExpiresAt: link.expiresAt,
    steps,
  };
}

/**
 * What the capture page shows for a verification token: the session's steps (the policy nodes of its
 * workflow), their uploads and check statuses. Authorized by the token alone; a used, expired, revoked or
 * unknown token is `VerificationLinkRefusedError`. Reading does not use the link up (only submitting does).
 */
export async function openCapture(app: Application, token: string): Promise<CaptureView> {
  const { db } = applicationDeps(app);
  const { link, session } = await requireVerificationLink(db, token);
  return view(db, link, session);
}

/**
 * Stores a file for an upload step (`document` or `proof_of_address` policy): at most 10 MB, JPEG, PNG or
 * PDF as sniffed from its bytes with `file-type` (the declared type and name are not trusted). The session
 * moves from `created` to `in_progress`. Authorized by the token.
 */
export async function uploadCaptureDocument(
  app: Application,
  token: string,
  input: { step: string; fileName?: string | null | undefined; bytes: Uint8Array },
): Promise<SessionDocument> {
  if (input.bytes.byteLength === 0) {
    throw new ValidationError("Empty file", [{ path: ["file"], message: "the file is empty" }]);
  }
  if (input.bytes.byteLength > maxCaptureUploadBytes) {
    throw new ValidationError("File too large", [{ path: ["file"], message: "at most 10 MB" }]);
  }
  // file-type (about 35 modules) loads with the first upload, not with the process.
  const { fileTypeFromBuffer } = await import("file-type");
  const sniffed = await fileTypeFromBuffer(input.bytes);
  if (!sniffed || !captureContentTypes.includes(sniffed.mime)) {
    throw new ValidationError("Unsupported file", [
      {
        path: ["file"],
        message: `a JPEG, PNG or PDF file is needed${sniffed ? ` (this is ${sniffed.mime})` : ""}`,
      },
    ]);
  }
  const fileName = input.fileName ? input.fileName.replace(/[^\w.\- ]+/g, "_").slice(0, 200) : null;
  return inTransaction(applicationDeps(app), async (trx, after) => {
    const { link, session } = await requireVerificationLink(trx, token, { forUpdate: true });
    if (session.status !== "created" && session.status !== "in_progress") {
      throw new ConflictError(
        `This verification is ${session.status}; it takes no more uploads`,
        session.status,
      );
    }
    const graph = await graphOfSession(trx, session, session);
    const node = graph?.nodes.find((candidate) => candidate.id === input.step);
    if (node?.type !== "policy" || !uploadPolicies.includes(node.policy)) {
      throw new ValidationError("Unknown step", [
        { path: ["step"], message: `"${input.step}" takes no upload` },
      ]);
    }
    const document = await insertSessionDocument(trx, session, {
      id: newId("doc"),
      sessionId: session.id,
      step: node.id,
      kind: node.policy,
      fileName,
      contentType: sniffed.mime,
      sizeBytes: input.bytes.byteLength,
      sha256: createHash("sha256").update(input.bytes).digest("hex"),
      content: input.bytes,
      uploadedVia: `link:${link.id}`,
    });
    if (session.status === "created") {
      assertSessionTransition("created", "in_progress");
      await updateSessionStatus(trx, session.id, { status: "in_progress" });
      publishSessionStatus(after, session, "in_progress");
    }
    await sessionAudit(trx, session.id, "document.upload", `link:${link.id}`, null, {
      documentId: document.id,
      step: node.id,
      contentType: sniffed.mime,
      sizeBytes: input.bytes.byteLength,
    });
    return document;
  });
}

/**
 * Submits the capture: uses the link once (a single-use link then refuses everything), requires a file for
 * every upload step, and submits the session through the one submit path so its workflow starts.
 * Authorized by the token.
 */
export async function submitCapture(app: Application, token: string): Promise<CaptureView> {
  const deps = applicationDeps(app);
  const { link } = await inTransaction(deps, async (trx, after) => {
    const access = await requireVerificationLink(trx, token, { forUpdate: true });
    const before = await view(trx, access.link, access.session);
    const missing = before.steps.filter((step) => step.upload && step.documents.length === 0);
    if (missing.length > 0) {
      throw new ValidationError(
        "Uploads missing",
        missing.map((step) => ({ path: ["steps", step.id], message: `${step.label}: upload a file first` })),
      );
    }
    if (!(await useVerificationLink(trx, access.link.id, new Date()))) {
      throw new VerificationLinkRefusedError("used");
    }
    await submitSessionIn(trx, after, access.session, access.session, { by: `link:${access.link.id}` });
    await sessionAudit(trx, access.session.id, "capture.submit", `link:${access.link.id}`, null, {
      verificationLinkId: access.link.id,
    });
    return access;
  });
  const session = (await findSession(deps.db, link, link.sessionId)) as Session;
  return view(deps.db, { ...link, uses: link.uses + 1 }, session);
}

/**
 * Sandbox only: sets the outcome a step's check will have (`pass`, `fail` or `error`), as
 * `simulateSessionAction` does. Authorized by the token; a live link gets `SandboxOnlyError`.
 */
export async function simulateCaptureOutcome(
  app: Application,
  token: string,
  input: { step: string; outcome: "pass" | "fail" | "error" },
): Promise<CaptureView> {
  const deps = applicationDeps(app);
  const simulation: SessionSimulation = { type: `${input.outcome}_check`, node: input.step };
  const result = await inTransaction(deps, async (trx, after) => {
    const access = await requireVerificationLink(trx, token, { forUpdate: true });
    const applied = await applySimulationIn(trx, after, linkActor(access.link), access.session, simulation);
    return { link: access.link, session: applied.session };
  });
  return view(deps.db, result.link, result.session);
}
