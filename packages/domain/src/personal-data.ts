/**
 * The one definition of personal data (GDPR Art. 4(1)) in Flowgate's tables. Redaction, DSAR export and the
 * access log all read it, so a column added here is redacted, exported and logged everywhere at once.
 *
 * Every column of every table is classified, either as `personal` (with how a redaction removes it) or as
 * `audit` (kept: ids, statuses, timestamps, decisions, who decided, hashes, configuration). A test reads the
 * live schema after migrating and fails for a column that is not classified here, so a new field cannot be
 * forgotten.
 */

/** How a redaction removes one personal column's value. */
export type Redaction =
  /** Set to SQL `null` (nullable columns). */
  | { kind: "null" }
  /** Overwrite with a fixed text (for `not null` text columns). */
  | { kind: "text"; value: string }
  /** Overwrite with a fixed JSON value (for `not null` JSON columns). */
  | { kind: "json"; value: Record<string, never> | readonly never[] }
  /**
   * Keep only the named top-level keys of a JSON object whose values are scalars (ids, statuses, outcomes)
   * and add `"redacted": true`; anything else (nested objects, other keys, non-objects) is removed.
   */
  | { kind: "scrubJson"; keep: readonly string[] }
  /**
   * Like `scrubJson`, for a `text` column holding a JSON object (a webhook body, a stored HTTP response):
   * keeps the named top-level scalar keys, and in each object named in `within`, that object's named scalar
   * keys; adds `"redacted": true`. Text that is not a JSON object becomes `{"redacted":true}`; `null` stays.
   */
  | {
      kind: "scrubJsonText";
      keep: readonly string[];
      within?: Readonly<Record<string, readonly string[]>>;
    }
  /** Set to an empty array (for `not null` SQL array columns such as `text[]`). */
  | { kind: "emptyArray" };

/** The class of one column. */
export type ColumnClass =
  /**
   * Personal data: exported in a DSAR bundle, logged when read, removed by a redaction. `file` marks a
   * `bytea` column holding an uploaded document: exports write it as a file named by `nameColumn`.
   */
  | { class: "personal"; redact: Redaction; note?: string; file?: { nameColumn: string } }
  /** Kept after a redaction: the audit skeleton (ids, statuses, timestamps, decisions, actors, hashes) or
   * configuration that is not about a person. */
  | { class: "audit"; note?: string };

/**
 * How the rows of a table belong to a subject: `"self"` for the subject's own table, or `column` holding the
 * id (`parentColumn`, default `id`) of a row of `parent` that belongs to the subject.
 */
export type SubjectLink =
  | "self"
  | { column: string; parent: string; parentColumn?: string }
  /**
   * Rows whose text column `mentions` contains the subject's id (for stored copies of API responses that
   * have no column linking them, e.g. `idempotency_keys.response_body`). Ids are random, so a mention is
   * the subject's.
   */
  | { mentions: string };

/** The data-protection policy of one table. */
export interface TablePolicy {
  /** What a row is. */
  description: string;
  /**
   * How its rows belong to a verification session (any link matches). Absent: the table holds no session
   * data, so session redaction and export skip it.
   */
  session?: readonly SubjectLink[];
  /** How its rows belong to an identity (a DDQ entity of type individual). */
  identity?: readonly SubjectLink[];
  /**
   * `columns` (default): a redaction rewrites the personal columns and keeps the row (the audit skeleton).
   * `deleteRow`: a redaction deletes the subject's rows (nothing in them is worth keeping).
   */
  redaction?: "columns" | "deleteRow";
  /** Every column of the table. */
  columns: Readonly<Record<string, ColumnClass>>;
}

const audit = (note?: string): ColumnClass => (note ? { class: "audit", note } : { class: "audit" });
const nullIt = (note?: string): ColumnClass => ({
  class: "personal",
  redact: { kind: "null" },
  ...(note ? { note } : {}),
});
const text = (value: string, note?: string): ColumnClass => ({
  class: "personal",
  redact: { kind: "text", value },
  ...(note ? { note } : {}),
});
const emptyObject = (note?: string): ColumnClass => ({
  class: "personal",
  redact: { kind: "json", value: {} },
  ...(note ? { note } : {}),
});
const scrub = (keep: readonly string[], note?: string): ColumnClass => ({
  class: "personal",
  redact: { kind: "scrubJson", keep },
  ...(note ? { note } : {}),
});
const scrubText = (
  keep: readonly string[],
  within: Readonly<Record<string, readonly string[]>>,
  note?: string,
): ColumnClass => ({
  class: "personal",
  redact: { kind: "scrubJsonText", keep, within },
  ...(note ? { note } : {}),
});
const file = (nameColumn: string, note?: string): ColumnClass => ({
  class: "personal",
  redact: { kind: "null" },
  file: { nameColumn },
  ...(note ? { note } : {}),
});

