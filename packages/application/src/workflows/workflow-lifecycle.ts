import type { Executor } from "@flowgate/db";
import {
  advanceWorkflowVersion,
  closeWorkflowDraft,
  findOpenWorkflowDrafts,
  findWorkflow,
  findWorkflowDraft,
  findWorkflowVersion,
  insertWorkflow,
  insertWorkflowDraft,
  insertWorkflowVersion,
  listWorkflowVersions,
  lockWorkflow,
  workflowAnalytics as queryWorkflowAnalytics,
  setDefaultWorkflow as setDefaultWorkflowRow,
  setWorkflowRollout,
  setWorkflowStatus,
  updateWorkflowDraftGraph,
  updateWorkflowMetadata,
  type WorkflowAnalytics,
} from "@flowgate/db";
import {
  assertValidRollout,
  ConflictError,
  diffGraphs,
  type GraphDiff,
  NotFoundError,
  newId,
  parseWorkflowGraph,
  type RolloutEntry,
  type Tenant,
  toValidationIssue,
  ValidationError,
  type ValidationIssue,
  validateGraph,
  type Workflow,
  type WorkflowDraft,
  type WorkflowVersion,
} from "@flowgate/domain";
import { type DryRunInput, type DryRunResult, dryRunGraph, inTransaction } from "@flowgate/engine";
import { requireScope } from "../access.ts";
import type { Actor } from "../actor.ts";
import { type Application, applicationDeps } from "../application.ts";

/** Longest window `workflowAnalytics` covers: 366 days. */
export const maxAnalyticsWindowMs = 366 * 24 * 3600 * 1000;

/** Input of {@link updateWorkflow}: absent fields stay as they are. */
export interface UpdateWorkflowInput {
  workflowId: string;
  name?: string | null | undefined;
  /** A new description; `null` clears it. */
  description?: string | null | undefined;
  /** Replaces the metadata. */
  metadata?: Record<string, unknown> | null | undefined;
}

/** What publishing a draft produced. */
export interface PublishedDraft {
  workflow: Workflow;
  version: WorkflowVersion;
  draft: WorkflowDraft;
}

/** A draft's diff against the workflow's current version. */
export interface DraftDiff {
  draft: WorkflowDraft;
  /** The version compared against: the workflow's current version. */
  againstVersion: number;
  diff: GraphDiff;
}

function checkedName(name: string, field = "name"): string {
  const trimmed = name.trim();
  if (trimmed.length === 0 || trimmed.length > 200) {
    throw new ValidationError("Invalid workflow", [
      { path: [field], message: "name must be 1 to 200 characters" },
    ]);
  }
  return trimmed;
}

async function requireWorkflow(db: Executor, tenant: Tenant, id: string, lock = false): Promise<Workflow> {
  const workflow = lock ? await lockWorkflow(db, tenant, id) : await findWorkflow(db, tenant, id);
  if (!workflow) throw new NotFoundError("Workflow", id);
  return workflow;
}

async function requireDraft(db: Executor, tenant: Tenant, id: string, lock = false): Promise<WorkflowDraft> {
  const draft = await findWorkflowDraft(db, tenant, id, { forUpdate: lock });
  if (!draft) throw new NotFoundError("WorkflowDraft", id);
  return draft;
}

function requireOpen(draft: WorkflowDraft, action: string): void {
  if (draft.status !== "open") {
    throw new ConflictError(
      `Draft ${draft.id} is ${draft.status}; only an open draft can be ${action}`,
      draft.status,
    );
  }
}

/** Whether `error` is a unique or primary-key violation from PostgreSQL or PGlite. */
function isUniqueViolation(error: unknown): boolean {
  return typeof error === "object" && error !== null && (error as { code?: unknown }).code === "23505";
}

/** Validates a graph for a draft: it is saved either way, with its issues (paths under `graph`). */
function draftValidation(graph: unknown): { valid: boolean; issues: ValidationIssue[] } {
  const result = validateGraph(graph);
  return result.ok
    ? { valid: true, issues: [] }
    : { valid: false, issues: result.issues.map((issue) => toValidationIssue(issue)) };
}

