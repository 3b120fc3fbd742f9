import {
  cloneWorkflow,
  createWorkflow,
  createWorkflowDraft,
  deactivateWorkflow,
  diffWorkflowDraft,
  dryRunWorkflow,
  dryRunWorkflowDraft,
  getWorkflow,
  getWorkflowDraftsByIds,
  listVerificationPolicies,
  listVersionsOfWorkflows,
  listWorkflowDrafts,
  listWorkflows,
  publishWorkflowDraft,
  setDefaultWorkflow,
  triggerWorkflow,
  updateWorkflow,
  updateWorkflowRollout,
  workflowAnalytics,
} from "@flowgate/application";
import { externalDecisions, NotFoundError } from "@flowgate/domain";
import { z } from "@hono/zod-openapi";
import {
  errorResponses,
  idParam,
  jsonBody,
  jsonResponse,
  optionalJsonBody,
  PageQuery,
  type RestApi,
  type RestContext,
  reply,
  replyPage,
  restRoutes,
} from "./api.ts";
import { verifaErrors } from "./errors.ts";
import { presentWorkflow, presentWorkflowVersion, snakeRecord } from "./presenters.ts";
import { listBody } from "./versions.ts";

// Verifa's workflow endpoints (seed 000 and the workflow menu); GraphQL twins in docs/rest.md.

const WorkflowParams = z.object({ workflow_id: idParam("Workflow ID (`wfl_*`).", "wfl_abc123") });
const DraftParams = WorkflowParams.extend({ draft_id: idParam("Draft ID (`wfd_*`).", "wfd_abc123") });
const Json = z.record(z.string(), z.unknown());

const Workflow = z
  .object({
    id: z.string(),
    name: z.string(),
    description: z.string().nullable(),
    metadata: Json,
    status: z.enum(["active", "inactive"]),
    is_default: z.boolean(),
    current_version: z.number().int(),
    rollout: z.array(z.object({ version: z.number().int(), percentage: z.number().int() })).nullable(),
    created_at: z.string(),
    updated_at: z.string(),
  })
  .openapi("Workflow");

const TriggerBody = z
  .object({ session_id: z.string().min(1).openapi({ description: "The session to run the workflow on." }) })
  .openapi("TriggerWorkflowRequest");
const TriggerAccepted = z
  .object({ session_id: z.string(), workflow_id: z.string(), status: z.string() })
  .openapi("TriggerWorkflowResponse");

const CreateWorkflowBody = z
  .object({
    name: z.string().min(1),
    description: z.string().nullable().optional(),
    metadata: Json.optional(),
    graph: Json.openapi({ description: "The workflow graph (nodes and routes), validated before saving." }),
    is_default: z.boolean().optional(),
  })
  .openapi("CreateWorkflowRequest");

const UpdateWorkflowBody = z
  .object({
    name: z.string().min(1).optional(),
    description: z.string().nullable().optional(),
    metadata: Json.optional(),
  })
  .openapi("UpdateWorkflowRequest");

const DryRunBody = z
  .object({
    version: z.number().int().min(1).optional(),
    outcomes: Json.nullable().optional(),
    metadata: Json.nullable().optional(),
    reference_id: z.string().nullable().optional(),
    payload: Json.nullable().optional(),
    decisions: z
      .array(
        z.object({
          node_id: z.string(),
          decision: z.enum(externalDecisions),
          metadata: Json.nullable().optional(),
        }),
      )
      .nullable()
      .optional(),
  })
  .openapi("DryRunRequest");

const RolloutBody = z
  .object({
    entries: z
      .array(z.object({ version: z.number().int().min(1), percentage: z.number().int().min(1).max(100) }))
      .nullable()
      .openapi({
        description: "Versions and shares summing to 100; null sends every run to the current version.",
      }),
  })
  .openapi("UpdateRolloutRequest");

const AnalyticsQuery = z.object({
  from: z.iso
    .datetime({ offset: true })
    .openapi({ description: "Start of the window (inclusive), ISO 8601." }),
  to: z.iso.datetime({ offset: true }).openapi({ description: "End of the window (exclusive), ISO 8601." }),
  version: z.coerce.number().int().min(1).optional(),
});

function dryRunInput(body: z.infer<typeof DryRunBody>) {
  return {
    outcomes: body.outcomes ?? null,
    metadata: body.metadata ?? null,
    referenceId: body.reference_id ?? null,
    payload: body.payload ?? null,
    decisions:
      body.decisions?.map((d) => ({
        nodeId: d.node_id,
        decision: d.decision,
        metadata: d.metadata ?? null,
      })) ?? null,
  };
}

async function requireWorkflow(c: RestContext, id: string) {
  const workflow = await getWorkflow(c.get("app"), c.get("actor"), id);
  if (!workflow) throw new NotFoundError("Workflow", id);
  return workflow;
}

