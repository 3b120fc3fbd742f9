import {
  autofillResponse,
  getAutofillJob,
  getResponsesByIds,
  maxAutofillWaitMs,
  saveResponse,
  sendResponse,
  sendToRecipient,
  waitForAutofillJob,
} from "@flowgate/application";
import { type AutofillJob, autofillJobStatuses, type DdqResponse, entityTypes } from "@flowgate/domain";
import { z } from "@hono/zod-openapi";
import {
  errorResponses,
  idParam,
  jsonBody,
  jsonResponse,
  optionalJsonBody,
  type RestApi,
  reply,
  restRoutes,
} from "./api.ts";
import { kycGenieErrors } from "./errors.ts";
import { presentWorkflowResponse, snakeRecord } from "./presenters.ts";
import { autofillAnswersJob } from "./versions.ts";

// KYC Genie's Workflows API (seed 003): send, send a prefill response, save, autofill. Paths end in `/`
// as the seed writes them. Validation and status problems are 400s, as the seed lists them.

const ResponseParams = z.object({ response_id: idParam("ID of the response (`rsp_*`).", "rsp_abc123") });

const AutofillJobParams = z.object({ job_id: idParam("ID of the autofill job (`afj_*`).", "afj_abc123") });

/** An autofill job (GraphQL `AutofillJob`). */
const AutofillJobBody = z
  .object({
    id: z.string(),
    object: z.literal("autofill_job"),
    response_id: z.string(),
    status: z.enum(autofillJobStatuses),
    provider: z.string(),
    deterministic: z.boolean(),
    filled_count: z.number().int(),
    filled: z.array(z.object({ question_id: z.string(), value: z.unknown(), source: z.unknown() })),
    error: z.string().nullable(),
    attempts: z.number().int(),
    created_at: z.string(),
    started_at: z.string().nullable(),
    finished_at: z.string().nullable(),
  })
  .openapi("AutofillJob");

/** An autofill job as REST answers it. */
function presentAutofillJob(job: AutofillJob) {
  return {
    id: job.id,
    object: "autofill_job",
    response_id: job.responseId,
    status: job.status,
    provider: job.provider,
    deterministic: job.deterministic,
    filled_count: job.filled.length,
    filled: snakeRecord(job.filled),
    error: job.error,
    attempts: job.attempts,
    created_at: job.createdAt.toISOString(),
    started_at: job.startedAt?.toISOString() ?? null,
    finished_at: job.finishedAt?.toISOString() ?? null,
  };
}

/** Seed 003's Workflow Response Object. */
const WorkflowResponse = z
  .object({
    workflow_session_id: z.string().nullable(),
    status: z.enum(["sent", "prefill_ready", "queued"]).openapi({
      description:
        "`sent` (email dispatched, credit charged), `prefill_ready`, or `queued`: the durable email job did not finish within the wait (`FLOWGATE_SEND_WAIT_MS`); it goes on and charges when the email is sent",
    }),
    email_sent: z.boolean(),
    entity_id: z.string(),
    entity_name: z.string(),
    response_id: z.string().nullable(),
    verification_session_id: z.string().nullable(),
    steps: z.array(z.enum(["ddq", "verification"])),
    expires_at: z.string().nullable(),
  })
  .openapi("WorkflowResponse");

const EntityBlock = z
  .object({
    entity_type: z.enum(entityTypes).optional(),
    legal_name: z.string().optional(),
    trading_name: z.string().optional(),
    first_name: z.string().optional(),
    last_name: z.string().optional(),
    email: z.string().optional(),
    phone: z.string().optional(),
    jurisdiction: z.string().optional(),
  })
  .openapi("EntityBlock");

/** `POST /workflows/send/` body; the seed's rules (exactly one entity, …) are the domain's `planRecipientSend`. */
const SendBody = z
  .object({
    entity_id: z.string().optional(),
    entity: EntityBlock.optional(),
    ddq: z
      .object({
        questionnaire_id: z
          .union([z.string(), z.number().int()])
          .transform(String)
          .openapi({ description: "ID of the DDQ template (`qnr_*`)." }),
        response_name: z.string().optional(),
        prefill: z.boolean().optional(),
        run_id: z.string().optional(),
      })
      .optional(),
    verification: z
      .object({
        checks: z.object({
          document: z.boolean().optional(),
          identity: z.boolean().optional(),
          enhancedIdentity: z.boolean().optional(),
          proofOfAddress: z.boolean().optional(),
        }),
      })
      .optional(),
    email: z.string().optional(),
    expiry_hours: z
      .number()
      .int()
      .optional()
      .openapi({ description: "1–168; default the workspace's (48)." }),
  })
  .openapi("SendWorkflowRequest");

const SendResponseBody = z
  .object({ email: z.string().optional(), expiry_hours: z.number().int().optional() })
  .openapi("SendResponseRequest");

const SaveBody = z
  .object({
    answers: z
      .record(z.string(), z.unknown())
      .openapi({ description: "Answers by question id; null clears an answer." }),
  })
  .openapi("SaveResponseRequest");

/** A DDQ response (GraphQL `Response`), without the internal AI fields. */
export function presentResponse(response: DdqResponse) {
  const { answerSources: _sources, aiAnalysis: _analysis, ...rest } = response;
  return snakeRecord(rest);
}

