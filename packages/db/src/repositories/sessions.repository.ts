import {
  idLowerBound,
  type RiskAssessmentResult,
  type Session,
  type SessionAuditEntry,
  type SessionResult,
  type SessionStatus,
  type Tenant,
  type Workflow,
} from "@flowgate/domain";
import { type QueryCreator, type Selectable, type SqlBool, sql } from "kysely";
import type { Database, Executor } from "../database.ts";
import type { SessionAuditTable, SessionsTable } from "../tables/sessions.table.ts";
import type { PageRequest } from "./pagination.ts";
import { riskAssessmentUpsert } from "./session-checks.repository.ts";
import { inTenant } from "./tenant-filter.ts";
import { enabledWebhookEndpointOf } from "./webhooks.repository.ts";
import { workflowFromJson } from "./workflows.repository.ts";

/** Inserts a session in status `created`. */
export async function insertSession(
  db: Executor,
  tenant: Tenant,
  row: {
    id: string;
    workflowId: string | null;
    referenceId: string | null;
    metadata: Record<string, unknown>;
    sandbox: Record<string, unknown> | null;
    expiresAt?: Date | null;
    tags?: string[];
    inviteeEmail?: string | null;
    identityId?: string | null;
  },
): Promise<Session> {
  const inserted = await db
    .insertInto("sessions")
    .values({
      id: row.id,
      workspace_id: tenant.workspaceId,
      environment: tenant.environment,
      workflow_id: row.workflowId,
      status: "created",
      reference_id: row.referenceId,
      metadata: JSON.stringify(row.metadata),
      sandbox: row.sandbox ? JSON.stringify(row.sandbox) : null,
      expires_at: row.expiresAt ?? null,
      tags: row.tags ?? [],
      invitee_email: row.inviteeEmail ?? null,
      identity_id: row.identityId ?? null,
    })
    .returningAll()
    .executeTakeFirstOrThrow();
  return toSession(inserted);
}

/**
 * Finds a session of the tenant; another tenant's session is `undefined`.
 * With `forUpdate` the row stays locked until the transaction ends.
 */
export async function findSession(
  db: Executor,
  tenant: Tenant,
  id: string,
  options: { forUpdate?: boolean } = {},
): Promise<Session | undefined> {
  let query = db.selectFrom("sessions").selectAll().where("id", "=", id).where(inTenant(tenant));
  if (options.forUpdate) query = query.forUpdate();
  const row = await query.executeTakeFirst();
  return row ? toSession(row) : undefined;
}

/**
 * Locks a session of the tenant (as {@link findSession} with `forUpdate`) and reads, in the same statement,
 * the workflow it would run: its own, or the tenant's default when it has none (`workflow` is `undefined`
 * when there is no such workflow). `undefined` when the session is not the tenant's.
 */
export async function lockSessionWithWorkflow(
  db: Executor,
  tenant: Tenant,
  id: string,
): Promise<
  { session: Session; workflow: Workflow | undefined; hasEnabledWebhookEndpoint: boolean } | undefined
> {
  const row = await db
    .selectFrom("sessions")
    .selectAll("sessions")
    .select(enabledWebhookEndpointOf("sessions").as("has_enabled_webhook_endpoint"))
    .select((eb) =>
      eb
        .selectFrom("workflows")
        .select(sql<Parameters<typeof workflowFromJson>[0]>`to_jsonb(workflows.*)`.as("workflow"))
        .where("workflows.workspace_id", "=", tenant.workspaceId)
        .where("workflows.environment", "=", tenant.environment)
        // By primary key: the session's workflow, else the tenant's one default.
        .where(
          "workflows.id",
          "=",
          sql<string>`coalesce(${sql.ref("sessions.workflow_id")}, (select id from workflows where ${inTenant(tenant)} and is_default))`,
        )
        .as("workflow"),
    )
    .where("sessions.id", "=", id)
    .where("sessions.workspace_id", "=", tenant.workspaceId)
    .where("sessions.environment", "=", tenant.environment)
    .forUpdate("sessions")
    .executeTakeFirst();
  if (!row) return undefined;
  const { workflow, has_enabled_webhook_endpoint, ...session } = row;
  return {
    session: toSession(session),
    workflow: workflow ? workflowFromJson(workflow) : undefined,
    hasEnabledWebhookEndpoint: has_enabled_webhook_endpoint,
  };
}

/** Finds a session by id in any tenant (engine internals that already hold its id, e.g. webhooks). */
export async function findSessionById(db: Executor, id: string): Promise<Session | undefined> {
  const row = await db.selectFrom("sessions").selectAll().where("id", "=", id).executeTakeFirst();
  return row ? toSession(row) : undefined;
}