/** Changes a workflow's name, description or metadata. */
export async function updateWorkflow(
  app: Application,
  actor: Actor,
  input: UpdateWorkflowInput,
): Promise<Workflow> {
  requireScope(actor, "workflows:write");
  const deps = applicationDeps(app);
  const name = input.name === undefined || input.name === null ? undefined : checkedName(input.name);
  return inTransaction(deps, async (trx) => {
    const workflow = await requireWorkflow(trx, actor, input.workflowId, true);
    return updateWorkflowMetadata(trx, workflow.id, {
      name,
      description: input.description,
      metadata: input.metadata ?? undefined,
    });
  });
}

/**
 * Creates a new workflow whose version 1 is a copy of the source's current version, with the source's
 * description and metadata; it is active, not the default, and has no rollout map or draft.
 */
export async function cloneWorkflow(
  app: Application,
  actor: Actor,
  input: { workflowId: string; name?: string | null | undefined },
): Promise<Workflow> {
  requireScope(actor, "workflows:write");
  const deps = applicationDeps(app);
  const name = input.name === undefined || input.name === null ? undefined : checkedName(input.name);
  return inTransaction(deps, async (trx) => {
    const source = await requireWorkflow(trx, actor, input.workflowId);
    const version = await findWorkflowVersion(trx, source.id, source.currentVersion);
    if (!version) throw new NotFoundError("WorkflowVersion", `${source.id}@${source.currentVersion}`);
    const clone = await insertWorkflow(trx, actor, {
      id: newId("wfl"),
      name: name ?? `${source.name} (copy)`.slice(0, 200),
      description: source.description,
      metadata: source.metadata,
      currentVersion: 1,
    });
    await insertWorkflowVersion(trx, {
      workflowId: clone.id,
      version: 1,
      graph: version.graph,
      publishedBy: actor.keyId,
    });
    return clone;
  });
}

/**
 * Makes a workflow the default of its workspace and environment, switching atomically from the previous
 * default (concurrent switches apply one after the other). An inactive workflow cannot become the default.
 */
export async function setDefaultWorkflow(
  app: Application,
  actor: Actor,
  input: { workflowId: string },
): Promise<Workflow> {
  requireScope(actor, "workflows:write");
  const deps = applicationDeps(app);
  return inTransaction(deps, async (trx) => {
    // No row lock before the switch: the switch takes the tenant's default lock first, then row locks, so
    // two switches (or a switch and a create-as-default) never wait on each other in opposite orders.
    const workflow = await requireWorkflow(trx, actor, input.workflowId);
    if (workflow.status !== "active") {
      throw new ConflictError(
        `Workflow ${workflow.id} is inactive; activate it before making it the default`,
        workflow.status,
      );
    }
    await setDefaultWorkflowRow(trx, actor, workflow.id);
    return requireWorkflow(trx, actor, workflow.id);
  });
}

/**
 * Deactivates a workflow: no new run starts on it (triggering it, or the default when it is the default,
 * is a conflict), while runs in flight finish. Deactivating an inactive workflow changes nothing.
 */
export async function deactivateWorkflow(
  app: Application,
  actor: Actor,
  input: { workflowId: string },
): Promise<Workflow> {
  requireScope(actor, "workflows:write");
  const deps = applicationDeps(app);
  return inTransaction(deps, async (trx) => {
    const workflow = await requireWorkflow(trx, actor, input.workflowId, true);
    return workflow.status === "inactive" ? workflow : setWorkflowStatus(trx, workflow.id, "inactive");
  });
}

/** Activates a workflow again, so new runs may start on it. Activating an active workflow changes nothing. */
export async function activateWorkflow(
  app: Application,
  actor: Actor,
  input: { workflowId: string },
): Promise<Workflow> {
  requireScope(actor, "workflows:write");
  const deps = applicationDeps(app);
  return inTransaction(deps, async (trx) => {
    const workflow = await requireWorkflow(trx, actor, input.workflowId, true);
    return workflow.status === "active" ? workflow : setWorkflowStatus(trx, workflow.id, "active");
  });
}