const emptyArrayJson = (note?: string): ColumnClass => ({
  class: "personal",
  redact: { kind: "json", value: [] },
  ...(note ? { note } : {}),
});

/** The envelope keys of a webhook body kept when it is redacted (ids, type, time, tenant). */
const webhookEnvelopeKeys = ["id", "type", "version", "timestamp", "workspace_id", "environment"] as const;

/** The keys of a webhook body's `data` kept when it is redacted: ids, statuses, decisions, times. */
export const webhookAuditDataKeys = [
  "object",
  "id",
  "session_id",
  "workflow_id",
  "workflow_version",
  "status",
  "result",
  "final_status",
  "paused_at_node",
  "total_cost_cents",
  "created_at",
  "started_at",
  "submitted_at",
  "completed_at",
  "expires_at",
  "redacted_at",
  "redacted_by",
] as const;

/**
 * The analytics rollups: counts and durations per workflow, version, hour span and node — no session, no
 * subject.
 */
function analyticsRollups(): Record<string, TablePolicy> {
  const all = (columns: string[]) => Object.fromEntries(columns.map((column) => [column, audit()]));
  const description =
    "An analytics rollup: counts or durations per workflow, version and period; no subject.";
  const span = ["workflow_id", "level", "period_start", "workflow_version"];
  return {
    analytics_run_deltas: {
      description,
      columns: all([
        "id",
        "workflow_id",
        "workflow_version",
        "hour",
        "status",
        "final_status",
        "bucket",
        "runs",
      ]),
    },
    analytics_run_rollups: { description, columns: all([...span, "status", "final_status", "runs"]) },
    analytics_run_histograms: { description, columns: all([...span, "total", "counts"]) },
    analytics_node_deltas: {
      description,
      columns: all([
        "id",
        "workflow_id",
        "workflow_version",
        "hour",
        "node_id",
        "node_type",
        "result",
        "bucket",
        "executions",
      ]),
    },
    analytics_node_rollups: {
      description,
      columns: all([...span, "node_id", "node_type", "result", "executions", "completed"]),
    },
    analytics_node_histograms: {
      description,
      columns: all([...span, "node_id", "node_type", "total", "counts"]),
    },
  };
}

/** The text that replaces personal text in `not null` columns. */
export const redactedText = "[redacted]";

/** Keys of run event data that are audit (ids, outcomes, routing), kept when an event is scrubbed. */
export const auditEventKeys = [
  "nodeId",
  "nodeType",
  "attempt",
  "result",
  "routedTo",
  "durationMs",
  "decision",
  "signal",
  "finalStatus",
  "workflowId",
  "workflowVersion",
  "nextAttemptAt",
  "fromNode",
  "sessionId",
  "status",
  "outcome",
] as const;

/** The columns every tenant table has (`id`, workspace, environment) as audit columns. */
const tenantColumns = {
  workspace_id: audit(),
  environment: audit(),
} as const;

/**
 * The data-protection policy of every table, by table name. Keys are the SQL names (snake_case).
 * Adding a table or a column to a migration means adding it here; `packages/db/test/personal-data.test.ts`
 * fails until it is.
 */
