import { type RecipientSendResult, sendResponse, sendToRecipient } from "@flowgate/application";
import {
  EmailDeliveryError,
  EmailHourlyCapError,
  entityTypes,
  InsufficientCreditsError,
} from "@flowgate/domain";
import { builder } from "../builder.ts";
import { EntityRef, EntityTypeEnum, ResponseRef } from "./entity.ts";
import { ErrorInterface, recordErrors } from "./errors.ts";
import { WorkflowSessionRef, WorkflowStepEnum } from "./recipient-send.ts";

const WorkflowSendStatusEnum = builder.enumType("WorkflowSendStatus", {
  description:
    "`sent`: the email was dispatched and credits charged; `prefill_ready`: a PREFILL response was created, send it later with sendResponse; `queued`: the email job did not finish within the server's wait (FLOWGATE_SEND_WAIT_MS) and goes on durably: the credit is charged when the email is sent (see `workflowSession.emailSentAt`), or released if it fails.",
  values: ["sent", "prefill_ready", "queued"] as const,
});

builder.objectType(EmailDeliveryError, {
  name: "EmailDeliveryError",
  description:
    "The workflow email could not be dispatched. Nothing was charged; on sendWorkflow the response was deleted (an entity created by the request is kept), on sendResponse the response went back to PREFILL. The call can be retried.",
  interfaces: [ErrorInterface],
  isTypeOf: (value) => value instanceof EmailDeliveryError,
  fields: (t) => ({
    retryable: t.exposeBoolean("retryable", {
      description: "Always true: the request may be retried as it was.",
    }),
    entityId: t.exposeID("entityId", { description: "The entity of the request, kept." }),
    responseId: t.exposeID("responseId", {
      nullable: true,
      description:
        "The response reverted to PREFILL (sendResponse); null when it was deleted (sendWorkflow).",
    }),
    reason: t.exposeString("reason", { description: "What the mail transport reported." }),
  }),
});

builder.objectType(EmailHourlyCapError, {
  name: "EmailHourlyCapError",
  description:
    "The workspace has sent as many emails this UTC hour as its cap allows (FLOWGATE_EMAILS_PER_WORKSPACE_HOUR). Nothing was created, sent or charged.",
  interfaces: [ErrorInterface],
  isTypeOf: (value) => value instanceof EmailHourlyCapError,
  fields: (t) => ({
    cap: t.exposeInt("cap", { description: "Emails a workspace may send per UTC hour." }),
    retryAfterSeconds: t.exposeInt("retryAfterSeconds", {
      description: "Seconds until the next hour, when the count starts again.",
    }),
  }),
});

const WorkflowResponseRef = builder.objectRef<RecipientSendResult>("WorkflowResponse").implement({
  description: "The answer of sendWorkflow and sendResponse (seed 003's Workflow Response object).",
  fields: (t) => ({
    workflowSessionId: t.exposeID("workflowSessionId", {
      nullable: true,
      description: "The workflow session created; null on the prefill path (no session until sendResponse).",
    }),
    status: t.field({
      type: WorkflowSendStatusEnum,
      resolve: (r) => r.status,
      description: "`sent` or `prefill_ready`.",
    }),
    emailSent: t.exposeBoolean("emailSent", {
      description: "Whether the workflow email was dispatched in this request.",
    }),
    entityId: t.exposeID("entityId", { description: "The entity (existing or newly created)." }),
    entityName: t.exposeString("entityName", { description: "The entity's display name." }),
    responseId: t.exposeID("responseId", {
      nullable: true,
      description: "The response created; null when no DDQ block was included.",
    }),
    verificationSessionId: t.exposeID("verificationSessionId", {
      nullable: true,
      description:
        "The verification session created; null without verification, or on the prefill path (it is created at send time).",
    }),
    steps: t.field({
      type: [WorkflowStepEnum],
      resolve: (r) => r.steps,
      description: "The steps included, in order.",
    }),
    expiresAt: t.expose("expiresAt", {
      type: "DateTime",
      nullable: true,
      description: "When the magic link expires (UTC); null on the prefill path.",
    }),
    creditsCharged: t.exposeInt("creditsCharged", {
      description:
        "Credits charged by this request: 1 for a live send, 0 on the prefill path and in the sandbox.",
    }),
    entity: t.field({
      type: EntityRef,
      nullable: true,
      description: "The entity.",
      resolve: async (r, _args, context) => (await context.loaders.ddq.entity.load(r.entityId)) ?? null,
    }),
    response: t.field({
      type: ResponseRef,
      nullable: true,
      description: "The response, if any.",
      resolve: async (r, _args, context) =>
        r.responseId ? ((await context.loaders.ddq.response.load(r.responseId)) ?? null) : null,
    }),
    workflowSession: t.field({
      type: WorkflowSessionRef,
      nullable: true,
      description: "The workflow session, if any.",
      resolve: async (r, _args, context) =>
        r.workflowSessionId
          ? ((await context.loaders.ddq.recipientSend.load(r.workflowSessionId)) ?? null)
          : null,
    }),
  }),
});

