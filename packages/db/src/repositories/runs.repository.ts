import {
  idLowerBound,
  idTimestamp,
  type NodeRun,
  newId,
  type Run,
  type RunAuditEntry,
  type RunEvent,
  type RunEventType,
  type RunSignal,
  type RunStatus,
  type Tenant,
  type WorkflowGraph,
} from "@flowgate/domain";
import { type Selectable, sql, type UpdateObject } from "kysely";
import type { Database, Executor } from "../database.ts";
import type { NodeRunsTable, RunAuditTable, RunEventsTable, RunsTable } from "../tables/runs.table.ts";
import type { PageRequest } from "./pagination.ts";
import { inTenant } from "./tenant-filter.ts";

/** A run to insert: what its caller decides (the rest is the database's or the engine's later). */
export interface NewRun {
  id: string;
  sessionId: string | null;
  workflowId: string;
  workflowVersion: number;
  graphSnapshot: WorkflowGraph;
  triggerPayload: Record<string, unknown>;
  triggeredBy: string | null;
}

/** What {@link insertRunOfVersion} writes besides the run and its first job, in the same statement. */
export interface RunOfVersionExtras {
  /** The run's first audit entry (who started it). */
  audit?: Omit<RunAuditEntry, "runId" | "createdAt">;
  /**
   * The run's session was submitted at this time: the session becomes `processing` on the run's workflow,
   * with `submitted_at` and `updated_at` set to it (the caller holds the session's lock and checked the
   * transition).
   */
  sessionSubmittedAt?: Date;
  /** A NOTIFY channel on which workers wait: the statement wakes them (the NOTIFY goes out with the commit). */
  wakeChannel?: string;
}

/**
 * Inserts a run in status `pending` on a stored version of its workflow, whose graph becomes the run's
 * `graphSnapshot`, and queues its first `run.step` job (due now), in one statement: the version is read,
 * the run and its job written by the database, with no round trip between them; with `extras`, the run's
 * audit entry and its session's submission too. `undefined` (and nothing written) when the workflow has no
 * such version.
 */