export const personalDataPolicy: Readonly<Record<string, TablePolicy>> = {
  organizations: {
    description: "A customer organization.",
    columns: { id: audit(), name: audit("the customer's name, not a data subject"), created_at: audit() },
  },
  workspaces: {
    description: "A workspace of an organization with its settings.",
    columns: {
      id: audit(),
      organization_id: audit(),
      name: audit(),
      settings: audit("configuration"),
      created_at: audit(),
    },
  },
  api_keys: {
    description: "An API key: its SHA-256 hash, never the key.",
    columns: {
      id: audit(),
      ...tenantColumns,
      name: audit(),
      key_hash: audit("hash"),
      prefix: audit(),
      scopes: audit(),
      expires_at: audit(),
      revoked_at: audit(),
      last_used_at: audit(),
      created_at: audit(),
      api_version: audit("the REST API version the key is pinned to"),
    },
  },
  workflows: {
    description: "A workflow definition (configuration, no subject data).",
    columns: {
      id: audit(),
      ...tenantColumns,
      name: audit(),
      description: audit(),
      metadata: audit("configuration"),
      status: audit(),
      is_default: audit(),
      current_version: audit(),
      rollout: audit(),
      created_at: audit(),
      updated_at: audit(),
    },
  },
  workflow_versions: {
    description: "An immutable workflow graph.",
    columns: {
      workflow_id: audit(),
      version: audit(),
      graph: audit("the rules a decision followed"),
      published_by: audit(),
      created_at: audit(),
    },
  },
  workflow_drafts: {
    description: "An editable workflow graph.",
    columns: {
      id: audit(),
      ...tenantColumns,
      workflow_id: audit(),
      status: audit(),
      base_version: audit(),
      source_version: audit(),
      graph: audit(),
      valid: audit(),
      issues: audit(),
      published_version: audit(),
      created_by: audit(),
      updated_by: audit(),
      published_by: audit(),
      created_at: audit(),
      updated_at: audit(),
      closed_at: audit(),
    },
  },
  workflow_payload_schemas: {
    description: "The JSON Schema of a workflow's trigger payload.",
    columns: {
      workflow_id: audit(),
      ...tenantColumns,
      schema: audit(),
      updated_by: audit(),
      updated_at: audit(),
    },
  },
  sessions: {
    description: "A verification session.",
    session: ["self"],
    columns: {
      id: audit(),
      ...tenantColumns,
      workflow_id: audit(),
      status: audit(),
      result: audit("the decision"),
      reference_id: nullIt("the customer's identifier of the person"),
      metadata: emptyObject("free-form data about the person"),
      sandbox: nullIt("simulated check outputs"),
      created_at: audit(),
      updated_at: audit(),
      submitted_at: audit(),
      completed_at: audit(),
      expires_at: audit(),
      redacted_at: audit(),
      redacted_by: audit(),
      redaction_reason: audit("why the data was removed"),
      tags: { class: "personal", redact: { kind: "emptyArray" }, note: "free-form labels the customer set" },
      invitee_email: nullIt("where invitations go"),
      identity_id: audit("the identity (entity) the session belongs to; the entity is its own subject"),
    },
  },
  runs: {
    description: "A workflow run of a session (or a task workflow run).",
    session: [{ column: "session_id", parent: "sessions" }],
    columns: {
      id: audit(),
      ...tenantColumns,
      session_id: audit(),
      workflow_id: audit(),
      workflow_version: audit(),
      status: audit(),
      final_status: audit("the decision"),
      graph_snapshot: audit("the rules the decision followed"),
      current_node: audit(),
      paused_at_node: audit(),
      pending_signal: scrub(["kind", "decision", "decidedBy"], "a decision's metadata"),
      decision_metadata: nullIt("metadata an external system sent with its decision"),
      trigger_payload: emptyObject("data the run was started with"),
      triggered_by: audit(),
      error_message: nullIt("may quote check output"),
      total_cost_cents: audit(),
      step_count: audit(),
      current_attempt: audit(),
      last_seq: audit(),
      node_started_seq: audit(),
      node_started_at: audit(),
      created_at: audit(),
      started_at: audit(),
      completed_at: audit(),
      superseded_at: audit(),
    },
  },
  node_runs: {
    description: "One node execution (a check and its attempts) of a run.",
    session: [{ column: "run_id", parent: "runs" }],
    columns: {
      id: audit(),
      run_id: audit(),
      step: audit(),
      workflow_node_id: audit(),
      node_type: audit(),
      status: audit(),
      task_id: audit(),
      input_data: nullIt("what the check read about the person"),
      output_data: scrub(["outcome", "result", "status", "score"], "check output: document and person data"),
      attempts: audit(),
      result: audit("the check's result"),
      routed_to: audit(),
      cost_cents: audit(),
      error: nullIt("may quote check output"),
      started_at: audit(),
      completed_at: audit(),
      created_at: audit(),
    },
  },
  run_events: {
    description: "A run's progress events; their data may copy outputs and errors.",
    session: [{ column: "run_id", parent: "runs" }],
    columns: {
      run_id: audit(),
      seq: audit(),
      type: audit(),
      data: scrub(auditEventKeys, "event payloads copy errors and outputs"),
      created_at: audit(),
    },
  },
  run_audit: {
    description: "Who did what to a run, and why (the decision trail).",
    session: [{ column: "run_id", parent: "runs" }],
    columns: {
      id: audit(),
      run_id: audit(),
      action: audit(),
      actor: audit("who decided"),
      reason: audit("why"),
      data: scrub(["decision", "sessionId", "workflowId", "fromNode"], "may copy decision metadata"),
      created_at: audit(),
    },
  },
  jobs: {
    description: "The engine's queue (timers and steps of runs and sessions).",
    session: [
      { column: "session_id", parent: "sessions" },
      { column: "run_id", parent: "runs" },
      { column: "webhook_delivery_id", parent: "webhook_deliveries" },
    ],
    columns: {
      id: audit(),
      kind: audit(),
      run_id: audit(),
      session_id: audit(),
      webhook_delivery_id: audit(),
      key: audit("idempotency key of a keyed job (ids only)"),
      payload: scrub(["sessionId", "runId", "nodeId"]),
      run_at: audit(),
      attempts: audit(),
      locked_by: audit(),
      locked_until: audit(),
      last_error: nullIt("may quote check output"),
      created_at: audit(),
    },
  },
  node_costs: {
    description: "The ledger of node costs.",
    columns: {
      id: audit(),
      ...tenantColumns,
      run_id: audit(),
      node_run_id: audit(),
      workflow_node_id: audit(),
      cost_cents: audit(),
      created_at: audit(),
    },
  },
  workspace_monthly_spend: {
    description: "A workspace's spending per month.",
    columns: { workspace_id: audit(), month: audit(), spent_cents: audit(), updated_at: audit() },
  },
  entities: {
    description: "A company or an individual (the identity of a DSAR).",
    identity: ["self"],
    columns: {
      id: audit(),
      ...tenantColumns,
      entity_type: audit(),
      legal_name: nullIt(),
      trading_name: nullIt(),
      first_name: nullIt(),
      last_name: nullIt(),
      email: nullIt(),
      phone: nullIt(),
      jurisdiction: nullIt(),
      created_at: audit(),
      updated_at: audit(),
    },
  },
  questionnaires: {
    description: "A DDQ template.",
    columns: {
      id: audit(),
      ...tenantColumns,
      name: audit(),
      description: audit(),
      current_version: audit(),
      created_at: audit(),
      updated_at: audit(),
    },
  },
  questionnaire_versions: {
    description: "An immutable DDQ definition.",
    columns: {
      questionnaire_id: audit(),
      version: audit(),
      definition: audit(),
      created_by: audit(),
      created_at: audit(),
    },
  },
  responses: {
    description: "An entity's answers to a questionnaire.",
    identity: [{ column: "entity_id", parent: "entities" }],
    columns: {
      id: audit(),
      ...tenantColumns,
      name: text(redactedText, "usually names the entity"),
      entity_id: audit(),
      questionnaire_id: audit(),
      questionnaire_version: audit(),
      status: audit(),
      answers: emptyObject("DDQ answers"),
      answer_sources: emptyObject(),
      ai_analysis: nullIt(),
      pending_verification: nullIt(),
      workflow_session_id: audit(),
      run_id: audit(),
      created_by: audit(),
      created_at: audit(),
      updated_at: audit(),
      sent_at: audit(),
      submitted_at: audit(),
    },
  },
  response_events: {
    description: "A status change or autofill of a response.",
    identity: [{ column: "response_id", parent: "responses" }],
    columns: {
      id: audit(),
      response_id: audit(),
      type: audit(),
      from_status: audit(),
      to_status: audit(),
      actor: audit("who decided"),
      data: scrub(["status", "decision"], "may copy answers"),
      created_at: audit(),
    },
  },
  workflow_sessions: {
    description: "A send to a recipient with its magic link (hashed) — a verification link of a session.",
    session: [{ column: "verification_session_id", parent: "sessions" }],
    identity: [{ column: "entity_id", parent: "entities" }],
    columns: {
      id: audit(),
      ...tenantColumns,
      entity_id: audit(),
      response_id: audit(),
      verification_session_id: audit(),
      email: text(redactedText, "the recipient's address"),
      token_hash: audit("hash"),
      steps: audit(),
      expires_at: audit(),
      revoked_at: audit(),
      email_sent_at: audit(),
      completed_at: audit(),
      created_by: audit(),
      created_at: audit(),
    },
  },
  email_outbox: {
    description: "An email kept instead of sent (the embedded sender).",
    session: [{ column: "workflow_session_id", parent: "workflow_sessions" }],
    identity: [{ column: "workflow_session_id", parent: "workflow_sessions" }],
    columns: {
      id: audit(),
      ...tenantColumns,
      workflow_session_id: audit(),
      to_address: text(redactedText),
      subject: text(redactedText, "names the recipient"),
      text_body: text(redactedText),
      html_body: text(redactedText),
      link_url: nullIt(),
      created_at: audit(),
    },
  },
  credit_accounts: {
    description: "A workspace's credit balance.",
    columns: { ...tenantColumns, balance: audit(), reserved: audit(), updated_at: audit() },
  },
  credit_ledger: {
    description: "The append-only credit ledger.",
    columns: {
      id: audit(),
      ...tenantColumns,
      kind: audit(),
      amount: audit(),
      balance_after: audit(),
      action: audit(),
      idempotency_key: audit(),
      reference_id: audit(),
      note: audit("an operator's note about credits"),
      actor: audit(),
      created_at: audit(),
    },
  },
  credit_reservations: {
    description: "Credits held for a send in flight.",
    columns: {
      id: audit(),
      ...tenantColumns,
      amount: audit(),
      idempotency_key: audit(),
      status: audit(),
      reference_id: audit(),
      ledger_entry_id: audit(),
      created_at: audit(),
      resolved_at: audit(),
      expires_at: audit(),
    },
  },
  session_audit: {
    description: "Who changed a session (update, tags, expiry, resume, reprocess, links, uploads), and why.",
    session: [{ column: "session_id", parent: "sessions" }],
    columns: {
      id: audit(),
      session_id: audit(),
      action: audit(),
      actor: audit("who did it"),
      reason: audit("why"),
      data: scrub(
        [
          "status",
          "fromStatus",
          "toStatus",
          "runId",
          "linkId",
          "documentId",
          "checkId",
          "explicit",
          "action",
        ],
        "may copy metadata, tags, addresses and file names",
      ),
      created_at: audit(),
    },
  },
  session_checks: {
    description: "A verification check of a session's run (one per policy node).",
    session: [{ column: "session_id", parent: "sessions" }],
    columns: {
      id: audit(),
      ...tenantColumns,
      session_id: audit(),
      run_id: audit(),
      node_id: audit(),
      policy: audit(),
      status: audit(),
      result: audit("the check's result"),
      output: scrub(["outcome", "result", "status", "score"], "check output: document and person data"),
      error: nullIt("may quote check output"),
      created_at: audit(),
      updated_at: audit(),
    },
  },
  session_check_attempts: {
    description: "One execution of a check.",
    session: [{ column: "check_id", parent: "session_checks" }],
    columns: {
      id: audit(),
      check_id: audit(),
      number: audit(),
      started_seq: audit(),
      started_at: audit(),
      completed_at: audit(),
      outcome: audit(),
      error: nullIt("may quote the provider's answer"),
      provider_reference: audit("the provider's id of the check, to trace it there"),
      output: scrub(
        ["outcome", "result", "status", "score"],
        "the attempt's output: document and person data",
      ),
    },
  },
  verification_links: {
    description: "A one-time link to a session's capture page (the token's hash only).",
    session: [{ column: "session_id", parent: "sessions" }],
    columns: {
      id: audit(),
      ...tenantColumns,
      session_id: audit(),
      token_hash: audit("hash"),
      max_uses: audit(),
      uses: audit(),
      expires_at: audit(),
      revoked_at: audit("a redaction revokes the session's links"),
      last_used_at: audit(),
      sent_to: nullIt("the address the link was emailed to"),
      created_by: audit(),
      created_at: audit(),
    },
  },
  session_documents: {
    description: "A file the person uploaded on the capture page (passport, selfie, proof of address).",
    session: [{ column: "session_id", parent: "sessions" }],
    redaction: "deleteRow",
    columns: {
      id: audit(),
      ...tenantColumns,
      session_id: audit(),
      step: audit(),
      kind: audit(),
      file_name: nullIt("the person's file name"),
      content_type: audit(),
      size_bytes: audit(),
      sha256: audit("hash"),
      content: file("file_name", "the uploaded document"),
      uploaded_via: audit(),
      created_at: audit(),
    },
  },
  session_risk_assessments: {
    description: "A session run's risk score, level and the signals (rule codes) behind it.",
    session: [{ column: "session_id", parent: "sessions" }],
    columns: {
      id: audit(),
      ...tenantColumns,
      session_id: audit(),
      run_id: audit(),
      rules_version: audit(),
      score: audit("part of the decision"),
      level: audit("part of the decision"),
      signals: audit("rule codes, weights and check ids: why the score, no check output"),
      created_at: audit(),
    },
  },
  entity_documents: {
    description: "A document uploaded for an entity (autofill), with its text extracted page by page.",
    identity: [{ column: "entity_id", parent: "entities" }],
    redaction: "deleteRow",
    columns: {
      id: audit(),
      ...tenantColumns,
      entity_id: audit(),
      filename: nullIt("the uploaded file's name"),
      content_type: audit(),
      size_bytes: audit(),
      sha256: audit("hash"),
      page_count: audit(),
      content: file("filename", "the uploaded document"),
      text_pages: emptyArrayJson("the document's text"),
      uploaded_by: audit(),
      created_at: audit(),
    },
  },
  webhook_endpoints: {
    description: "A customer's webhook receiver (configuration, its secrets encrypted).",
    columns: {
      id: audit(),
      ...tenantColumns,
      url: audit("configuration"),
      description: audit(),
      events: audit(),
      status: audit(),
      disabled_reason: audit(),
      disabled_at: audit(),
      consecutive_failures: audit(),
      secret_encrypted: audit("encrypted secret, no subject data"),
      previous_secret_encrypted: audit("encrypted secret, no subject data"),
      previous_secret_expires_at: audit(),
      created_at: audit(),
      updated_at: audit(),
    },
  },
  webhook_events: {
    description: "The webhook outbox: one event and the JSON body every delivery of it sends.",
    session: [{ column: "session_id", parent: "sessions" }],
    columns: {
      id: audit(),
      ...tenantColumns,
      type: audit(),
      session_id: audit(),
      payload: scrubText(
        webhookEnvelopeKeys,
        { data: webhookAuditDataKeys },
        "the delivery body copies the session",
      ),
      created_at: audit(),
    },
  },
  webhook_deliveries: {
    description: "One event sent to one endpoint, with its status (the body is its event's payload).",
    session: [{ column: "session_id", parent: "sessions" }],
    columns: {
      id: audit(),
      ...tenantColumns,
      endpoint_id: audit(),
      event_id: audit(),
      event_type: audit(),
      session_id: audit(),
      status: audit(),
      attempt_count: audit(),
      next_attempt_at: audit(),
      last_status_code: audit(),
      delivered_at: audit(),
      created_at: audit(),
      updated_at: audit(),
    },
  },
  webhook_attempts: {
    description: "One HTTP attempt of a delivery and the receiver's answer.",
    session: [{ column: "delivery_id", parent: "webhook_deliveries" }],
    columns: {
      delivery_id: audit(),
      attempt: audit(),
      started_at: audit(),
      duration_ms: audit(),
      status_code: audit(),
      response_body: nullIt("the receiver's answer may echo the body"),
      error: nullIt("may quote the receiver's answer"),
      next_attempt_at: audit(),
    },
  },
  idempotency_keys: {
    description: "An Idempotency-Key of the last 24 h and the response replayed for it.",
    session: [{ mentions: "response_body" }],
    columns: {
      ...tenantColumns,
      key: audit("the client's key"),
      request_hash: audit("hash"),
      state: audit(),
      response_status: audit(),
      response_body: scrubText([], {}, "a stored response (a session, its metadata) replayed to retries"),
      created_at: audit(),
      expires_at: audit(),
    },
  },
  rate_limit_buckets: {
    description: "Token buckets of the rate limits, per API key or client address.",
    columns: {
      bucket: audit("a key id or client address; not linked to a data subject, kept minutes"),
      tokens: audit(),
      allowed: audit(),
      updated_at: audit(),
    },
  },
  ...analyticsRollups(),
  legal_holds: {
    description: "A legal hold on a session: it may not be redacted or deleted while active.",
    session: [{ column: "session_id", parent: "sessions" }],
    columns: {
      id: audit(),
      ...tenantColumns,
      session_id: audit(),
      reason: audit("why the data must be kept"),
      created_by: audit(),
      created_at: audit(),
      released_at: audit(),
      released_by: audit(),
      release_reason: audit(),
    },
  },
  email_sends: {
    description: "A recipient email as a durable job: reserve credits, send, settle (one row per send).",
    session: [{ column: "verification_session_id", parent: "sessions" }],
    identity: [{ column: "entity_id", parent: "entities" }],
    columns: {
      id: audit("also the SMTP Message-ID"),
      ...tenantColumns,
      kind: audit(),
      status: audit(),
      workflow_session_id: audit(),
      entity_id: audit(),
      response_id: audit(),
      verification_session_id: audit(),
      message_id: audit(),
      sealed_token: nullIt("the encrypted magic-link token while the send is pending"),
      reservation_key: audit(),
      revert: emptyObject("statuses to restore if the send fails (ids and statuses)"),
      actor: audit("who sent"),
      credits_charged: audit(),
      failure: nullIt("the transport's error may quote the address"),
      attempts: audit(),
      created_at: audit(),
      sent_at: audit(),
      finished_at: audit(),
    },
  },
  workspace_hourly_emails: {
    description: "Emails a workspace sent per UTC hour (the hourly cap's counter).",
    columns: { workspace_id: audit(), hour: audit(), emails: audit() },
  },
  autofill_jobs: {
    description: "An autofill of a questionnaire response from its entity and the entity's documents.",
    identity: [{ column: "response_id", parent: "responses" }],
    columns: {
      id: audit(),
      ...tenantColumns,
      response_id: audit(),
      status: audit(),
      provider: audit(),
      deterministic: audit(),
      requested_by: audit("who asked"),
      filled: emptyArrayJson("the answers filled and the passages they came from"),
      error: nullIt("a provider's error may quote a document"),
      attempts: audit(),
      response_event_id: audit(),
      created_at: audit(),
      started_at: audit(),
      finished_at: audit(),
    },
  },
  workflow_schedules: {
    description: "A cron schedule that starts runs of a workspace workflow (operator configuration).",
    columns: {
      id: audit(),
      ...tenantColumns,
      workflow_id: audit(),
      cron: audit(),
      timezone: audit(),
      payload: audit("the operator's task payload for every fire; not linked to a verification subject"),
      catch_up: audit(),
      status: audit(),
      next_fire_at: audit(),
      last_fired_at: audit(),
      last_run_id: audit(),
      last_error: audit("why a fire started no run (schema or workflow state)"),
      created_by: audit(),
      created_at: audit(),
      updated_at: audit(),
    },
  },
  schedule_fires: {
    description: "Each fire time of a schedule, once (the exactly-once key).",
    columns: {
      schedule_id: audit(),
      fire_at: audit(),
      run_id: audit(),
      missed: audit(),
      error: audit(),
      created_at: audit(),
    },
  },
  inbound_triggers: {
    description: "An inbound trigger URL of a workspace workflow (its secret encrypted or hashed).",
    columns: {
      id: audit(),
      ...tenantColumns,
      workflow_id: audit(),
      token: audit("the URL's routing token (the credential is the secret)"),
      auth: audit(),
      secret_encrypted: audit("encrypted secret, no subject data"),
      token_hash: audit("hash"),
      status: audit(),
      last_triggered_at: audit(),
      revoked_at: audit(),
      created_by: audit(),
      created_at: audit(),
      updated_at: audit(),
    },
  },
  inbound_trigger_messages: {
    description: "The `webhook-id`s an inbound trigger accepted (retries start one run).",
    columns: { trigger_id: audit(), message_id: audit(), run_id: audit(), created_at: audit() },
  },
  access_log: {
    description: "Append-only log of reads of personal data: who, which record and fields, when.",
    session: [{ column: "session_id", parent: "sessions" }],
    columns: {
      id: audit(),
      ...tenantColumns,
      key_id: audit("who read"),
      record_type: audit(),
      record_id: audit(),
      session_id: audit("the session the record belongs to"),
      fields: audit("names of the fields read, never their values"),
      channel: audit(),
      created_at: audit(),
    },
  },
  bulk_operations: {
    description: "A durable bulk job (bulk redaction) with its progress.",
    columns: {
      id: audit(),
      ...tenantColumns,
      kind: audit(),
      status: audit(),
      reason: audit(),
      filter: audit("which sessions: statuses and dates, no personal data"),
      total: audit(),
      processed: audit(),
      succeeded: audit(),
      skipped: audit(),
      failed: audit(),
      created_by: audit(),
      created_at: audit(),
      started_at: audit(),
      completed_at: audit(),
    },
  },
  bulk_operation_items: {
    description: "One session of a bulk job and what happened to it.",
    columns: {
      operation_id: audit(),
      position: audit(),
      session_id: audit(),
      status: audit(),
      error: audit("the typed error's message (ids and hold reasons)"),
      done_at: audit(),
    },
  },
  data_exports: {
    description: "A DSAR export: who asked for which subject, and when it was downloaded.",
    columns: {
      id: audit(),
      ...tenantColumns,
      subject_type: audit(),
      subject_id: audit(),
      requested_by: audit(),
      created_at: audit(),
      expires_at: audit(),
      downloaded_at: audit(),
      download_count: audit(),
    },
  },
  retention_policies: {
    description: "Retention settings of a workspace and environment.",
    columns: {
      ...tenantColumns,
      redact_after_days: audit(),
      delete_abandoned_after_days: audit(),
      updated_by: audit(),
      updated_at: audit(),
    },
  },
};

