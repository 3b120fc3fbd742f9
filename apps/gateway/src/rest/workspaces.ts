import { listNodeRunsOfRuns, triggerTaskWorkflow } from "@flowgate/application";
import { z } from "@hono/zod-openapi";
import {
  errorResponses,
  idParam,
  jsonResponse,
  optionalJsonBody,
  type RestApi,
  reply,
  restRoutes,
} from "./api.ts";
import { verifaErrors } from "./errors.ts";
import { presentTaskRun } from "./presenters.ts";

// AITasker's workspace workflows (seed 004).

const NodeRun = z
  .object({
    id: z.string(),
    workflow_run_id: z.string(),
    workflow_node_id: z.string(),
    status: z.string(),
    created_at: z.string(),
    task_id: z.string().nullable(),
    input_data: z.record(z.string(), z.unknown()).nullable(),
    output_data: z.record(z.string(), z.unknown()).nullable(),
    started_at: z.string().nullable(),
    completed_at: z.string().nullable(),
  })
  .openapi("WorkflowNodeRunResponse");

const WorkspaceRun = z
  .object({
    id: z.string(),
    workflow_id: z.string(),
    status: z.string(),
    created_at: z.string(),
    triggered_by: z.string().nullable(),
    trigger_payload: z.record(z.string(), z.unknown()),
    started_at: z.string().nullable(),
    completed_at: z.string().nullable(),
    error_message: z.string().nullable(),
    total_cost_cents: z.number().int(),
    node_runs: z.array(NodeRun),
  })
  .openapi("WorkflowRunResponse");

/** Adds the workspace workflow routes. */
export function workspaceRoutes(api: RestApi): void {
  const route = restRoutes(api, ["Workspace workflows (AITasker)"], verifaErrors);
  route(
    {
      method: "post",
      path: "/workspaces/{workspace_id}/workflows/{workflow_id}/trigger",
      summary: "Trigger Workspace Workflow (seed 004; GraphQL `triggerWorkspaceWorkflow`)",
      request: {
        params: z.object({
          workspace_id: idParam("The caller's workspace (`ws_*`).", "ws_abc123"),
          workflow_id: idParam("Workflow ID (`wfl_*`).", "wfl_abc123"),
        }),
        body: optionalJsonBody(
          z
            .object({ trigger_payload: z.record(z.string(), z.unknown()).optional() })
            .openapi("TriggerWorkspaceWorkflowRequest"),
        ),
      },
      responses: {
        200: jsonResponse("Successful Response", WorkspaceRun),
        ...errorResponses(401, 404, 409, 422),
      },
    },
    async (c) => {
      const { workspace_id, workflow_id } = c.req.valid("param");
      const app = c.get("app");
      const actor = c.get("actor");
      const run = await triggerTaskWorkflow(app, actor, {
        workspaceId: workspace_id,
        workflowId: workflow_id,
        triggerPayload: c.req.valid("json")?.trigger_payload ?? {},
      });
      const [nodeRuns] = await listNodeRunsOfRuns(app, actor, [run.id]);
      return reply(c, 200, presentTaskRun(run, nodeRuns ?? []));
    },
  );
}