export async function insertRunOfVersion(
  db: Executor,
  tenant: Tenant,
  row: Omit<NewRun, "graphSnapshot">,
  extras: RunOfVersionExtras = {},
): Promise<Run | undefined> {
  const { audit, sessionSubmittedAt, wakeChannel } = extras;
  // The id's own time, so that creation-time ranges can be answered from id bounds (listRuns).
  const createdAt = idTimestamp(row.id) ?? new Date();
  const inserted = await db
    .with("inserted", (db) =>
      db
        .insertInto("runs")
        .columns([
          "id",
          "workspace_id",
          "environment",
          "session_id",
          "workflow_id",
          "workflow_version",
          "status",
          "graph_snapshot",
          "trigger_payload",
          "triggered_by",
          "created_at",
        ])
        .expression((eb) =>
          eb
            .selectFrom("workflow_versions")
            .select([
              sql<string>`${row.id}::text`.as("id"),
              sql<string>`${tenant.workspaceId}::text`.as("workspace_id"),
              sql<string>`${tenant.environment}::text`.as("environment"),
              sql<string | null>`${row.sessionId}::text`.as("session_id"),
              "workflow_id",
              "version",
              sql<string>`'pending'`.as("status"),
              "graph",
              sql<string>`${JSON.stringify(row.triggerPayload)}::jsonb`.as("trigger_payload"),
              sql<string | null>`${row.triggeredBy}::text`.as("triggered_by"),
              sql<Date>`${createdAt}::timestamptz`.as("created_at"),
            ])
            .where("workflow_id", "=", row.workflowId)
            .where("version", "=", row.workflowVersion),
        )
        .returningAll(),
    )
    .with("first_job", (db) =>
      db
        .insertInto("jobs")
        .columns(["id", "kind", "run_id", "payload", "run_at"])
        .expression((eb) =>
          eb
            .selectFrom("inserted")
            .select([
              sql<string>`${newId("job")}::text`.as("id"),
              sql<string>`'run.step'`.as("kind"),
              "inserted.id",
              sql<string>`'{}'::jsonb`.as("payload"),
              sql<Date>`${new Date()}::timestamptz`.as("run_at"),
            ]),
        ),
    )
    .with("audit_entry", (db) =>
      db
        .insertInto("run_audit")
        .columns(["id", "run_id", "action", "actor", "reason", "data"])
        .expression((eb) =>
          eb
            .selectFrom("inserted")
            .select([
              sql<string>`${audit?.id ?? null}::text`.as("id"),
              "inserted.id",
              sql<string>`${audit?.action ?? null}::text`.as("action"),
              sql<string | null>`${audit?.actor ?? null}::text`.as("actor"),
              sql<string | null>`${audit?.reason ?? null}::text`.as("reason"),
              sql<string>`${audit ? JSON.stringify(audit.data) : null}::jsonb`.as("data"),
            ])
            // Without an entry the statement inserts none (the same statement text either way).
            .where(sql<boolean>`${audit !== undefined}::boolean`),
        ),
    )
    .with("submitted_session", (db) =>
      db
        .updateTable("sessions")
        .from("inserted")
        .set({
          status: "processing",
          workflow_id: sql<string>`inserted.workflow_id`,
          submitted_at: sql<Date>`${sessionSubmittedAt ?? null}::timestamptz`,
          updated_at: sql<Date>`${sessionSubmittedAt ?? null}::timestamptz`,
        })
        .whereRef("sessions.id", "=", "inserted.session_id")
        // Without a submission the statement updates no session (the same statement text either way).
        .where(sql<boolean>`${sessionSubmittedAt !== undefined}::boolean`),
    )
    // A SELECT in a WITH runs only when referenced (below); without a channel it notifies nothing.
    .with("run_wake", (db) =>
      db
        .selectFrom("inserted")
        .select(sql<string>`pg_notify(${wakeChannel ?? null}::text, '')`.as("sent"))
        .where(sql<boolean>`${wakeChannel ?? null}::text is not null`),
    )
    .selectFrom("inserted")
    .selectAll("inserted")
    .select(sql<number>`(select count(*) from run_wake)::int`.as("woken"))
    .executeTakeFirst();
  if (!inserted) return undefined;
  const { woken: _woken, ...runRow } = inserted;
  return toRun(runRow);
}

/**
 * Inserts a run in status `pending` with the given graph snapshot, and no job: for tests and seeding,
 * which need runs of arbitrary graphs. The engine starts runs with {@link insertRunOfVersion}.
 */
export async function insertRun(db: Executor, tenant: Tenant, row: NewRun): Promise<Run> {
  const inserted = await db
    .insertInto("runs")
    .values({
      id: row.id,
      workspace_id: tenant.workspaceId,
      environment: tenant.environment,
      session_id: row.sessionId,
      workflow_id: row.workflowId,
      workflow_version: row.workflowVersion,
      status: "pending",
      graph_snapshot: JSON.stringify(row.graphSnapshot),
      trigger_payload: JSON.stringify(row.triggerPayload),
      triggered_by: row.triggeredBy,
      // The id's own time, so that creation-time ranges can be answered from id bounds (listRuns).
      ...(idTimestamp(row.id) ? { created_at: idTimestamp(row.id)! } : {}),
    })
    .returningAll()
    .executeTakeFirstOrThrow();
  return toRun(inserted);
}

/** Finds a run of the tenant; another tenant's run is `undefined`. */
export async function findRun(db: Executor, tenant: Tenant, id: string): Promise<Run | undefined> {
  const row = await db
    .selectFrom("runs")
    .selectAll()
    .where("id", "=", id)
    .where(inTenant(tenant))
    .executeTakeFirst();
  return row ? toRun(row) : undefined;
}

/** Finds runs of the tenant by id (for DataLoaders). */
export async function findRunsByIds(db: Executor, tenant: Tenant, ids: readonly string[]): Promise<Run[]> {
  if (ids.length === 0) return [];
  const rows = await db
    .selectFrom("runs")
    .selectAll()
    .where("id", "in", ids)
    .where(inTenant(tenant))
    .execute();
  return rows.map(toRun);
}

