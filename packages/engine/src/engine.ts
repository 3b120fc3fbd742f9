import type { Db } from "@flowgate/db";
import { type EventBus, InProcessEventBus } from "./event-bus.ts";
import { defaultPolicyProviders, type PolicyProviders } from "./policy-provider.ts";
import type { StepDeps } from "./run-step.ts";
import type { Actor } from "./services/actor.ts";
import * as runs from "./services/runs.service.ts";
import * as sessions from "./services/sessions.service.ts";
import * as workflows from "./services/workflows.service.ts";
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
}

/**
 * The engine: the commands that change workflows, sessions and runs (each one transaction whose events
 * are published after commit), and, unless disabled, a worker that executes runs from the queue.
 */
export class Engine {
  readonly db: Db;
  readonly bus: EventBus;
  readonly worker: Worker | null;
  readonly #deps: StepDeps;

  constructor(options: EngineOptions) {
    this.db = options.db;
    this.bus = options.bus ?? new InProcessEventBus();
    this.#deps = {
      db: this.db,
      bus: this.bus,
      providers: options.providers ?? defaultPolicyProviders(),
      wake: () => this.wake(),
    };
    this.worker = options.worker === false ? null : new Worker(this.#deps, options.worker ?? {});
  }

  /** Starts the worker, if this engine has one. */
  start(): void {
    this.worker?.start();
  }

  /** Drains the worker; the database and bus stay open (their owner closes them). */
  async stop(): Promise<void> {
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
}