const SendEntityInput = builder.inputType("SendEntityInput", {
  description: "An entity created inline by sendWorkflow (seed 003's entity block).",
  fields: (t) => ({
    entityType: t.field({
      type: EntityTypeEnum,
      required: false,
      description: `${entityTypes.join(" or ")} (default company).`,
    }),
    legalName: t.string({
      required: false,
      description: "Official registered name; required for a company.",
    }),
    tradingName: t.string({ required: false, description: "Trading / DBA name (companies only)." }),
    firstName: t.string({ required: false, description: "First name; required for an individual." }),
    lastName: t.string({ required: false, description: "Last name; required for an individual." }),
    email: t.string({ required: false, description: "Email address stored on the entity." }),
    phone: t.string({ required: false, description: "Phone number." }),
    jurisdiction: t.string({ required: false, description: "ISO 3166-1 alpha-2 country code, e.g. `GB`." }),
  }),
});

const SendDdqInput = builder.inputType("SendDdqInput", {
  description: "The DDQ block: which questionnaire to send.",
  fields: (t) => ({
    questionnaireId: t.id({
      required: true,
      description: "The questionnaire (must belong to your workspace).",
    }),
    responseName: t.string({
      required: false,
      description: 'Display name; "{entity name} – {questionnaire name}" when left out.',
    }),
    prefill: t.boolean({
      required: false,
      description:
        "Create a PREFILL response to fill before sending (no email, no credit charged until sendResponse). Default false.",
    }),
    runId: t.id({
      required: false,
      description:
        "A run with a questionnaire node for this questionnaire: when the response is submitted (or its link expires) the run continues.",
    }),
  }),
});

const VerificationChecksInput = builder.inputType("VerificationChecksInput", {
  description: "Which identity checks to run; at least one must be true.",
  fields: (t) => ({
    document: t.boolean({ required: false, description: "Document check (passport, driving licence, …)." }),
    identity: t.boolean({ required: false, description: "Biometric selfie / liveness check." }),
    enhancedIdentity: t.boolean({ required: false, description: "Enhanced video identity check." }),
    proofOfAddress: t.boolean({ required: false, description: "Proof-of-address document upload." }),
  }),
});

const SendVerificationInput = builder.inputType("SendVerificationInput", {
  description: "The verification block (individuals only).",
  fields: (t) => ({
    checks: t.field({ type: VerificationChecksInput, required: true, description: "The checks to run." }),
  }),
});

const sendErrors = [...recordErrors, InsufficientCreditsError, EmailHourlyCapError, EmailDeliveryError];

builder.mutationFields((t) => ({
  sendWorkflow: t.field({
    type: WorkflowResponseRef,
    description:
      "Sends a DDQ and/or an identity verification request to an entity (seed 003's `POST /workflows/send/`). Exactly one of entityId and entity; at least one of ddq and verification; verification for individuals only, with at least one check; email required unless ddq.prefill; expiryHours 1–168 (default: the workspace's, 48). Direct path: creates the records, emails the magic link, then charges one `send_ddq` credit (live only). Prefill path: creates a PREFILL response only.",
    authScopes: { scope: "responses:write" },
    errors: { types: sendErrors },
    args: {
      entityId: t.arg.id({ required: false, description: "An existing entity (exclusive with entity)." }),
      entity: t.arg({
        type: SendEntityInput,
        required: false,
        description: "An entity to create (exclusive with entityId).",
      }),
      ddq: t.arg({ type: SendDdqInput, required: false, description: "Send a questionnaire." }),
      verification: t.arg({
        type: SendVerificationInput,
        required: false,
        description: "Request identity verification (individuals only).",
      }),
      email: t.arg.string({
        required: false,
        description: "Where to send the link; required unless ddq.prefill is true.",
      }),
      expiryHours: t.arg.int({
        required: false,
        description: "Hours until the magic link expires (1–168); the workspace's setting (48) by default.",
      }),
    },
    resolve: (_root, args, context) =>
      sendToRecipient(context.app, context.actor, {
        entityId: args.entityId ? String(args.entityId) : null,
        entity: args.entity ?? null,
        ddq: args.ddq
          ? {
              questionnaireId: String(args.ddq.questionnaireId),
              responseName: args.ddq.responseName ?? null,
              prefill: args.ddq.prefill ?? null,
              runId: args.ddq.runId ? String(args.ddq.runId) : null,
            }
          : null,
        verification: args.verification ?? null,
        email: args.email ?? null,
        expiryHours: args.expiryHours ?? null,
      }),
  }),
  sendResponse: t.field({
    type: WorkflowResponseRef,
    description:
      "Sends a PREFILL response (seed 003's `POST /responses/{id}/send/`): it becomes DRAFT, autofill annotations and AI analysis are cleared (answers kept), the verification session stored at prefill is created, the magic link is emailed (to email, else the entity's) and one credit is charged (live only). On email failure it goes back to PREFILL and nothing is charged.",
    authScopes: { scope: "responses:write" },
    errors: { types: sendErrors },
    args: {
      responseId: t.arg.id({ required: true, description: "The PREFILL response (`rsp_…`)." }),
      email: t.arg.string({
        required: false,
        description: "Where to send the link; the entity's email by default.",
      }),
      expiryHours: t.arg.int({
        required: false,
        description: "Hours until the magic link expires (1–168); the workspace's setting (48) by default.",
      }),
    },
    resolve: (_root, args, context) =>
      sendResponse(context.app, context.actor, {
        responseId: String(args.responseId),
        email: args.email ?? null,
        expiryHours: args.expiryHours ?? null,
      }),
  }),
}));
