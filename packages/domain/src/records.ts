import type { Environment } from "./environment.ts";
import type { ValidationIssue } from "./errors.ts";
import type { WorkflowGraph } from "./graph/graph-schema.ts";
import type { RolloutEntry } from "./rollout.ts";
import type { RunEventType } from "./run-events.ts";
import type { RunStatus } from "./run-status.ts";
import type { SessionResult, SessionStatus } from "./session-status.ts";

/** The workspace and environment a caller acts in; every customer record belongs to exactly one. */
export interface Tenant {
  workspaceId: string;
  environment: Environment;
}

/** A tenant as one string (`<workspaceId>:<environment>`), for keying in-memory maps by tenant. */
export function tenantKey(tenant: Tenant): string {
  return `${tenant.workspaceId}:${tenant.environment}`;
}

/** An API key as stored (never the key itself). */
export interface ApiKey extends Tenant {
  id: string;
  name: string;
  prefix: string;
  scopes: string[];
  expiresAt: Date | null;
  revokedAt: Date | null;
  lastUsedAt: Date | null;
  /** The dated REST API version the key is pinned to (see `api-versions.ts`). */
  apiVersion: string;
  createdAt: Date;
}

/** A workflow: named, versioned graph. */
export interface Workflow extends Tenant {
  id: string;
  name: string;
  description: string | null;
  metadata: Record<string, unknown>;
  status: "active" | "inactive";
  isDefault: boolean;
  currentVersion: number;
  /** How new runs split across versions; `null` means every new run starts on `currentVersion`. */
  rollout: RolloutEntry[] | null;
  createdAt: Date;
  updatedAt: Date;
}

/** An immutable, numbered graph of a workflow. */
export interface WorkflowVersion {
  workflowId: string;
  version: number;
  graph: WorkflowGraph;
  publishedBy: string | null;
  createdAt: Date;
}

/** Life of a workflow draft: editable while `open`; `published` as a version, or `discarded`. */
export type WorkflowDraftStatus = "open" | "published" | "discarded";

/** An editable copy of a workflow's graph; a workflow has at most one open draft. */
export interface WorkflowDraft extends Tenant {
  id: string;
  workflowId: string;
  status: WorkflowDraftStatus;
  /** The workflow's current version when the draft was created; publishing requires it to be current still. */
  baseVersion: number;
  /** The version whose graph the draft started from (the current one or an earlier one). */
  sourceVersion: number;
  /** The graph as last saved, valid or not. */
  graph: unknown;
  /** Whether the saved graph passes validation (an invalid draft can be saved but not published). */
  valid: boolean;
  /** What validation found, with paths under `graph`; empty when valid. */
  issues: ValidationIssue[];
  /** The version publishing created, once published. */
  publishedVersion: number | null;
  createdBy: string | null;
  updatedBy: string | null;
  publishedBy: string | null;
  createdAt: Date;
  updatedAt: Date;
  /** When it was published or discarded. */
  closedAt: Date | null;
}

/** A verification session. */
export interface Session extends Tenant {
  id: string;
  workflowId: string | null;
  status: SessionStatus;
  result: SessionResult | null;
  referenceId: string | null;
  metadata: Record<string, unknown>;
  /** Sandbox simulation data: per node id or policy name, `{ outcome, output }`. */
  sandbox: Record<string, unknown> | null;
  createdAt: Date;
  updatedAt: Date;
  submittedAt: Date | null;
  completedAt: Date | null;
  /** When the session expires if it has not completed by then. */
  expiresAt: Date | null;
  /** Labels for filtering (`sessions(tag:)`), unique, in the order they were added. */
  tags: string[];
  /** The person's email, where invitations with a one-time link go. */
  inviteeEmail?: string | null;
  /** The identity (a DDQ entity of type `individual`) the session belongs to. */
  identityId?: string | null;
  /** Set once a redaction removed the session's personal data; the audit skeleton stays. */
  redaction: SessionRedaction | null;
}

/** When, by whom and why a session's personal data was removed. */
export interface SessionRedaction {
  at: Date;
  /** The API key that redacted it, or `retention` for the retention job. */
  by: string;
  reason: string;
}

/** One entry of a session's audit trail: who changed the session, how, and why. */
export interface SessionAuditEntry {
  id: string;
  sessionId: string;
  /** What happened, e.g. `update`, `expire`, `resume`, `reprocess`, `tag`. */
  action: string;
  /** The API key (or `system`/`recipient`) that did it. */
  actor: string | null;
  reason: string | null;
  data: Record<string, unknown>;
  createdAt: Date;
}

/**
 * Something that arrived for a paused run and that the engine applies on its next step: an external
 * gate decision. Node types that pause for other reasons add their own kinds.
 */
export type RunSignal =
  | {
      kind: "decision";
      decision: "continue" | "fail" | "reject";
      metadata: Record<string, unknown> | null;
      decidedBy: string | null;
    }
  | {
      /** The gate's `timeout_seconds` elapsed without a decision. */
      kind: "timeout";
    }
  | {
      /** A questionnaire node's response was submitted, or its magic link expired (or was revoked) first. */
      kind: "questionnaire";
      outcome: "submitted" | "expired";
      responseId: string;
    };