/**
 * Finds runs of the tenant by id with their node runs (in step order), in one round trip: the node runs
 * come as one JSON array per run. For a read that shows a run with its nodes (`run(id) { nodeRuns }`),
 * where two queries would cost twice the database's and the gateway's work per request.
 */
export async function findRunsWithNodeRunsByIds(
  db: Executor,
  tenant: Tenant,
  ids: readonly string[],
): Promise<{ run: Run; nodeRuns: NodeRun[] }[]> {
  if (ids.length === 0) return [];
  const rows = await db
    .selectFrom("runs")
    .selectAll("runs")
    .select(
      sql<
        NodeRunJson[]
      >`coalesce((select json_agg(n order by n.step) from node_runs n where n.run_id = runs.id), '[]'::json)`.as(
        "node_runs",
      ),
    )
    .where("id", "in", ids)
    .where(inTenant(tenant))
    .execute();
  return rows.map(({ node_runs, ...row }) => ({
    run: toRun(row),
    nodeRuns: node_runs.map((n) =>
      toNodeRun({
        ...n,
        created_at: new Date(n.created_at),
        started_at: new Date(n.started_at),
        completed_at: n.completed_at === null ? null : new Date(n.completed_at),
      }),
    ),
  }));
}

/** A node run as `json_agg` gives it: timestamps are ISO strings. */
type NodeRunJson = Omit<Selectable<NodeRunsTable>, "created_at" | "started_at" | "completed_at"> & {
  created_at: string;
  started_at: string;
  completed_at: string | null;
};

/** Which runs {@link listRuns} returns; every field narrows the list. */
export interface RunListFilter {
  workflowId?: string | undefined;
  status?: RunStatus | undefined;
  /** Exactly this starter (`key_…`, `sch_…` or `hok_…`). */
  triggeredBy?: string | undefined;
  /** Created at or after this instant. */
  from?: Date | undefined;
  /** Created before this instant. */
  to?: Date | undefined;
}

/**
 * A page of the tenant's runs, newest first (keyset on the time-ordered id). Each filter combination
 * has an index that starts with its equality columns and ends with `id` (`runs_workspace_page`,
 * `runs_workflow_page`, `runs_workflow_status_page`, `runs_status_page`, `runs_triggered_by_page`), and
 * `from`/`to` become id bounds, so a page costs the same at any depth and any table size.
 */
export async function listRuns(
  db: Executor,
  tenant: Tenant,
  page: PageRequest & RunListFilter,
): Promise<Run[]> {
  const rows = await listRunsQuery(db, tenant, page).execute();
  return rows.map(toRun);
}

/** The query {@link listRuns} runs (exported so that tests can EXPLAIN exactly it). */
export function listRunsQuery(db: Executor, tenant: Tenant, page: PageRequest & RunListFilter) {
  let query = db.selectFrom("runs").selectAll().where(inTenant(tenant));
  if (page.workflowId !== undefined) query = query.where("workflow_id", "=", page.workflowId);
  if (page.status !== undefined) query = query.where("status", "=", page.status);
  if (page.triggeredBy !== undefined) query = query.where("triggered_by", "=", page.triggeredBy);
  if (page.from) query = query.where("id", ">=", idLowerBound("wfr", page.from));
  if (page.to) query = query.where("id", "<", idLowerBound("wfr", page.to));
  if (page.afterId) query = query.where("id", "<", page.afterId);
  if (page.beforeId) query = query.where("id", ">", page.beforeId);
  return query.orderBy("id", page.beforeId || page.oldestFirst ? "asc" : "desc").limit(page.limit);
}

/** The engine's view: a run by id regardless of tenant, optionally locked for the transaction. */
export async function findRunById(
  db: Executor,
  id: string,
  options: { forUpdate?: boolean } = {},
): Promise<Run | undefined> {
  let query = db.selectFrom("runs").selectAll().where("id", "=", id);
  if (options.forUpdate) query = query.forUpdate();
  const row = await query.executeTakeFirst();
  return row ? toRun(row) : undefined;
}

/**
 * The current runs of sessions (a session has at most one; runs superseded by a reprocess are left out),
 * for DataLoaders; with `tenant`, only its runs.
 */