/**
 * Opens a draft of a workflow from its current version or an earlier one (`fromVersion`). A workflow has at
 * most one open draft: a second is a conflict. The draft's base is the current version, which publishing
 * requires to be current still.
 */
export async function createWorkflowDraft(
  app: Application,
  actor: Actor,
  input: { workflowId: string; fromVersion?: number | null | undefined },
): Promise<WorkflowDraft> {
  requireScope(actor, "workflows:write");
  const deps = applicationDeps(app);
  try {
    return await inTransaction(deps, async (trx) => {
      const workflow = await requireWorkflow(trx, actor, input.workflowId, true);
      const sourceVersion = input.fromVersion ?? workflow.currentVersion;
      const source = await findWorkflowVersion(trx, workflow.id, sourceVersion);
      if (!source) {
        throw new ValidationError("Unknown workflow version", [
          {
            path: ["fromVersion"],
            message: `workflow ${workflow.id} has no version ${sourceVersion} (versions 1 to ${workflow.currentVersion})`,
          },
        ]);
      }
      const [open] = await findOpenWorkflowDrafts(trx, actor, [workflow.id]);
      if (open) throw openDraftConflict(workflow.id, open.id);
      return insertWorkflowDraft(trx, actor, {
        id: newId("wfd"),
        workflowId: workflow.id,
        baseVersion: workflow.currentVersion,
        sourceVersion,
        graph: source.graph,
        valid: true,
        issues: [],
        createdBy: actor.keyId,
      });
    });
  } catch (error) {
    if (isUniqueViolation(error)) throw openDraftConflict(input.workflowId, null);
    throw error;
  }
}

function openDraftConflict(workflowId: string, draftId: string | null): ConflictError {
  const which = draftId ? ` (${draftId})` : "";
  return new ConflictError(
    `Workflow ${workflowId} already has an open draft${which}; edit, publish or discard it first`,
    "open",
  );
}

/**
 * Saves a new graph on an open draft. The graph is validated and the draft saved either way: an invalid
 * draft is kept with `valid: false` and its issues (naming the nodes), and cannot be published.
 */
export async function updateWorkflowDraft(
  app: Application,
  actor: Actor,
  input: { draftId: string; graph: unknown },
): Promise<WorkflowDraft> {
  requireScope(actor, "workflows:write");
  const deps = applicationDeps(app);
  if (input.graph === undefined || input.graph === null) {
    throw new ValidationError("Invalid draft", [{ path: ["graph"], message: "graph is required" }]);
  }
  const validation = draftValidation(input.graph);
  return inTransaction(deps, async (trx) => {
    const draft = await requireDraft(trx, actor, input.draftId, true);
    requireOpen(draft, "edited");
    return updateWorkflowDraftGraph(trx, draft.id, {
      graph: input.graph,
      ...validation,
      updatedBy: actor.keyId,
    });
  });
}

/** Discards an open draft; it stays listed as `discarded`. */
export async function discardWorkflowDraft(
  app: Application,
  actor: Actor,
  input: { draftId: string },
): Promise<WorkflowDraft> {
  requireScope(actor, "workflows:write");
  const deps = applicationDeps(app);
  return inTransaction(deps, async (trx) => {
    const draft = await requireDraft(trx, actor, input.draftId, true);
    requireOpen(draft, "discarded");
    const closed = await closeWorkflowDraft(trx, draft.id, { status: "discarded", actor: actor.keyId });
    if (!closed) throw new ConflictError(`Draft ${draft.id} was closed meanwhile`, "closed");
    return closed;
  });
}