/** A column of a table, as `table.column`. */
export type QualifiedColumn = `${string}.${string}`;

/**
 * The personal columns of `table` with how each is redacted (empty for a table without personal data).
 *
 * @param table - SQL table name.
 * @throws Error when the table is not in {@link personalDataPolicy} (every table must be).
 */
export function personalColumns(
  table: string,
): { column: string; redact: Redaction; file?: { nameColumn: string } | undefined }[] {
  const policy = personalDataPolicy[table];
  if (!policy) throw new Error(`Table ${table} has no data-protection policy in personalDataPolicy`);
  return Object.entries(policy.columns).flatMap(([column, cls]) =>
    cls.class === "personal" ? [{ column, redact: cls.redact, file: cls.file }] : [],
  );
}

/**
 * The tables holding a subject's data, parents before children (a table's link parents come first), so a
 * query for a child can select through its parents.
 *
 * @param subject - `session` or `identity`.
 */
export function subjectTables(subject: "session" | "identity"): string[] {
  const linked = Object.entries(personalDataPolicy).filter(([, policy]) => policy[subject]);
  const order: string[] = [];
  const visit = (table: string, path: string[]) => {
    if (order.includes(table)) return;
    if (path.includes(table)) throw new Error(`Subject links form a cycle: ${[...path, table].join(" → ")}`);
    for (const link of personalDataPolicy[table]?.[subject] ?? []) {
      if (link !== "self" && "parent" in link && link.parent !== table) visit(link.parent, [...path, table]);
    }
    order.push(table);
  };
  for (const [table] of linked) visit(table, []);
  return order;
}

