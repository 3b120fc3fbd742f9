import type { Db } from "@flowgate/db";
import { type AutofillProvider, BuiltinAutofillProvider } from "./ddq/autofill-provider.ts";
import { DdqService } from "./ddq/ddq-service.ts";
import type { EmailSender } from "./email/email-sender.ts";
import { OutboxEmailSender } from "./email/outbox-email-sender.ts";
import { type EventBus, InProcessEventBus } from "./event-bus.ts";
import { defaultPolicyProviders, type PolicyProviders } from "./policy-provider.ts";
import type { StepDeps } from "./run-step.ts";
import type { Actor } from "./services/actor.ts";
import * as apiKeys from "./services/api-keys.service.ts";
import * as control from "./services/run-control.service.ts";
import * as runs from "./services/runs.service.ts";
import * as sessions from "./services/sessions.service.ts";
import * as lifecycle from "./services/workflow-lifecycle.service.ts";
import * as workflows from "./services/workflows.service.ts";
import * as workspaceWorkflows from "./services/workspace-workflows.service.ts";
import * as workspaces from "./services/workspaces.service.ts";
import type { JobWakeups } from "./transport/job-wakeups.ts";
import { Worker, type WorkerOptions } from "./worker.ts";

/** How to build an {@link Engine}. */
export interface EngineOptions {
  db: Db;
  /** Where committed events go (default: in-process). */
  bus?: EventBus;
  /** Policy providers per environment (default: sandbox simulation, live unconfigured). */
  providers?: PolicyProviders;
  /** Run a worker in this process with these options; `false` for a gateway-only process. */
  worker?: WorkerOptions | false;
  /** Base delay of node retry backoff in ms (default 1000). */
  retryBaseMs?: number;
  /** Cross-process job wake-ups (PostgreSQL LISTEN/NOTIFY); local workers are always woken directly. */
  wakeups?: JobWakeups;
  /** How workflow emails (magic links) are delivered (default: kept in the outbox table, link logged). */
  email?: EmailSender;
  /** Fills questionnaire answers on `autofillResponse` (default: the deterministic built-in provider). */
  autofill?: AutofillProvider;
  /** Base URL of magic links: `<linkBaseUrl>/recipient?token=…` (default `http://127.0.0.1:4000`). */
  linkBaseUrl?: string;
}

/**
 * The engine: the commands that change workflows, sessions and runs (each one transaction whose events
 * are published after commit), and, unless disabled, a worker that executes runs from the queue.
 */
export class Engine {
  readonly db: Db;
  readonly bus: EventBus;
  readonly worker: Worker | null;
  /** Due-diligence questionnaires: entities, responses, sending, magic links, credits (seed 003). */
  readonly ddq: DdqService;
  readonly #deps: StepDeps;
  readonly #wakeups: JobWakeups | undefined;
  #stopWakeups: (() => Promise<void>) | undefined;

  constructor(options: EngineOptions) {
    this.db = options.db;
    this.bus = options.bus ?? new InProcessEventBus();
    this.#deps = {
      db: this.db,
      bus: this.bus,
      providers: options.providers ?? defaultPolicyProviders(),
      wake: () => {
        this.wake();
        this.#wakeups?.notify();
      },
      ...(options.retryBaseMs !== undefined ? { retryBaseMs: options.retryBaseMs } : {}),
    };
    this.#wakeups = options.wakeups;
    this.worker = options.worker === false ? null : new Worker(this.#deps, options.worker ?? {});
    this.ddq = new DdqService({
      ...this.#deps,
      email: options.email ?? new OutboxEmailSender(this.db),
      autofill: options.autofill ?? new BuiltinAutofillProvider(),
      linkBaseUrl: options.linkBaseUrl ?? "http://127.0.0.1:4000",
    });
  }

  /** Starts the worker, if this engine has one, and listens for wake-ups from other processes. */
  async start(): Promise<void> {
    if (!this.worker) return;
    this.worker.start();
    if (this.#wakeups && !this.#stopWakeups) {
      const worker = this.worker;
      this.#stopWakeups = await this.#wakeups.onWake(() => worker.wake());
    }
  }