/** One execution of a workflow version. */
export interface Run extends Tenant {
  id: string;
  sessionId: string | null;
  workflowId: string;
  workflowVersion: number;
  status: RunStatus;
  finalStatus: string | null;
  graphSnapshot: WorkflowGraph;
  currentNode: string | null;
  pausedAtNode: string | null;
  /** A signal waiting to resume the paused run. */
  pendingSignal: RunSignal | null;
  decisionMetadata: Record<string, unknown> | null;
  triggerPayload: Record<string, unknown>;
  triggeredBy: string | null;
  errorMessage: string | null;
  totalCostCents: number;
  stepCount: number;
  /** Attempt number (1-based) of the current node. */
  currentAttempt: number;
  lastSeq: number;
  /**
   * The `node.started` event that began the current attempt of the current node, when that node does I/O:
   * such a node is started in one commit (so live progress shows it running) and completed in a later one.
   * It describes the run only while nothing else was appended since (`seq === lastSeq`); see
   * `isCurrentNodeStarted`.
   */
  nodeStarted: { seq: number; at: Date } | null;
  createdAt: Date;
  startedAt: Date | null;
  completedAt: Date | null;
  /** When a reprocess of its session replaced it; the run is kept as history. Absent or null: current. */
  supersededAt?: Date | null;
}

/** One execution of one node within a run. */
export interface NodeRun {
  id: string;
  runId: string;
  step: number;
  workflowNodeId: string;
  nodeType: string;
  status: "running" | "paused" | "completed" | "failed";
  taskId: string | null;
  inputData: Record<string, unknown> | null;
  outputData: Record<string, unknown> | null;
  attempts: number;
  result: string | null;
  routedTo: string | null;
  costCents: number;
  error: string | null;
  /** When the node run was recorded (seed 004's `created_at`). */
  createdAt: Date;
  startedAt: Date;
  completedAt: Date | null;
}

/** An appended, numbered event of a run. */
export interface RunEvent {
  runId: string;
  seq: number;
  type: RunEventType;
  data: Record<string, unknown>;
  createdAt: Date;
}

/** Run duration in ms, or null while it has not both started and completed. */
export function runDurationMs(run: Pick<Run, "startedAt" | "completedAt">): number | null {
  return run.startedAt && run.completedAt ? run.completedAt.getTime() - run.startedAt.getTime() : null;
}

/** One entry of a run's audit trail: a control action, who took it and why. */
export interface RunAuditEntry {
  id: string;
  runId: string;
  action:
    | "trigger"
    | "submit"
    | "decision"
    | "cancel"
    | "retry"
    | "timeout"
    | "expire"
    | "reprocess"
    | "redact";
  actor: string | null;
  reason: string | null;
  data: Record<string, unknown>;
  createdAt: Date;
}

/** Status of a verification check: running (or waiting to retry), then passed, failed or errored. */
export type SessionCheckStatus = "running" | "retrying" | "passed" | "failed" | "errored";

/** A verification check: one policy node of a session's run (`chk_…`), with its attempts. */
export interface SessionCheck extends Tenant {
  id: string;
  sessionId: string;
  runId: string;
  /** The policy node of the run's graph. */
  nodeId: string;
  /** The policy of the catalog it runs, e.g. `document`. */
  policy: string;
  status: SessionCheckStatus;
  /** `pass`, `fail` or `error` once it ended. */
  result: string | null;
  output: Record<string, unknown> | null;
  /** Why it failed or errored, when it did. */
  error: string | null;
  createdAt: Date;
  updatedAt: Date;
}

/** One execution of a verification check. */
export interface SessionCheckAttempt {
  id: string;
  checkId: string;
  /** 1, 2, 3, … across the check's life (retries and re-runs included). */
  number: number;
  startedAt: Date;
  completedAt: Date | null;
  /** `pass`, `fail` or `error`; null while it runs. */
  outcome: string | null;
  error: string | null;
  /** The provider's reference for this execution (for support and reconciliation). */
  providerReference: string | null;
  output: Record<string, unknown> | null;
}

/** A one-time verification link of a session; its token is stored only as a hash. */
export interface VerificationLink extends Tenant {
  id: string;
  sessionId: string;
  /** How many submissions the link allows (1 by default). */
  maxUses: number;
  uses: number;
  expiresAt: Date;
  revokedAt: Date | null;
  lastUsedAt: Date | null;
  /** The address it was emailed to, when it was. */
  sentTo: string | null;
  /** The API key that created it. */
  createdBy: string | null;
  createdAt: Date;
}

/** A file the person uploaded for a capture step (the bytes are read separately). */
export interface SessionDocument extends Tenant {
  id: string;
  sessionId: string;
  /** The capture step (policy node id) it was uploaded for. */
  step: string;
  /** The step's policy, e.g. `document` or `proof_of_address`. */
  kind: string;
  fileName: string | null;
  /** Sniffed from the bytes: `image/jpeg`, `image/png` or `application/pdf`. */
  contentType: string;
  sizeBytes: number;
  sha256: string;
  /** Who uploaded it: `link:<vlk_…>` for the capture page. */
  uploadedVia: string | null;
  createdAt: Date;
}

/** A stored risk assessment of a session's run. */
export interface SessionRiskAssessment {
  id: string;
  sessionId: string;
  runId: string;
  /** The version of the rules that produced it. */
  rulesVersion: string;
  score: number;
  level: "low" | "medium" | "high" | "critical";
  signals: { code: string; description: string; weight: number; checkId: string; nodeId: string }[];
  createdAt: Date;
}