/**
 * Publishes an open, valid draft as the workflow's next version, which becomes current. Publishing clears
 * the rollout map (the new version takes every new run) unless `keepRollout` is set. The draft's base
 * version must still be current: a concurrent publish of the same base is a conflict, never two versions
 * with one number (the draft row lock, a guarded current-version update and the versions' primary key
 * each refuse the second).
 */
export async function publishWorkflowDraft(
  app: Application,
  actor: Actor,
  input: { draftId: string; keepRollout?: boolean | null | undefined },
): Promise<PublishedDraft> {
  requireScope(actor, "workflows:write");
  const deps = applicationDeps(app);
  try {
    return await inTransaction(deps, async (trx) => {
      const draft = await requireDraft(trx, actor, input.draftId, true);
      requireOpen(draft, "published");
      const validation = draftValidation(draft.graph);
      if (!validation.valid) {
        throw new ValidationError(
          `Draft ${draft.id} is invalid; fix its graph before publishing`,
          validation.issues,
        );
      }
      const graph = parseWorkflowGraph(draft.graph);
      const workflow = await requireWorkflow(trx, actor, draft.workflowId, true);
      if (workflow.currentVersion !== draft.baseVersion) {
        throw new ConflictError(
          `Workflow ${workflow.id} is at version ${workflow.currentVersion}, but draft ${draft.id} is based on version ${draft.baseVersion}`,
          "stale",
        );
      }
      const number = draft.baseVersion + 1;
      const version = await insertWorkflowVersion(trx, {
        workflowId: workflow.id,
        version: number,
        graph,
        publishedBy: actor.keyId,
      });
      const advanced = await advanceWorkflowVersion(trx, workflow.id, {
        fromVersion: draft.baseVersion,
        toVersion: number,
        clearRollout: !input.keepRollout,
      });
      if (!advanced) throw concurrentPublish(workflow.id, draft.baseVersion);
      const closed = await closeWorkflowDraft(trx, draft.id, {
        status: "published",
        publishedVersion: number,
        actor: actor.keyId,
      });
      if (!closed) throw concurrentPublish(workflow.id, draft.baseVersion);
      return { workflow: advanced, version, draft: closed };
    });
  } catch (error) {
    if (isUniqueViolation(error)) {
      const draft = await findWorkflowDraft(deps.db, actor, input.draftId);
      throw concurrentPublish(draft?.workflowId ?? "?", draft?.baseVersion ?? 0);
    }
    throw error;
  }
}

function concurrentPublish(workflowId: string, baseVersion: number): ConflictError {
  return new ConflictError(
    `Another publish of workflow ${workflowId} on base version ${baseVersion} committed first`,
    "stale",
  );
}

/**
 * Sets how new runs split across versions: entries of published versions with whole percentages summing to
 * 100. `null` or an empty list removes the map, so every new run starts on the current version.
 */
export async function updateWorkflowRollout(
  app: Application,
  actor: Actor,
  input: { workflowId: string; entries: readonly RolloutEntry[] | null | undefined },
): Promise<Workflow> {
  requireScope(actor, "workflows:write");
  const deps = applicationDeps(app);
  return inTransaction(deps, async (trx) => {
    const workflow = await requireWorkflow(trx, actor, input.workflowId, true);
    const entries = input.entries ?? [];
    if (entries.length === 0) return setWorkflowRollout(trx, workflow.id, null);
    const versions = (await listWorkflowVersions(trx, [workflow.id])).map((v) => v.version);
    assertValidRollout(entries, versions, ["entries"]);
    return setWorkflowRollout(
      trx,
      workflow.id,
      entries.map(({ version, percentage }) => ({ version, percentage })),
    );
  });
}

/** Diffs a draft against its workflow's current version: nodes added, removed, changed; the entry. */
export async function diffWorkflowDraft(
  app: Application,
  actor: Actor,
  input: { draftId: string },
): Promise<DraftDiff> {
  requireScope(actor, "workflows:read");
  const { db } = applicationDeps(app);
  const draft = await requireDraft(db, actor, input.draftId);
  const workflow = await requireWorkflow(db, actor, draft.workflowId);
  const current = await findWorkflowVersion(db, workflow.id, workflow.currentVersion);
  return {
    draft,
    againstVersion: workflow.currentVersion,
    diff: diffGraphs(current?.graph ?? null, draft.graph),
  };
}