  /** Drains the worker; the database and bus stay open (their owner closes them). */
  async stop(): Promise<void> {
    await this.#stopWakeups?.();
    this.#stopWakeups = undefined;
    await this.worker?.stop();
  }

  /** Tells local workers that work was queued. */
  wake(): void {
    this.worker?.wake();
  }

  /** See {@link workflows.createWorkflow}. */
  createWorkflow(actor: Actor, input: workflows.CreateWorkflowInput) {
    return workflows.createWorkflow(this.#deps, actor, input);
  }

  /** See {@link sessions.createSession}. */
  createSession(actor: Actor, input: sessions.CreateSessionInput) {
    return sessions.createSession(this.#deps, actor, input);
  }

  /** See {@link runs.submitSession}. */
  submitSession(actor: Actor, input: Parameters<typeof runs.submitSession>[2]) {
    return runs.submitSession(this.#deps, actor, input);
  }

  /** See {@link runs.triggerWorkflow}. */
  triggerWorkflow(actor: Actor, input: Parameters<typeof runs.triggerWorkflow>[2]) {
    return runs.triggerWorkflow(this.#deps, actor, input);
  }

  /** See {@link runs.submitExternalDecision}. */
  submitExternalDecision(actor: Actor, input: Parameters<typeof runs.submitExternalDecision>[2]) {
    return runs.submitExternalDecision(this.#deps, actor, input);
  }

  /** See {@link control.cancelRun}. */
  cancelRun(actor: Actor, input: Parameters<typeof control.cancelRun>[2]) {
    return control.cancelRun(this.#deps, actor, input);
  }

  /** See {@link control.retryRun}. */
  retryRun(actor: Actor, input: Parameters<typeof control.retryRun>[2]) {
    return control.retryRun(this.#deps, actor, input);
  }

  /** See {@link lifecycle.updateWorkflow}. */
  updateWorkflow(actor: Actor, input: lifecycle.UpdateWorkflowInput) {
    return lifecycle.updateWorkflow(this.#deps, actor, input);
  }

  /** See {@link lifecycle.cloneWorkflow}. */
  cloneWorkflow(actor: Actor, input: Parameters<typeof lifecycle.cloneWorkflow>[2]) {
    return lifecycle.cloneWorkflow(this.#deps, actor, input);
  }

  /** See {@link lifecycle.setDefaultWorkflow}. */
  setDefaultWorkflow(actor: Actor, input: Parameters<typeof lifecycle.setDefaultWorkflow>[2]) {
    return lifecycle.setDefaultWorkflow(this.#deps, actor, input);
  }

  /** See {@link lifecycle.deactivateWorkflow}. */
  deactivateWorkflow(actor: Actor, input: Parameters<typeof lifecycle.deactivateWorkflow>[2]) {
    return lifecycle.deactivateWorkflow(this.#deps, actor, input);
  }

  /** See {@link lifecycle.activateWorkflow}. */
  activateWorkflow(actor: Actor, input: Parameters<typeof lifecycle.activateWorkflow>[2]) {
    return lifecycle.activateWorkflow(this.#deps, actor, input);
  }

  /** See {@link lifecycle.createWorkflowDraft}. */
  createWorkflowDraft(actor: Actor, input: Parameters<typeof lifecycle.createWorkflowDraft>[2]) {
    return lifecycle.createWorkflowDraft(this.#deps, actor, input);
  }

  /** See {@link lifecycle.updateWorkflowDraft}. */
  updateWorkflowDraft(actor: Actor, input: Parameters<typeof lifecycle.updateWorkflowDraft>[2]) {
    return lifecycle.updateWorkflowDraft(this.#deps, actor, input);
  }

  /** See {@link lifecycle.discardWorkflowDraft}. */
  discardWorkflowDraft(actor: Actor, input: Parameters<typeof lifecycle.discardWorkflowDraft>[2]) {
    return lifecycle.discardWorkflowDraft(this.#deps, actor, input);
  }

  /** See {@link lifecycle.publishWorkflowDraft}. */
  publishWorkflowDraft(actor: Actor, input: Parameters<typeof lifecycle.publishWorkflowDraft>[2]) {
    return lifecycle.publishWorkflowDraft(this.#deps, actor, input);
  }

  /** See {@link lifecycle.updateWorkflowRollout}. */
  updateWorkflowRollout(actor: Actor, input: Parameters<typeof lifecycle.updateWorkflowRollout>[2]) {
    return lifecycle.updateWorkflowRollout(this.#deps, actor, input);
  }

  /** See {@link lifecycle.diffWorkflowDraft}. */
  diffWorkflowDraft(actor: Actor, input: Parameters<typeof lifecycle.diffWorkflowDraft>[2]) {
    return lifecycle.diffWorkflowDraft(this.db, actor, input);
  }

  /** See {@link lifecycle.dryRunWorkflow}. Writes nothing. */
  dryRunWorkflow(actor: Actor, input: Parameters<typeof lifecycle.dryRunWorkflow>[2]) {
    return lifecycle.dryRunWorkflow(this.db, actor, input);
  }

  /** See {@link lifecycle.dryRunWorkflowDraft}. Writes nothing. */
  dryRunWorkflowDraft(actor: Actor, input: Parameters<typeof lifecycle.dryRunWorkflowDraft>[2]) {
    return lifecycle.dryRunWorkflowDraft(this.db, actor, input);
  }

  /** See {@link lifecycle.workflowAnalytics}. */
  workflowAnalytics(actor: Actor, input: Parameters<typeof lifecycle.workflowAnalytics>[2]) {
    return lifecycle.workflowAnalytics(this.db, actor, input);
  }

  /** See {@link workspaces.createWorkspace}. */
  createWorkspace(actor: Actor, input: workspaces.CreateWorkspaceInput) {
    return workspaces.createWorkspace(this.#deps, actor, input);
  }

  /** See {@link workspaces.updateWorkspace}. */
  updateWorkspace(actor: Actor, input: workspaces.UpdateWorkspaceInput) {
    return workspaces.updateWorkspace(this.#deps, actor, input);
  }

  /** See {@link workspaces.workspaceCostThisMonth}. */
  workspaceCostThisMonth(
    workspaceId: string,
    environment?: Parameters<typeof workspaces.workspaceCostThisMonth>[2],
  ) {
    return workspaces.workspaceCostThisMonth(this.db, workspaceId, environment);
  }

  /** See {@link apiKeys.createApiKey}. */
  createApiKey(actor: Actor, input: apiKeys.CreateApiKeyInput) {
    return apiKeys.createApiKey(this.#deps, actor, input);
  }

  /** See {@link apiKeys.revokeApiKey}. */
  revokeApiKey(actor: Actor, input: { id: string }) {
    return apiKeys.revokeApiKey(this.#deps, actor, input);
  }

  /** See {@link apiKeys.rotateApiKey}. */
  rotateApiKey(actor: Actor, input: apiKeys.RotateApiKeyInput) {
    return apiKeys.rotateApiKey(this.#deps, actor, input);
  }

  /** See {@link workspaceWorkflows.triggerWorkspaceWorkflow}. */
  triggerWorkspaceWorkflow(actor: Actor, input: workspaceWorkflows.TriggerWorkspaceWorkflowInput) {
    return workspaceWorkflows.triggerWorkspaceWorkflow(this.#deps, actor, input);
  }

  /** See {@link workspaceWorkflows.updateWorkflowPayloadSchema}. */
  updateWorkflowPayloadSchema(
    actor: Actor,
    input: Parameters<typeof workspaceWorkflows.updateWorkflowPayloadSchema>[2],
  ) {
    return workspaceWorkflows.updateWorkflowPayloadSchema(this.#deps, actor, input);
  }
}
