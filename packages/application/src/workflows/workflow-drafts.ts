import {
  advanceWorkflowVersion,
  closeWorkflowDraft,
  findOpenWorkflowDrafts,
  findWorkflowDraft,
  findWorkflowDraftsByIds,
  findWorkflowVersion,
  insertWorkflowDraft,
  insertWorkflowVersion,
  listWorkflowDrafts as listWorkflowDraftRows,
  type PageRequest,
  updateWorkflowDraftGraph,
} from "@flowgate/db";
import {
  ConflictError,
  diffGraphs,
  type GraphDiff,
  newId,
  parseWorkflowGraph,
  ValidationError,
  type Workflow,
  type WorkflowDraft,
  type WorkflowDraftStatus,
  type WorkflowVersion,
} from "@flowgate/domain";
import { inTransaction } from "@flowgate/engine";
import { requireScope } from "../access.ts";
import type { Actor } from "../actor.ts";
import { type Application, applicationDeps } from "../application.ts";
import { alignByKey } from "../batch.ts";
import {
  draftValidation,
  isUniqueViolation,
  requireDraft,
  requireOpen,
  requireWorkflow,
} from "./workflow-records.ts";

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

/**
 * Opens a draft of a workflow from its current version or an earlier one (`fromVersion`). A workflow has at
 * most one open draft: a second is a conflict. The draft's base is the current version, which publishing
 * requires to be current still. Needs `workflows:write`.
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
 * Needs `workflows:write`.
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

/** Discards an open draft; it stays listed as `discarded`. Needs `workflows:write`. */
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
 * each refuse the second). Needs `workflows:write`.
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
 * Diffs a draft against its workflow's current version: nodes added, removed, changed; the entry.
 * Needs `workflows:read`.
 */
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

/** Filters of {@link listWorkflowDrafts}. */
export interface WorkflowDraftFilter {
  workflowId?: string | undefined;
  status?: WorkflowDraftStatus | undefined;
}

/**
 * Drafts by id, in the order asked (`undefined` for those that are not the caller's). Needs `workflows:read`.
 *
 * @param app - The application.
 * @param actor - The caller.
 * @param ids - Draft ids (`wfd_…`).
 */
export async function getWorkflowDraftsByIds(
  app: Application,
  actor: Actor,
  ids: readonly string[],
): Promise<(WorkflowDraft | undefined)[]> {
  requireScope(actor, "workflows:read");
  const { db } = applicationDeps(app);
  return alignByKey(ids, await findWorkflowDraftsByIds(db, actor, ids), (draft) => draft.id);
}

/**
 * The open draft of each workflow, in the order asked (`undefined` where there is none). Needs
 * `workflows:read`.
 *
 * @param app - The application.
 * @param actor - The caller.
 * @param workflowIds - Workflow ids.
 */
export async function getOpenDraftsOfWorkflows(
  app: Application,
  actor: Actor,
  workflowIds: readonly string[],
): Promise<(WorkflowDraft | undefined)[]> {
  requireScope(actor, "workflows:read");
  const { db } = applicationDeps(app);
  const drafts = await findOpenWorkflowDrafts(db, actor, workflowIds);
  return alignByKey(workflowIds, drafts, (draft) => draft.workflowId);
}

/**
 * A page of the caller's drafts (open, published and discarded), newest first. Needs `workflows:read`.
 *
 * @param app - The application.
 * @param actor - The caller.
 * @param page - Keyset page and filters.
 */
export async function listWorkflowDrafts(
  app: Application,
  actor: Actor,
  page: PageRequest & WorkflowDraftFilter,
): Promise<WorkflowDraft[]> {
  requireScope(actor, "workflows:read");
  return listWorkflowDraftRows(applicationDeps(app).db, actor, page);
}