export async function findRunsBySessionIds(
  db: Executor,
  sessionIds: readonly string[],
  options: { tenant?: Tenant } = {},
): Promise<Run[]> {
  if (sessionIds.length === 0) return [];
  let query = db
    .selectFrom("runs")
    .selectAll()
    .where("session_id", "in", sessionIds)
    .where("superseded_at", "is", null);
  if (options.tenant) query = query.where(inTenant(options.tenant));
  const rows = await query.execute();
  return rows.map(toRun);
}

/** Every run of a session of the tenant, the current one and those kept as history, oldest first. */
export async function listRunHistoryOfSession(
  db: Executor,
  tenant: Tenant,
  sessionId: string,
): Promise<Run[]> {
  const rows = await db
    .selectFrom("runs")
    .selectAll()
    .where("session_id", "=", sessionId)
    .where(inTenant(tenant))
    .orderBy("created_at")
    .orderBy("id")
    .execute();
  return rows.map(toRun);
}

/** Marks a run as superseded (a reprocess started another): it stays as history. */
export async function supersedeRun(db: Executor, runId: string, at: Date): Promise<void> {
  await db.updateTable("runs").set({ superseded_at: at }).where("id", "=", runId).execute();
}

/** Deletes the runs of a session, with their node runs, events and jobs (cascade). */
export async function deleteRunsOfSession(db: Executor, sessionId: string): Promise<void> {
  await db.deleteFrom("runs").where("session_id", "=", sessionId).execute();
}

/** Fields of a run the engine changes as it executes. */
export interface RunChange {
  status?: RunStatus;
  finalStatus?: string | null;
  currentNode?: string | null;
  pausedAtNode?: string | null;
  pendingSignal?: RunSignal | null;
  decisionMetadata?: Record<string, unknown> | null;
  errorMessage?: string | null;
  addCostCents?: number;
  stepCount?: number;
  currentAttempt?: number;
  lastSeq?: number;
  /** The `node.started` that began the current attempt of an I/O node (null: none in flight). */
  nodeStarted?: { seq: number; at: Date } | null;
  startedAt?: Date;
  completedAt?: Date | null;
}

/** The version of a run a step was computed from; the step commits only if the run is still there. */
export interface RunVersion {
  status: RunStatus;
  stepCount: number;
  lastSeq: number;
  currentAttempt: number;
}

/** Applies a change to a run. */
export async function updateRun(db: Executor, id: string, change: RunChange): Promise<void> {
  await updateRunQuery(db, id, change).execute();
}

function updateRunQuery(db: Executor, id: string, change: RunChange) {
  return db.updateTable("runs").set(runChangeSet(change)).where("id", "=", id);
}

/** The column values a {@link RunChange} sets (`addCostCents` becomes an increment). */
function runChangeSet(change: RunChange): UpdateObject<Database, "runs"> {
  const set: UpdateObject<Database, "runs"> = {};
  if (change.status !== undefined) set.status = change.status;
  if (change.finalStatus !== undefined) set.final_status = change.finalStatus;
  if (change.currentNode !== undefined) set.current_node = change.currentNode;
  if (change.pausedAtNode !== undefined) set.paused_at_node = change.pausedAtNode;
  if (change.pendingSignal !== undefined)
    set.pending_signal = change.pendingSignal ? JSON.stringify(change.pendingSignal) : null;
  if (change.decisionMetadata !== undefined)
    set.decision_metadata = change.decisionMetadata ? JSON.stringify(change.decisionMetadata) : null;
  if (change.errorMessage !== undefined) set.error_message = change.errorMessage;
  if (change.stepCount !== undefined) set.step_count = change.stepCount;
  if (change.currentAttempt !== undefined) set.current_attempt = change.currentAttempt;
  if (change.lastSeq !== undefined) set.last_seq = change.lastSeq;
  if (change.nodeStarted !== undefined) {
    set.node_started_seq = change.nodeStarted?.seq ?? null;
    set.node_started_at = change.nodeStarted?.at ?? null;
  }
  if (change.startedAt !== undefined) set.started_at = change.startedAt;
  if (change.completedAt !== undefined) set.completed_at = change.completedAt;
  if (change.addCostCents) set.total_cost_cents = sql<number>`total_cost_cents + ${change.addCostCents}`;
  return set;
}