/** Adds the KYC Genie routes. */
export function recipientSendRoutes(api: RestApi): void {
  const route = restRoutes(api, ["Workflows API (KYC Genie)"], kycGenieErrors);
  route(
    {
      method: "post",
      path: "/workflows/send/",
      summary: "Send Workflow (seed 003; GraphQL `sendWorkflow`)",
      request: { body: jsonBody(SendBody) },
      responses: {
        201: jsonResponse("A Workflow Response Object", WorkflowResponse),
        ...errorResponses(400, 401, 402, 404, 429, 500),
      },
    },
    async (c) => {
      const body = c.req.valid("json");
      const e = body.entity;
      const result = await sendToRecipient(c.get("app"), c.get("actor"), {
        entityId: body.entity_id ?? null,
        entity: e
          ? {
              entityType: e.entity_type ?? null,
              legalName: e.legal_name ?? null,
              tradingName: e.trading_name ?? null,
              firstName: e.first_name ?? null,
              lastName: e.last_name ?? null,
              email: e.email ?? null,
              phone: e.phone ?? null,
              jurisdiction: e.jurisdiction ?? null,
            }
          : null,
        ddq: body.ddq
          ? {
              questionnaireId: body.ddq.questionnaire_id,
              responseName: body.ddq.response_name ?? null,
              prefill: body.ddq.prefill ?? null,
              runId: body.ddq.run_id ?? null,
            }
          : null,
        verification: body.verification ?? null,
        email: body.email ?? null,
        expiryHours: body.expiry_hours ?? null,
      });
      return reply(c, 201, presentWorkflowResponse(result));
    },
  );

  route(
    {
      method: "post",
      path: "/responses/{response_id}/send/",
      summary: "Send a Prefill Response (seed 003; GraphQL `sendResponse`)",
      request: { params: ResponseParams, body: optionalJsonBody(SendResponseBody) },
      responses: {
        200: jsonResponse("A Workflow Response Object", WorkflowResponse),
        ...errorResponses(400, 401, 402, 404, 429, 500),
      },
    },
    async (c) => {
      const body = c.req.valid("json") ?? {};
      const result = await sendResponse(c.get("app"), c.get("actor"), {
        responseId: c.req.valid("param").response_id,
        email: body.email ?? null,
        expiryHours: body.expiry_hours ?? null,
      });
      return reply(c, 200, presentWorkflowResponse(result));
    },
  );

  route(
    {
      method: "put",
      path: "/responses/{response_id}/save/",
      summary: "Save answers of a response (seed 003; GraphQL `saveResponse`)",
      request: { params: ResponseParams, body: jsonBody(SaveBody) },
      responses: { 200: jsonResponse("The response", z.unknown()), ...errorResponses(400, 401, 404) },
    },
    async (c) => {
      const response = await saveResponse(c.get("app"), c.get("actor"), {
        responseId: c.req.valid("param").response_id,
        answers: c.req.valid("json").answers,
      });
      return reply(c, 200, presentResponse(response));
    },
  );

  route(
    {
      method: "post",
      path: "/responses/{response_id}/autofill/",
      summary: "Autofill a response from the entity's documents (seed 003; GraphQL `autofillResponse`)",
      description:
        "Queues an autofill job and answers 202 with it (version 2026-12-01); poll `GET /autofill-jobs/{job_id}/`. While a job of the response is queued or running, the same job is answered. Before 2026-12-01 the request waits for the job (up to 120 s) and answers 200 `{response, filled, provider, error, autofill_job_id}` as the synchronous autofill did (202 with the job if it is still running then).",
      request: { params: ResponseParams },
      responses: {
        200: jsonResponse("The answers filled (versions before 2026-12-01)", z.unknown()),
        202: jsonResponse("The autofill job, queued", AutofillJobBody),
        ...errorResponses(400, 401, 404),
      },
    },
    async (c) => {
      const app = c.get("app");
      const actor = c.get("actor");
      const job = await autofillResponse(app, actor, { responseId: c.req.valid("param").response_id });
      if (autofillAnswersJob(c)) return reply(c, 202, presentAutofillJob(job));
      const finished = await waitForAutofillJob(app, actor, job.id, { timeoutMs: maxAutofillWaitMs });
      if (finished.status !== "SUCCEEDED" && finished.status !== "FAILED") {
        return reply(c, 202, presentAutofillJob(finished));
      }
      const [response] = await getResponsesByIds(app, actor, [finished.responseId]);
      return reply(c, 200, {
        response: response ? presentResponse(response) : null,
        filled: snakeRecord(finished.filled),
        provider: { name: finished.provider, deterministic: finished.deterministic },
        error: finished.error,
        autofill_job_id: finished.id,
      });
    },
  );

  route(
    {
      method: "get",
      path: "/autofill-jobs/{job_id}/",
      summary: "An autofill job (GraphQL `autofillJob`)",
      request: { params: AutofillJobParams },
      responses: {
        200: jsonResponse("The autofill job", AutofillJobBody),
        ...errorResponses(401, 404),
      },
    },
    async (c) => {
      const job = await getAutofillJob(c.get("app"), c.get("actor"), c.req.valid("param").job_id);
      return reply(c, 200, presentAutofillJob(job));
    },
  );
}