/** A draft of the workflow in the path, or 404 (also when it belongs to another workflow). */
async function requireDraft(c: RestContext, workflowId: string, draftId: string) {
  const [draft] = await getWorkflowDraftsByIds(c.get("app"), c.get("actor"), [draftId]);
  if (!draft || draft.workflowId !== workflowId) throw new NotFoundError("WorkflowDraft", draftId);
  return draft;
}

const ok = (description: string, schema: z.ZodType = z.unknown()) => jsonResponse(description, schema);

/** Adds the workflow routes. */
export function workflowRoutes(api: RestApi): void {
  const route = restRoutes(api, ["Workflows"], verifaErrors);
  route(
    {
      method: "get",
      path: "/workflows",
      summary: "List workflows (GraphQL `workflows`)",
      request: {
        query: PageQuery.extend({
          status: z.enum(["active", "inactive"]).optional(),
        }),
      },
      responses: { 200: ok("A page of workflows, newest first"), ...errorResponses(401, 422) },
    },
    async (c) => {
      const query = c.req.valid("query");
      return replyPage(
        c,
        query,
        (page) => listWorkflows(c.get("app"), c.get("actor"), { ...page, status: query.status }),
        presentWorkflow,
      );
    },
  );

  route(
    {
      method: "post",
      path: "/workflows",
      summary: "Create a workflow (GraphQL `createWorkflow`)",
      request: { body: jsonBody(CreateWorkflowBody) },
      responses: {
        201: ok("The workflow, its graph published as version 1", Workflow),
        ...errorResponses(401, 422),
      },
    },
    async (c) => {
      const body = c.req.valid("json");
      const workflow = await createWorkflow(c.get("app"), c.get("actor"), {
        name: body.name,
        description: body.description ?? null,
        metadata: body.metadata ?? null,
        graph: body.graph,
        isDefault: body.is_default ?? null,
      });
      return reply(c, 201, presentWorkflow(workflow));
    },
  );

  // Before `/workflows/{workflow_id}`, which would otherwise take "policies" for an id.
  route(
    {
      method: "get",
      path: "/workflows/policies",
      summary: "List available verification policies (GraphQL `verificationPolicies`)",
      responses: { 200: ok("The policies a policy node can run"), ...errorResponses(401) },
    },
    (c) => reply(c, 200, { data: snakeRecord(listVerificationPolicies(c.get("actor"))) }),
  );

  route(
    {
      method: "get",
      path: "/workflows/{workflow_id}",
      summary: "Get a workflow (GraphQL `workflow`)",
      request: { params: WorkflowParams },
      responses: { 200: ok("The workflow", Workflow), ...errorResponses(401, 404) },
    },
    async (c) => reply(c, 200, presentWorkflow(await requireWorkflow(c, c.req.valid("param").workflow_id))),
  );

  route(
    {
      method: "patch",
      path: "/workflows/{workflow_id}",
      summary: "Update a workflow (GraphQL `updateWorkflow`)",
      request: { params: WorkflowParams, body: jsonBody(UpdateWorkflowBody) },
      responses: { 200: ok("The workflow", Workflow), ...errorResponses(401, 404, 422) },
    },
    async (c) => {
      const body = c.req.valid("json");
      const workflow = await updateWorkflow(c.get("app"), c.get("actor"), {
        workflowId: c.req.valid("param").workflow_id,
        ...(body.name !== undefined ? { name: body.name } : {}),
        ...(body.description !== undefined ? { description: body.description } : {}),
        ...(body.metadata !== undefined ? { metadata: body.metadata } : {}),
      });
      return reply(c, 200, presentWorkflow(workflow));
    },
  );

  route(
    {
      method: "post",
      path: "/workflows/{workflow_id}/trigger",
      summary: "Trigger a workflow (seed 000; GraphQL `triggerWorkflow`)",
      description:
        "Trigger a workflow run on an existing session in `completed` or `failed` status: the previous run is deleted and the session is set to `processing`. Required scope: `workflows:trigger`.",
      request: { params: WorkflowParams, body: jsonBody(TriggerBody) },
      responses: {
        200: ok("Workflow trigger accepted. The session is now processing.", TriggerAccepted),
        ...errorResponses(401, 404, 409, 422),
      },
    },
    async (c) => {
      const accepted = await triggerWorkflow(c.get("app"), c.get("actor"), {
        workflowId: c.req.valid("param").workflow_id,
        sessionId: c.req.valid("json").session_id,
      });
      return reply(c, 200, {
        session_id: accepted.sessionId,
        workflow_id: accepted.workflowId,
        status: accepted.status,
      });
    },
  );

  route(
    {
      method: "get",
      path: "/workflows/{workflow_id}/versions",
      summary: "List workflow versions (GraphQL `workflow { versions }`)",
      request: { params: WorkflowParams },
      responses: { 200: ok("Every version, newest first"), ...errorResponses(401, 404) },
    },
    async (c) => {
      const workflow = await requireWorkflow(c, c.req.valid("param").workflow_id);
      const [versions] = await listVersionsOfWorkflows(c.get("app"), c.get("actor"), [workflow.id]);
      const data = (versions ?? []).map(presentWorkflowVersion);
      return reply(c, 200, listBody(c, { data, has_more: false, next_cursor: null }));
    },
  );

  route(
    {
      method: "get",
      path: "/workflows/{workflow_id}/analytics",
      summary: "Get workflow analytics (GraphQL `workflow { analytics }`)",
      request: { params: WorkflowParams, query: AnalyticsQuery },
      responses: {
        200: ok("Runs in the window by status, durations and pass rates"),
        ...errorResponses(401, 404, 422),
      },
    },
    async (c) => {
      const query = c.req.valid("query");
      const analytics = await workflowAnalytics(c.get("app"), c.get("actor"), {
        workflowId: c.req.valid("param").workflow_id,
        from: new Date(query.from),
        to: new Date(query.to),
        version: query.version ?? null,
      });
      return reply(c, 200, snakeRecord(analytics));
    },
  );

  for (const [action, summary, run] of [
    ["default", "Set a workflow as default (GraphQL `setDefaultWorkflow`)", setDefaultWorkflow],
    ["deactivate", "Deactivate a workflow (GraphQL `deactivateWorkflow`)", deactivateWorkflow],
  ] as const) {
    route(
      {
        method: "post",
        path: `/workflows/{workflow_id}/${action}`,
        summary,
        request: { params: WorkflowParams },
        responses: { 200: ok("The workflow", Workflow), ...errorResponses(401, 404, 409) },
      },
      async (c) =>
        reply(
          c,
          200,
          presentWorkflow(
            await run(c.get("app"), c.get("actor"), { workflowId: c.req.valid("param").workflow_id }),
          ),
        ),
    );
  }

  route(
    {
      method: "post",
      path: "/workflows/{workflow_id}/clone",
      summary: "Clone a workflow (GraphQL `cloneWorkflow`)",
      request: {
        params: WorkflowParams,
        body: optionalJsonBody(
          z.object({ name: z.string().min(1).optional() }).openapi("CloneWorkflowRequest"),
        ),
      },
      responses: { 201: ok("The copy", Workflow), ...errorResponses(401, 404, 422) },
    },
    async (c) => {
      const body = c.req.valid("json") ?? {};
      const workflow = await cloneWorkflow(c.get("app"), c.get("actor"), {
        workflowId: c.req.valid("param").workflow_id,
        name: body.name ?? null,
      });
      return reply(c, 201, presentWorkflow(workflow));
    },
  );

  route(
    {
      method: "post",
      path: "/workflows/{workflow_id}/dry-run",
      summary: "Dry-run a workflow (GraphQL `dryRunWorkflow`)",
      request: { params: WorkflowParams, body: optionalJsonBody(DryRunBody) },
      responses: {
        200: ok("Path, node results, final status and cost; nothing written"),
        ...errorResponses(401, 404, 422),
      },
    },
    async (c) => {
      const body = c.req.valid("json") ?? {};
      const result = await dryRunWorkflow(c.get("app"), c.get("actor"), {
        workflowId: c.req.valid("param").workflow_id,
        version: body.version ?? null,
        input: dryRunInput(body),
      });
      return reply(c, 200, snakeRecord(result));
    },
  );

  route(
    {
      method: "get",
      path: "/workflows/{workflow_id}/rollout",
      summary: "Get workflow rollout map (GraphQL `workflow { rollout }`)",
      request: { params: WorkflowParams },
      responses: { 200: ok("The rollout map"), ...errorResponses(401, 404) },
    },
    async (c) => {
      const workflow = await requireWorkflow(c, c.req.valid("param").workflow_id);
      return reply(c, 200, {
        workflow_id: workflow.id,
        current_version: workflow.currentVersion,
        entries: workflow.rollout,
      });
    },
  );

  route(
    {
      method: "put",
      path: "/workflows/{workflow_id}/rollout",
      summary: "Update workflow rollout map (GraphQL `updateWorkflowRollout`)",
      request: { params: WorkflowParams, body: jsonBody(RolloutBody) },
      responses: { 200: ok("The rollout map"), ...errorResponses(401, 404, 422) },
    },
    async (c) => {
      const workflow = await updateWorkflowRollout(c.get("app"), c.get("actor"), {
        workflowId: c.req.valid("param").workflow_id,
        entries: c.req.valid("json").entries,
      });
      return reply(c, 200, {
        workflow_id: workflow.id,
        current_version: workflow.currentVersion,
        entries: workflow.rollout,
      });
    },
  );

  route(
    {
      method: "get",
      path: "/workflows/{workflow_id}/drafts",
      summary: "List workflow drafts (GraphQL `workflowDrafts`)",
      request: { params: WorkflowParams, query: PageQuery },
      responses: { 200: ok("A page of drafts, newest first"), ...errorResponses(401, 404) },
    },
    async (c) => {
      const workflow = await requireWorkflow(c, c.req.valid("param").workflow_id);
      return replyPage(
        c,
        c.req.valid("query"),
        (page) => listWorkflowDrafts(c.get("app"), c.get("actor"), { ...page, workflowId: workflow.id }),
        snakeRecord,
      );
    },
  );

  route(
    {
      method: "post",
      path: "/workflows/{workflow_id}/drafts",
      summary: "Open a draft (GraphQL `createWorkflowDraft`)",
      request: {
        params: WorkflowParams,
        body: optionalJsonBody(
          z.object({ from_version: z.number().int().min(1).optional() }).openapi("CreateDraftRequest"),
        ),
      },
      responses: { 201: ok("The open draft"), ...errorResponses(401, 404, 409) },
    },
    async (c) => {
      const body = c.req.valid("json") ?? {};
      const draft = await createWorkflowDraft(c.get("app"), c.get("actor"), {
        workflowId: c.req.valid("param").workflow_id,
        fromVersion: body.from_version ?? null,
      });
      return reply(c, 201, snakeRecord(draft));
    },
  );

  route(
    {
      method: "get",
      path: "/workflows/{workflow_id}/drafts/{draft_id}",
      summary: "Get a workflow draft (GraphQL `workflowDraft`)",
      request: { params: DraftParams },
      responses: { 200: ok("The draft"), ...errorResponses(401, 404) },
    },
    async (c) => {
      const { workflow_id, draft_id } = c.req.valid("param");
      return reply(c, 200, snakeRecord(await requireDraft(c, workflow_id, draft_id)));
    },
  );

  route(
    {
      method: "get",
      path: "/workflows/{workflow_id}/drafts/{draft_id}/diff",
      summary: "Diff a draft against the current workflow (GraphQL `workflowDraft { diff }`)",
      request: { params: DraftParams },
      responses: { 200: ok("Added, removed and changed nodes"), ...errorResponses(401, 404) },
    },
    async (c) => {
      const { workflow_id, draft_id } = c.req.valid("param");
      await requireDraft(c, workflow_id, draft_id);
      const diff = await diffWorkflowDraft(c.get("app"), c.get("actor"), { draftId: draft_id });
      return reply(
        c,
        200,
        snakeRecord({ draftId: diff.draft.id, againstVersion: diff.againstVersion, diff: diff.diff }),
      );
    },
  );

  route(
    {
      method: "post",
      path: "/workflows/{workflow_id}/drafts/{draft_id}/dry-run",
      summary: "Dry-run a workflow draft (GraphQL `dryRunWorkflowDraft`)",
      request: { params: DraftParams, body: optionalJsonBody(DryRunBody) },
      responses: {
        200: ok("Path, node results, final status and cost; nothing written"),
        ...errorResponses(401, 404, 422),
      },
    },
    async (c) => {
      const { workflow_id, draft_id } = c.req.valid("param");
      await requireDraft(c, workflow_id, draft_id);
      const result = await dryRunWorkflowDraft(c.get("app"), c.get("actor"), {
        draftId: draft_id,
        input: dryRunInput(c.req.valid("json") ?? {}),
      });
      return reply(c, 200, snakeRecord(result));
    },
  );

  route(
    {
      method: "post",
      path: "/workflows/{workflow_id}/drafts/{draft_id}/publish",
      summary: "Publish a workflow draft (GraphQL `publishWorkflowDraft`)",
      request: {
        params: DraftParams,
        body: optionalJsonBody(
          z.object({ keep_rollout: z.boolean().optional() }).openapi("PublishDraftRequest"),
        ),
      },
      responses: { 200: ok("The workflow and its new version"), ...errorResponses(401, 404, 409, 422) },
    },
    async (c) => {
      const { workflow_id, draft_id } = c.req.valid("param");
      await requireDraft(c, workflow_id, draft_id);
      const published = await publishWorkflowDraft(c.get("app"), c.get("actor"), {
        draftId: draft_id,
        keepRollout: c.req.valid("json")?.keep_rollout ?? null,
      });
      return reply(c, 200, {
        workflow: presentWorkflow(published.workflow),
        version: presentWorkflowVersion(published.version),
      });
    },
  );
}
