import type {
  AnswerSources,
  Answers,
  DdqResponse,
  ResponseEvent,
  ResponseEventType,
  ResponseStatus,
  Tenant,
  VerificationChecks,
} from "@flowgate/domain";
import type { Selectable, Updateable } from "kysely";
import type { Executor } from "../database.ts";
import type { ResponseEventsTable, ResponsesTable } from "../tables/responses.table.ts";
import type { PageRequest } from "./pagination.ts";
import { inTenant } from "./tenant-filter.ts";

/** A response to insert. */
export interface NewResponse {
  id: string;
  name: string;
  entityId: string;
  questionnaireId: string;
  questionnaireVersion: number;
  status: ResponseStatus;
  pendingVerification: VerificationChecks | null;
  runId: string | null;
  createdBy: string | null;
}

/** Inserts a response with no answers. */
export async function insertResponse(db: Executor, tenant: Tenant, row: NewResponse): Promise<DdqResponse> {
  const inserted = await db
    .insertInto("responses")
    .values({
      id: row.id,
      workspace_id: tenant.workspaceId,
      environment: tenant.environment,
      name: row.name,
      entity_id: row.entityId,
      questionnaire_id: row.questionnaireId,
      questionnaire_version: row.questionnaireVersion,
      status: row.status,
      pending_verification: row.pendingVerification ? JSON.stringify(row.pendingVerification) : null,
      run_id: row.runId,
      created_by: row.createdBy,
    })
    .returningAll()
    .executeTakeFirstOrThrow();
  return toResponse(inserted);
}

/** Finds a response of the tenant; another tenant's is `undefined`. `forUpdate` locks the row. */
export async function findResponse(
  db: Executor,
  tenant: Tenant,
  id: string,
  options: { forUpdate?: boolean } = {},
): Promise<DdqResponse | undefined> {
  let query = db.selectFrom("responses").selectAll().where("id", "=", id).where(inTenant(tenant));
  if (options.forUpdate) query = query.forUpdate();
  const row = await query.executeTakeFirst();
  return row ? toResponse(row) : undefined;
}

/** Responses of the tenant by id, in any order (for DataLoaders). */
export async function findResponsesByIds(
  db: Executor,
  tenant: Tenant,
  ids: readonly string[],
): Promise<DdqResponse[]> {
  if (ids.length === 0) return [];
  const rows = await db
    .selectFrom("responses")
    .selectAll()
    .where("id", "in", ids)
    .where(inTenant(tenant))
    .execute();
  return rows.map(toResponse);
}

/** Fields of a response that commands change. */
export interface ResponseChange {
  status?: ResponseStatus;
  answers?: Answers;
  answerSources?: AnswerSources;
  aiAnalysis?: Record<string, unknown> | null;
  workflowSessionId?: string | null;
  sentAt?: Date | null;
  submittedAt?: Date | null;
}

/** Applies a change to a response and returns it. */
export async function updateResponse(db: Executor, id: string, change: ResponseChange): Promise<DdqResponse> {
  const set: Updateable<ResponsesTable> = { updated_at: new Date() };
  if (change.status !== undefined) set.status = change.status;
  if (change.answers !== undefined) set.answers = JSON.stringify(change.answers);
  if (change.answerSources !== undefined) set.answer_sources = JSON.stringify(change.answerSources);
  if (change.aiAnalysis !== undefined) {
    set.ai_analysis = change.aiAnalysis ? JSON.stringify(change.aiAnalysis) : null;
  }
  if (change.workflowSessionId !== undefined) set.workflow_session_id = change.workflowSessionId;
  if (change.sentAt !== undefined) set.sent_at = change.sentAt;
  if (change.submittedAt !== undefined) set.submitted_at = change.submittedAt;
  const row = await db
    .updateTable("responses")
    .set(set)
    .where("id", "=", id)
    .returningAll()
    .executeTakeFirstOrThrow();
  return toResponse(row);
}

/** Deletes a response with its events (and, by cascade, recipient sends pointing at it). */
export async function deleteResponse(db: Executor, id: string): Promise<void> {
  await db.deleteFrom("responses").where("id", "=", id).execute();
}