/** What one engine step writes to a run. */
export interface RunStepWrite {
  runId: string;
  /** The run's version the step was computed from; nothing applies unless the run is still there. */
  expected: RunVersion;
  change: RunChange;
  events: readonly NewRunEvent[];
  nodeRuns: readonly NewNodeRun[];
}

/**
 * Writes an engine step in ONE statement: the node runs and the events (numbered after
 * `expected.lastSeq`) are inserted by data-modifying CTEs and the run row is updated only if it is
 * still at `expected`. When `applied` is false the caller must roll the transaction back (the CTE
 * inserts ran); duplicate `(run_id, step)` or `(run_id, seq)` keys raise a unique violation instead.
 */
export async function writeRunStep(
  db: Executor,
  write: RunStepWrite & {
    /** The events' `createdAt` (default: now). */
    at?: Date;
    /**
     * Deletes the run's job in the same statement (the run parked without a timer or ended: what
     * `deleteRunJob` does). The caller rolls the transaction back when the step did not apply.
     */
    deleteJob?: boolean;
    /**
     * The NOTIFYs announcing the appended events, sent by the same statement when the step applies (they
     * go out when the transaction commits); none when it returns undefined.
     */
    notify?: (events: readonly RunEvent[]) => { channel: string; payloads: string[] } | undefined;
  },
): Promise<{ applied: boolean; events: RunEvent[]; lastSeq: number; notified: boolean }> {
  const now = write.at ?? new Date();
  const eventRows = write.events.map((event, index) => ({
    run_id: write.runId,
    seq: write.expected.lastSeq + index + 1,
    type: event.type,
    data: JSON.stringify(event.data),
    created_at: now,
  }));
  const events: RunEvent[] = eventRows.map((row, index) => ({
    runId: write.runId,
    seq: row.seq,
    type: row.type,
    data: write.events[index]!.data,
    createdAt: now,
  }));
  const notifications = events.length > 0 ? write.notify?.(events) : undefined;
  const lastSeq = write.expected.lastSeq + write.events.length;
  const set = runChangeSet({ ...write.change, lastSeq });
  const nodeRunRows = write.nodeRuns.map(toNodeRunRow);
  const row = await db
    .with("step_events", (qc) =>
      eventRows.length > 0
        ? qc.insertInto("run_events").values(eventRows).returning("seq")
        : qc.selectNoFrom(sql<number>`0`.as("seq")),
    )
    .with("step_node_runs", (qc) =>
      nodeRunRows.length > 0
        ? qc.insertInto("node_runs").values(nodeRunRows).returning("step")
        : qc.selectNoFrom(sql<number>`0`.as("step")),
    )
    .with("step_job", (qc) =>
      write.deleteJob
        ? qc.deleteFrom("jobs").where("run_id", "=", write.runId).returning("id")
        : qc.selectNoFrom(sql<string>`null`.as("id")),
    )
    // A SELECT in a WITH runs only when referenced: the updated row's RETURNING references it, so the
    // NOTIFYs (none without `notify`: the same statement text either way) are sent exactly when the run's
    // guard lets the step apply.
    .with("step_notify", (qc) =>
      qc
        .selectFrom(
          sql<{ p: string; i: number }>`unnest(${notifications?.payloads ?? []}::text[]) with ordinality`.as(
            sql`t(p, i)`,
          ),
        )
        .select(sql<string>`pg_notify(${notifications?.channel ?? null}::text, p)`.as("sent"))
        .orderBy(sql`i`),
    )
    .updateTable("runs")
    .set(set)
    .where("id", "=", write.runId)
    .where("status", "=", write.expected.status)
    .where("step_count", "=", write.expected.stepCount)
    .where("last_seq", "=", write.expected.lastSeq)
    .where("current_attempt", "=", write.expected.currentAttempt)
    .returning(sql<number>`(select count(*) from step_notify)::int`.as("notified"))
    .executeTakeFirst();
  return {
    applied: row !== undefined,
    events,
    lastSeq,
    notified: row !== undefined && notifications !== undefined,
  };
}