/**
 * The newest open session (not completed, failed or expired) of the tenant with this reference id, if any.
 * Takes a transaction-scoped advisory lock on (tenant, reference id) first, so that concurrent creations
 * with one reference id queue and the second finds the first's session.
 */
export async function findOpenSessionByReferenceId(
  db: Executor,
  tenant: Tenant,
  referenceId: string,
): Promise<Session | undefined> {
  await sql`select pg_advisory_xact_lock(hashtext(${`session-ref:${tenant.workspaceId}:${tenant.environment}:${referenceId}`}))`.execute(
    db,
  );
  const row = await db
    .selectFrom("sessions")
    .selectAll()
    .where(inTenant(tenant))
    .where("reference_id", "=", referenceId)
    .where("status", "not in", ["completed", "failed", "expired"])
    .orderBy("created_at", "desc")
    .limit(1)
    .executeTakeFirst();
  return row ? toSession(row) : undefined;
}

/** Finds sessions of the tenant by id, in any order (for DataLoaders); with `forUpdate`, locked in id order. */
export async function findSessionsByIds(
  db: Executor,
  tenant: Tenant,
  ids: readonly string[],
  options: { forUpdate?: boolean } = {},
): Promise<Session[]> {
  if (ids.length === 0) return [];
  let query = db.selectFrom("sessions").selectAll().where("id", "in", ids).where(inTenant(tenant));
  if (options.forUpdate) query = query.orderBy("id").forUpdate();
  const rows = await query.execute();
  return rows.map(toSession);
}

/** A change of a session's status (and result/timestamps), as {@link updateSessionStatus} writes it. */
export interface SessionStatusChange {
  status: SessionStatus;
  expiresAt?: Date | null;
  result?: SessionResult | null;
  workflowId?: string;
  submittedAt?: Date;
  completedAt?: Date | null;
}

function sessionStatusChangeSet(change: SessionStatusChange) {
  return {
    status: change.status,
    updated_at: new Date(),
    ...(change.result !== undefined ? { result: change.result } : {}),
    ...(change.workflowId !== undefined ? { workflow_id: change.workflowId } : {}),
    ...(change.submittedAt !== undefined ? { submitted_at: change.submittedAt } : {}),
    ...(change.completedAt !== undefined ? { completed_at: change.completedAt } : {}),
    ...(change.expiresAt !== undefined ? { expires_at: change.expiresAt } : {}),
  };
}

/** Changes a session's status (and result/timestamps); the caller has checked the transition. */
export async function updateSessionStatus(
  db: Executor,
  id: string,
  change: SessionStatusChange,
): Promise<void> {
  await db.updateTable("sessions").set(sessionStatusChangeSet(change)).where("id", "=", id).execute();
}

/**
 * {@link updateSessionStatus} that returns the session as the update left it (`undefined` when there is
 * no such session), and whether its tenant has an enabled webhook endpoint, in the same statement: for
 * callers that go on with the changed session (its webhook event).
 */
export async function updateSessionStatusReturning(
  db: Executor,
  id: string,
  change: SessionStatusChange,
): Promise<{ session: Session; hasEnabledWebhookEndpoint: boolean } | undefined> {
  return toUpdatedSession(await sessionStatusUpdate(db, id, change).executeTakeFirst());
}

/**
 * {@link updateSessionStatusReturning} that also stores the risk assessment of the session's run for its
 * rules version (replacing one made earlier for the same run and version), in the same statement: for a
 * run that ends. The assessment is stored whether or not the session exists.
 */
export async function updateSessionStatusStoringRisk(
  db: Executor,
  id: string,
  change: SessionStatusChange,
  risk: { run: Tenant & { id: string; sessionId: string }; assessment: RiskAssessmentResult },
): Promise<{ session: Session; hasEnabledWebhookEndpoint: boolean } | undefined> {
  const withRisk = db.with("risk", (qc) =>
    riskAssessmentUpsert(qc, risk.run, risk.assessment).returning("id"),
  );
  return toUpdatedSession(await sessionStatusUpdate(withRisk, id, change).executeTakeFirst());
}

/** The update of {@link updateSessionStatusReturning}, built on `db` or on a query creator with CTEs. */
function sessionStatusUpdate<DB extends Database>(
  db: QueryCreator<DB>,
  id: string,
  change: SessionStatusChange,
) {
  return (db as unknown as QueryCreator<Database>)
    .updateTable("sessions")
    .set(sessionStatusChangeSet(change))
    .where("id", "=", id)
    .returningAll()
    .returning(enabledWebhookEndpointOf("sessions").as("has_enabled_webhook_endpoint"));
}