/**
 * Checks the definition against a database's columns: every column is classified and every classified
 * column exists. Returns one message per problem (empty when they match).
 *
 * @param columns - Every `table.column` of the migrated schema.
 */
export function checkPersonalDataPolicy(columns: readonly QualifiedColumn[]): string[] {
  const problems: string[] = [];
  const live = new Set(columns);
  for (const qualified of columns) {
    const [table, column] = qualified.split(".") as [string, string];
    const policy = personalDataPolicy[table];
    if (!policy) problems.push(`table ${table} is not classified (column ${column})`);
    else if (!policy.columns[column]) problems.push(`column ${qualified} is not classified`);
  }
  for (const [table, policy] of Object.entries(personalDataPolicy)) {
    for (const column of Object.keys(policy.columns)) {
      if (!live.has(`${table}.${column}`))
        problems.push(`classified column ${table}.${column} does not exist`);
    }
    for (const subject of ["session", "identity"] as const) {
      for (const link of policy[subject] ?? []) {
        if (link === "self") continue;
        if ("mentions" in link) {
          if (!policy.columns[link.mentions])
            problems.push(`${table}: mention column ${link.mentions} is not a column`);
          continue;
        }
        if (!policy.columns[link.column])
          problems.push(`${table}: link column ${link.column} is not a column`);
        if (!personalDataPolicy[link.parent]?.[subject]) {
          problems.push(`${table}: link parent ${link.parent} holds no ${subject} data`);
        }
      }
    }
  }
  return problems;
}