/** A page of the tenant's responses, newest first, optionally filtered. */
export async function listResponses(
  db: Executor,
  tenant: Tenant,
  page: PageRequest & {
    status?: ResponseStatus | undefined;
    entityId?: string | undefined;
    questionnaireId?: string | undefined;
  },
): Promise<DdqResponse[]> {
  let query = db.selectFrom("responses").selectAll().where(inTenant(tenant));
  if (page.status) query = query.where("status", "=", page.status);
  if (page.entityId) query = query.where("entity_id", "=", page.entityId);
  if (page.questionnaireId) query = query.where("questionnaire_id", "=", page.questionnaireId);
  if (page.afterId) query = query.where("id", "<", page.afterId);
  if (page.beforeId) query = query.where("id", ">", page.beforeId);
  const rows = await query
    .orderBy("id", page.beforeId ? "asc" : "desc")
    .limit(page.limit)
    .execute();
  return rows.map(toResponse);
}

/**
 * The entity's responses that have been submitted (any status after DRAFT), most recently submitted first,
 * except `excludeId`: what autofill may copy from.
 */
export async function listSubmittedResponsesOfEntity(
  db: Executor,
  tenant: Tenant,
  entityId: string,
  excludeId: string,
  limit = 50,
): Promise<DdqResponse[]> {
  const rows = await db
    .selectFrom("responses")
    .selectAll()
    .where("entity_id", "=", entityId)
    .where(inTenant(tenant))
    .where("id", "!=", excludeId)
    .where("status", "not in", ["PREFILL", "DRAFT"])
    .orderBy("submitted_at", "desc")
    .orderBy("id", "desc")
    .limit(limit)
    .execute();
  return rows.map(toResponse);
}

/** Every response linked to a run (for a questionnaire node), oldest first. */
export async function listResponsesOfRun(db: Executor, runId: string): Promise<DdqResponse[]> {
  const rows = await db
    .selectFrom("responses")
    .selectAll()
    .where("run_id", "=", runId)
    .orderBy("id")
    .execute();
  return rows.map(toResponse);
}

/** An event to record. */
export interface NewResponseEvent {
  id: string;
  responseId: string;
  type: ResponseEventType;
  fromStatus: ResponseStatus | null;
  toStatus: ResponseStatus | null;
  actor: string | null;
  data?: Record<string, unknown>;
}

/** Records an event of a response. */
export async function insertResponseEvent(db: Executor, event: NewResponseEvent): Promise<ResponseEvent> {
  const row = await db
    .insertInto("response_events")
    .values({
      id: event.id,
      response_id: event.responseId,
      type: event.type,
      from_status: event.fromStatus,
      to_status: event.toStatus,
      actor: event.actor,
      data: JSON.stringify(event.data ?? {}),
    })
    .returningAll()
    .executeTakeFirstOrThrow();
  return toResponseEvent(row);
}

/** Events of several responses, each response's in order (for DataLoaders); with `tenant`, only of its responses. */
export async function listResponseEvents(
  db: Executor,
  responseIds: readonly string[],
  options: { tenant?: Tenant } = {},
): Promise<ResponseEvent[]> {
  if (responseIds.length === 0) return [];
  let query = db.selectFrom("response_events").selectAll().where("response_id", "in", responseIds);
  if (options.tenant) {
    const tenant = options.tenant;
    query = query.where("response_id", "in", (eb) =>
      eb.selectFrom("responses").select("id").where(inTenant(tenant)),
    );
  }
  const rows = await query.orderBy("response_id").orderBy("id").execute();
  return rows.map(toResponseEvent);
}

function toResponse(row: Selectable<ResponsesTable>): DdqResponse {
  return {
    id: row.id,
    workspaceId: row.workspace_id,
    environment: row.environment,
    name: row.name,
    entityId: row.entity_id,
    questionnaireId: row.questionnaire_id,
    questionnaireVersion: row.questionnaire_version,
    status: row.status as ResponseStatus,
    answers: row.answers,
    answerSources: row.answer_sources as AnswerSources,
    aiAnalysis: row.ai_analysis,
    pendingVerification: row.pending_verification as VerificationChecks | null,
    workflowSessionId: row.workflow_session_id,
    runId: row.run_id,
    createdBy: row.created_by,
    createdAt: row.created_at,
    updatedAt: row.updated_at,
    sentAt: row.sent_at,
    submittedAt: row.submitted_at,
  };
}

function toResponseEvent(row: Selectable<ResponseEventsTable>): ResponseEvent {
  return {
    id: row.id,
    responseId: row.response_id,
    type: row.type as ResponseEventType,
    fromStatus: row.from_status as ResponseStatus | null,
    toStatus: row.to_status as ResponseStatus | null,
    actor: row.actor,
    data: row.data,
    createdAt: row.created_at,
  };
}