function toUpdatedSession(
  row: (Selectable<SessionsTable> & { has_enabled_webhook_endpoint: boolean }) | undefined,
): { session: Session; hasEnabledWebhookEndpoint: boolean } | undefined {
  if (!row) return undefined;
  const { has_enabled_webhook_endpoint, ...session } = row;
  return { session: toSession(session), hasEnabledWebhookEndpoint: has_enabled_webhook_endpoint };
}

/** Filters of {@link listSessions}. */
export interface SessionFilter {
  status?: SessionStatus | undefined;
  /** Only sessions of this identity (entity id). */
  identityId?: string | undefined;
  /** Only sessions carrying this tag (served by the GIN index on `tags`). */
  tag?: string | undefined;
  /** Created at or after this instant (an id bound: session ids are time-ordered). */
  createdFrom?: Date | undefined;
  /** Created before this instant (an id bound). */
  createdTo?: Date | undefined;
}

/**
 * A page of the tenant's sessions, newest first (keyset on the time-ordered id, `sessions_workspace_page`);
 * `createdFrom`/`createdTo` become id bounds, so a date range costs the same as any page.
 */
export async function listSessions(
  db: Executor,
  tenant: Tenant,
  page: PageRequest & SessionFilter,
): Promise<Session[]> {
  let query = db.selectFrom("sessions").selectAll().where(inTenant(tenant));
  if (page.status) query = query.where("status", "=", page.status);
  if (page.identityId) query = query.where("identity_id", "=", page.identityId);
  if (page.tag) query = query.where(sql<SqlBool>`tags @> array[${page.tag}]::text[]`);
  if (page.createdFrom) query = query.where("id", ">=", idLowerBound("ses", page.createdFrom));
  if (page.createdTo) query = query.where("id", "<", idLowerBound("ses", page.createdTo));
  if (page.afterId) query = query.where("id", "<", page.afterId);
  if (page.beforeId) query = query.where("id", ">", page.beforeId);
  const rows = await query
    .orderBy("id", page.beforeId ? "asc" : "desc")
    .limit(page.limit)
    .execute();
  return rows.map(toSession);
}

/** The fields of a session that `updateSession` and the tag operations change. */
export interface SessionDetailsChange {
  referenceId?: string | null;
  metadata?: Record<string, unknown>;
  tags?: string[];
  expiresAt?: Date | null;
  inviteeEmail?: string | null;
  sandbox?: Record<string, unknown> | null;
}

/** Changes a session's details (reference, metadata, tags, expiry) and returns it. */
export async function updateSessionDetails(
  db: Executor,
  id: string,
  change: SessionDetailsChange,
): Promise<Session> {
  const row = await db
    .updateTable("sessions")
    .set({
      updated_at: new Date(),
      ...(change.referenceId !== undefined ? { reference_id: change.referenceId } : {}),
      ...(change.metadata !== undefined ? { metadata: JSON.stringify(change.metadata) } : {}),
      ...(change.tags !== undefined ? { tags: change.tags } : {}),
      ...(change.expiresAt !== undefined ? { expires_at: change.expiresAt } : {}),
      ...(change.inviteeEmail !== undefined ? { invitee_email: change.inviteeEmail } : {}),
      ...(change.sandbox !== undefined
        ? { sandbox: change.sandbox ? JSON.stringify(change.sandbox) : null }
        : {}),
    })
    .where("id", "=", id)
    .returningAll()
    .executeTakeFirstOrThrow();
  return toSession(row);
}

/**
 * Adds a tag to a session unless it is there already, in one statement (concurrent adds keep both).
 * Returns the session, or `undefined` when it would exceed `maxTags`.
 */
export async function addSessionTagRow(
  db: Executor,
  id: string,
  tag: string,
  maxTags: number,
): Promise<Session | undefined> {
  const row = await db
    .updateTable("sessions")
    .set({
      tags: sql<string[]>`case when ${tag} = any(tags) then tags else array_append(tags, ${tag}) end`,
      updated_at: new Date(),
    })
    .where("id", "=", id)
    .where(sql<SqlBool>`(${tag} = any(tags) or cardinality(tags) < ${maxTags})`)
    .returningAll()
    .executeTakeFirst();
  return row ? toSession(row) : undefined;
}

/** Removes a tag from a session (nothing happens when it is absent) and returns the session. */
export async function removeSessionTagRow(db: Executor, id: string, tag: string): Promise<Session> {
  const row = await db
    .updateTable("sessions")
    .set({ tags: sql<string[]>`array_remove(tags, ${tag})`, updated_at: new Date() })
    .where("id", "=", id)
    .returningAll()
    .executeTakeFirstOrThrow();
  return toSession(row);
}