/**
 * Dry-runs a version of a workflow (the current one by default) in memory: see {@link dryRunGraph}.
 * Inactive workflows can be dry-run too. Nothing is written.
 */
export async function dryRunWorkflow(
  app: Application,
  actor: Actor,
  input: { workflowId: string; version?: number | null | undefined; input: DryRunInput },
): Promise<DryRunResult> {
  requireScope(actor, "workflows:read");
  const { db } = applicationDeps(app);
  const workflow = await requireWorkflow(db, actor, input.workflowId);
  const number = input.version ?? workflow.currentVersion;
  const version = await findWorkflowVersion(db, workflow.id, number);
  if (!version) {
    throw new ValidationError("Unknown workflow version", [
      {
        path: ["version"],
        message: `workflow ${workflow.id} has no version ${number} (versions 1 to ${workflow.currentVersion})`,
      },
    ]);
  }
  return dryRunGraph(
    {
      graph: version.graph,
      workflowId: workflow.id,
      version: version.version,
      environment: actor.environment,
      workspaceId: actor.workspaceId,
    },
    input.input,
  );
}

/** Dry-runs a draft's graph in memory (it must be valid): see {@link dryRunGraph}. Nothing is written. */
export async function dryRunWorkflowDraft(
  app: Application,
  actor: Actor,
  input: { draftId: string; input: DryRunInput },
): Promise<DryRunResult> {
  requireScope(actor, "workflows:read");
  const { db } = applicationDeps(app);
  const draft = await requireDraft(db, actor, input.draftId);
  const result = validateGraph(draft.graph);
  if (!result.ok) {
    throw new ValidationError(
      `Draft ${draft.id} is invalid; fix its graph before a dry run`,
      result.issues.map((issue) => toValidationIssue(issue)),
    );
  }
  return dryRunGraph(
    {
      graph: result.graph,
      workflowId: draft.workflowId,
      version: draft.baseVersion + 1,
      environment: actor.environment,
      workspaceId: actor.workspaceId,
    },
    input.input,
  );
}

/**
 * A workflow's analytics over runs created in `[from, to)` (at most 366 days), optionally of one version:
 * runs by status and final status, run and node durations (p50/p95), node results and pass rates.
 */
export async function workflowAnalytics(
  app: Application,
  actor: Actor,
  input: { workflowId: string; from: Date; to: Date; version?: number | null | undefined },
): Promise<WorkflowAnalytics> {
  requireScope(actor, "workflows:read");
  const { db } = applicationDeps(app);
  const issues: ValidationIssue[] = [];
  if (Number.isNaN(input.from.getTime())) issues.push({ path: ["from"], message: "must be a date" });
  if (Number.isNaN(input.to.getTime())) issues.push({ path: ["to"], message: "must be a date" });
  if (issues.length === 0 && input.to.getTime() <= input.from.getTime()) {
    issues.push({ path: ["to"], message: "must be after from" });
  } else if (issues.length === 0 && input.to.getTime() - input.from.getTime() > maxAnalyticsWindowMs) {
    issues.push({ path: ["to"], message: "the window from → to can span at most 366 days" });
  }
  if (issues.length > 0) throw new ValidationError("Invalid analytics window", issues);
  const workflow = await requireWorkflow(db, actor, input.workflowId);
  if (input.version !== null && input.version !== undefined) {
    if (!(await findWorkflowVersion(db, workflow.id, input.version))) {
      throw new ValidationError("Unknown workflow version", [
        { path: ["version"], message: `workflow ${workflow.id} has no version ${input.version}` },
      ]);
    }
  }
  return queryWorkflowAnalytics(db, {
    workflowId: workflow.id,
    from: input.from,
    to: input.to,
    version: input.version,
  });
}