/** A node run to record. */
export type NewNodeRun = Omit<NodeRun, "attempts" | "costCents" | "createdAt"> & {
  attempts?: number;
  costCents?: number;
};

/** Records a node run; `(runId, step)` is unique, so a replayed step cannot record twice. */
export async function insertNodeRun(db: Executor, nodeRun: NewNodeRun): Promise<void> {
  await db.insertInto("node_runs").values(toNodeRunRow(nodeRun)).execute();
}

function toNodeRunRow(nodeRun: NewNodeRun) {
  return {
    id: nodeRun.id,
    run_id: nodeRun.runId,
    step: nodeRun.step,
    workflow_node_id: nodeRun.workflowNodeId,
    node_type: nodeRun.nodeType,
    status: nodeRun.status,
    task_id: nodeRun.taskId,
    input_data: nodeRun.inputData ? JSON.stringify(nodeRun.inputData) : null,
    output_data: nodeRun.outputData ? JSON.stringify(nodeRun.outputData) : null,
    attempts: nodeRun.attempts ?? 1,
    result: nodeRun.result,
    routed_to: nodeRun.routedTo,
    cost_cents: nodeRun.costCents ?? 0,
    error: nodeRun.error,
    started_at: nodeRun.startedAt,
    completed_at: nodeRun.completedAt,
  };
}

/** Completes a paused node run (a gate that got its decision). */
export async function completeNodeRun(
  db: Executor,
  runId: string,
  step: number,
  change: {
    result: string;
    routedTo: string | null;
    outputData: Record<string, unknown> | null;
    completedAt: Date;
  },
): Promise<void> {
  await db
    .updateTable("node_runs")
    .set({
      status: "completed",
      result: change.result,
      routed_to: change.routedTo,
      output_data: change.outputData ? JSON.stringify(change.outputData) : null,
      completed_at: change.completedAt,
    })
    .where("run_id", "=", runId)
    .where("step", "=", step)
    .execute();
}

/** Node runs of several runs, ordered by run then step (for DataLoaders); with `tenant`, only of its runs. */
export async function listNodeRunsOfRuns(
  db: Executor,
  runIds: readonly string[],
  options: { tenant?: Tenant } = {},
): Promise<NodeRun[]> {
  if (runIds.length === 0) return [];
  let query = db.selectFrom("node_runs").selectAll().where("run_id", "in", runIds);
  if (options.tenant) {
    const tenant = options.tenant;
    query = query.where("run_id", "in", (eb) => eb.selectFrom("runs").select("id").where(inTenant(tenant)));
  }
  const rows = await query.orderBy("run_id").orderBy("step").execute();
  return rows.map(toNodeRun);
}

/** An event to append. */
export interface NewRunEvent {
  type: RunEventType;
  data: Record<string, unknown>;
}

/**
 * Appends events after `lastSeq` (the run's `last_seq`, read under the run's row lock), numbering them
 * `lastSeq + 1, …`. The `(run_id, seq)` primary key refuses a second writer with the same numbers.
 * Returns the stored events and the new last seq.
 */
export async function appendRunEvents(
  db: Executor,
  runId: string,
  lastSeq: number,
  events: readonly NewRunEvent[],
): Promise<{ events: RunEvent[]; lastSeq: number }> {
  if (events.length === 0) return { events: [], lastSeq };
  const now = new Date();
  const rows = events.map((event, index) => ({
    run_id: runId,
    seq: lastSeq + index + 1,
    type: event.type,
    data: JSON.stringify(event.data),
    created_at: now,
  }));
  await db.insertInto("run_events").values(rows).execute();
  return {
    events: rows.map((row, index) => ({
      runId,
      seq: row.seq,
      type: row.type,
      data: events[index]!.data,
      createdAt: now,
    })),
    lastSeq: lastSeq + events.length,
  };
}