/** Appends an entry to a session's audit trail. */
export async function insertSessionAudit(
  db: Executor,
  entry: Omit<SessionAuditEntry, "createdAt">,
): Promise<void> {
  await db
    .insertInto("session_audit")
    .values({
      id: entry.id,
      session_id: entry.sessionId,
      action: entry.action,
      actor: entry.actor,
      reason: entry.reason,
      data: JSON.stringify(entry.data),
    })
    .execute();
}

/** The audit trails of these sessions, oldest first within each. */
export async function listSessionAudit(
  db: Executor,
  sessionIds: readonly string[],
): Promise<SessionAuditEntry[]> {
  if (sessionIds.length === 0) return [];
  const rows = await db
    .selectFrom("session_audit")
    .selectAll()
    .where("session_id", "in", sessionIds)
    .orderBy("created_at")
    .orderBy("id")
    .execute();
  return rows.map(toSessionAuditEntry);
}

function toSessionAuditEntry(row: Selectable<SessionAuditTable>): SessionAuditEntry {
  return {
    id: row.id,
    sessionId: row.session_id,
    action: row.action,
    actor: row.actor,
    reason: row.reason,
    data: row.data,
    createdAt: row.created_at,
  };
}

/**
 * The status of each of these sessions. Engine-internal, without a tenant: event buses use it to
 * re-announce live sessions' statuses after their connection came back.
 */
export async function listSessionStatuses(
  db: Executor,
  ids: readonly string[],
): Promise<Pick<Session, "id" | "status" | "result" | "updatedAt">[]> {
  if (ids.length === 0) return [];
  const rows = await db
    .selectFrom("sessions")
    .select(["id", "status", "result", "updated_at"])
    .where("id", "in", ids)
    .execute();
  return rows.map((row) => ({
    id: row.id,
    status: row.status as SessionStatus,
    result: row.result as SessionResult | null,
    updatedAt: row.updated_at,
  }));
}

/** A session as `to_jsonb(sessions.*)` gives it (timestamps as strings), from a statement that returns it beside other rows. */
export function sessionFromJson(json: Record<string, unknown>): Session {
  const row = json as unknown as Selectable<SessionsTable>;
  const date = (value: unknown) => (typeof value === "string" ? new Date(value) : null);
  return toSession({
    ...row,
    created_at: new Date(json.created_at as string),
    updated_at: new Date(json.updated_at as string),
    submitted_at: date(json.submitted_at),
    completed_at: date(json.completed_at),
    expires_at: date(json.expires_at),
    redacted_at: date(json.redacted_at),
  });
}

function toSession(row: Selectable<SessionsTable>): Session {
  return {
    id: row.id,
    workspaceId: row.workspace_id,
    environment: row.environment,
    workflowId: row.workflow_id,
    status: row.status as SessionStatus,
    result: row.result as SessionResult | null,
    referenceId: row.reference_id,
    metadata: row.metadata,
    sandbox: row.sandbox,
    createdAt: row.created_at,
    updatedAt: row.updated_at,
    submittedAt: row.submitted_at,
    completedAt: row.completed_at,
    expiresAt: row.expires_at,
    tags: row.tags ?? [],
    inviteeEmail: row.invitee_email,
    identityId: row.identity_id,
    redaction:
      row.redacted_at && row.redacted_by
        ? { at: row.redacted_at, by: row.redacted_by, reason: row.redaction_reason ?? "" }
        : null,
  };
}

/** Open statuses: a session in one of them still counts against "one open session per identity and reference". */
const openStatuses = ["created", "in_progress", "submitted", "processing", "awaiting_external"] as const;

/** An open session of the identity with the same reference (null matches null), if any. */
export async function findOpenSessionOfIdentity(
  db: Executor,
  tenant: Tenant,
  identityId: string,
  referenceId: string | null,
): Promise<Session | undefined> {
  let query = db
    .selectFrom("sessions")
    .selectAll()
    .where(inTenant(tenant))
    .where("identity_id", "=", identityId)
    .where("status", "in", openStatuses);
  query =
    referenceId === null
      ? query.where("reference_id", "is", null)
      : query.where("reference_id", "=", referenceId);
  const row = await query.orderBy("id", "desc").executeTakeFirst();
  return row ? toSession(row) : undefined;
}

/** The ids of every session of the identity (an `individual` entity) in the tenant, oldest first. */
export async function findSessionIdsOfIdentity(
  db: Executor,
  tenant: Tenant,
  identityId: string,
): Promise<string[]> {
  const rows = await db
    .selectFrom("sessions")
    .select("id")
    .where(inTenant(tenant))
    .where("identity_id", "=", identityId)
    .orderBy("id")
    .execute();
  return rows.map((row) => row.id);
}