/** Events of a run with `afterSeq < seq <= upToSeq`, in order. */
export async function listRunEvents(
  db: Executor,
  runId: string,
  afterSeq: number,
  upToSeq?: number,
): Promise<RunEvent[]> {
  let query = db.selectFrom("run_events").selectAll().where("run_id", "=", runId).where("seq", ">", afterSeq);
  if (upToSeq !== undefined) query = query.where("seq", "<=", upToSeq);
  const rows = await query.orderBy("seq").execute();
  return rows.map(toRunEvent);
}

/**
 * A run of the tenant and its events with seq > `afterSeq`, in one round trip (a subscription's set-up:
 * the tenancy check and the replay together). `undefined` when the run is not the tenant's; `events` is
 * empty when nothing was stored after `afterSeq`.
 */
export async function findRunEventsAfter(
  db: Executor,
  tenant: Tenant,
  runId: string,
  afterSeq: number,
): Promise<{ events: RunEvent[] } | undefined> {
  const [found] = await findRunsEventsAfter(db, tenant, [{ runId, afterSeq }]);
  return found;
}

/**
 * {@link findRunEventsAfter} for several runs in one round trip (the set-ups of subscriptions opened
 * together), aligned with `requests`: each is `undefined` when its run is not the tenant's, else its
 * events with seq > its `afterSeq`, in order.
 */
export async function findRunsEventsAfter(
  db: Executor,
  tenant: Tenant,
  requests: readonly { runId: string; afterSeq: number }[],
): Promise<({ events: RunEvent[] } | undefined)[]> {
  if (requests.length === 0) return [];
  // Each request's run left-joined to its later events: no row means no such run here, one row with a null
  // seq means a run with nothing to replay. `i` is the request's position (from 1).
  const { rows } = await sql<{
    i: number;
    run_id: string;
    seq: number | null;
    type: string | null;
    data: Record<string, unknown> | null;
    created_at: Date | null;
  }>`select q.i::int as i, runs.id as run_id, run_events.seq, run_events.type, run_events.data,
        run_events.created_at
      from unnest(${requests.map((r) => r.runId)}::text[], ${requests.map((r) => r.afterSeq)}::int[])
        with ordinality as q(run_id, after_seq, i)
      join runs on runs.id = q.run_id
        and runs.workspace_id = ${tenant.workspaceId} and runs.environment = ${tenant.environment}
      left join run_events on run_events.run_id = runs.id and run_events.seq > q.after_seq
      order by q.i, run_events.seq`.execute(db);
  const found: ({ events: RunEvent[] } | undefined)[] = requests.map(() => undefined);
  for (const row of rows) {
    found[row.i - 1] ??= { events: [] };
    const result = found[row.i - 1]!;
    if (row.seq === null || row.type === null || row.data === null || row.created_at === null) continue;
    result.events.push(
      toRunEvent({
        run_id: row.run_id,
        seq: row.seq,
        type: row.type,
        data: row.data,
        created_at: row.created_at,
      } as Selectable<RunEventsTable>),
    );
  }
  return found;
}

/**
 * The newest event of each of these runs (runs without events are left out). Engine-internal, without a
 * tenant: event buses use it to re-announce where live runs stand after their connection came back.
 */
export async function listLatestRunEvents(db: Executor, runIds: readonly string[]): Promise<RunEvent[]> {
  if (runIds.length === 0) return [];
  const rows = await db
    .selectFrom("run_events")
    .innerJoin("runs", (join) =>
      join.onRef("runs.id", "=", "run_events.run_id").onRef("runs.last_seq", "=", "run_events.seq"),
    )
    .selectAll("run_events")
    .where("runs.id", "in", runIds)
    .execute();
  return rows.map(toRunEvent);
}

/** Appends an entry to a run's audit trail. */
export async function insertRunAudit(db: Executor, entry: Omit<RunAuditEntry, "createdAt">): Promise<void> {
  await db
    .insertInto("run_audit")
    .values({
      id: entry.id,
      run_id: entry.runId,
      action: entry.action,
      actor: entry.actor,
      reason: entry.reason,
      data: JSON.stringify(entry.data),
    })
    .execute();
}

/** A run's audit trail, oldest first. */
export async function listRunAudit(db: Executor, runId: string): Promise<RunAuditEntry[]> {
  const rows = await db
    .selectFrom("run_audit")
    .selectAll()
    .where("run_id", "=", runId)
    .orderBy("created_at")
    .orderBy("id")
    .execute();
  return rows.map(toRunAuditEntry);
}

function toRunAuditEntry(row: Selectable<RunAuditTable>): RunAuditEntry {
  return {
    id: row.id,
    runId: row.run_id,
    action: row.action as RunAuditEntry["action"],
    actor: row.actor,
    reason: row.reason,
    data: row.data,
    createdAt: row.created_at,
  };
}

/** A run as `to_jsonb(runs.*)` gives it (timestamps as strings), from a statement that returns it beside other rows. */
export function runFromJson(json: Record<string, unknown>): Run {
  const row = json as unknown as Selectable<RunsTable>;
  return toRun({
    ...row,
    node_started_at: jsonDate(json.node_started_at),
    created_at: new Date(json.created_at as string),
    started_at: jsonDate(json.started_at),
    completed_at: jsonDate(json.completed_at),
    superseded_at: jsonDate(json.superseded_at),
  });
}

function jsonDate(value: unknown): Date | null {
  return typeof value === "string" ? new Date(value) : null;
}

function toRun(row: Selectable<RunsTable>): Run {
  return {
    id: row.id,
    workspaceId: row.workspace_id,
    environment: row.environment,
    sessionId: row.session_id,
    workflowId: row.workflow_id,
    workflowVersion: row.workflow_version,
    status: row.status as RunStatus,
    finalStatus: row.final_status,
    graphSnapshot: row.graph_snapshot as unknown as WorkflowGraph,
    currentNode: row.current_node,
    pausedAtNode: row.paused_at_node,
    pendingSignal: row.pending_signal as RunSignal | null,
    decisionMetadata: row.decision_metadata,
    triggerPayload: row.trigger_payload,
    triggeredBy: row.triggered_by,
    errorMessage: row.error_message,
    totalCostCents: row.total_cost_cents,
    stepCount: row.step_count,
    currentAttempt: row.current_attempt,
    lastSeq: row.last_seq,
    nodeStarted:
      row.node_started_seq !== null && row.node_started_at !== null
        ? { seq: row.node_started_seq, at: row.node_started_at }
        : null,
    createdAt: row.created_at,
    startedAt: row.started_at,
    completedAt: row.completed_at,
    supersededAt: row.superseded_at,
  };
}

function toNodeRun(row: Selectable<NodeRunsTable>): NodeRun {
  return {
    id: row.id,
    runId: row.run_id,
    step: row.step,
    workflowNodeId: row.workflow_node_id,
    nodeType: row.node_type,
    status: row.status as NodeRun["status"],
    taskId: row.task_id,
    inputData: row.input_data,
    outputData: row.output_data,
    attempts: row.attempts,
    result: row.result,
    routedTo: row.routed_to,
    costCents: row.cost_cents,
    error: row.error,
    createdAt: row.created_at,
    startedAt: row.started_at,
    completedAt: row.completed_at,
  };
}

function toRunEvent(row: Selectable<RunEventsTable>): RunEvent {
  return {
    runId: row.run_id,
    seq: row.seq,
    type: row.type as RunEventType,
    data: row.data,
    createdAt: row.created_at,
  };
}

/** Statuses of runs that have not ended, the ones {@link countRunsByStatus} counts. */
export const activeRunStatuses = ["pending", "running", "paused"] as const satisfies readonly RunStatus[];

/**
 * How many runs of every workspace have not ended, by status (a metrics gauge read on each scrape; the
 * partial index `runs_active_status` keeps it to the active runs, however many have ended).
 */
export async function countRunsByStatus(
  db: Executor,
): Promise<{ status: (typeof activeRunStatuses)[number]; count: number }[]> {
  const rows = await db
    .selectFrom("runs")
    .select(["status", sql<string>`count(*)`.as("count")])
    .where("status", "in", activeRunStatuses)
    .groupBy("status")
    .execute();
  return rows.map((row) => ({
    status: row.status as (typeof activeRunStatuses)[number],
    count: Number(row.count),
  }));
}
