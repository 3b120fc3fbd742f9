import type { Db } from "@flowgate/db";
import { type EventBus, InProcessEventBus } from "./event-bus.ts";
import { defaultPolicyProviders, type PolicyProviders } from "./policy-provider.ts";
import type { StepDeps } from "./run-step.ts";
import type { JobWakeups } from "./transport/job-wakeups.ts";
import type { UnitOfWorkDeps } from "./unit-of-work.ts";
import { SecretBox } from "./webhooks/secret-box.ts";
import { WebhookWorker, type WebhookWorkerOptions } from "./webhooks/webhook-worker.ts";
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
  /**
   * Key that encrypts webhook signing secrets at rest (32 bytes, base64 or hex; `FLOWGATE_SECRET_KEY`).
   * Unset: the public development key (see `developmentSecretKeyPhrase`).
   */
  secretKey?: string | undefined;
  /**
   * The webhook delivery lane's tuning, or `false` for none. It runs wherever the run worker runs (not
   * in a gateway-only process, `worker: false`).
   */
  webhooks?: Omit<WebhookWorkerOptions, "secrets"> | false;
}

/**
 * The runtime: the database and event bus that commands commit to and publish on, and, unless disabled, a
 * worker that executes runs from the queue (steps, timers, questionnaire waits). The use cases that change
 * workflows, sessions and runs live in `@flowgate/application`, which runs on {@link unitOfWork}.
 */
export class Engine {
  readonly db: Db;
  readonly bus: EventBus;
  readonly worker: Worker | null;
  /** The webhook delivery lane (null where there is no worker). */
  readonly webhookWorker: WebhookWorker | null;
  /** Encrypts and decrypts webhook signing secrets. */
  readonly secrets: SecretBox;
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
    this.secrets = new SecretBox(options.secretKey);
    this.webhookWorker =
      options.worker === false || options.webhooks === false
        ? null
        : new WebhookWorker(this.#deps, {
            pollIntervalMs: options.worker?.pollIntervalMs,
            leaseMs: options.worker?.leaseMs,
            backoff: options.worker?.backoff,
            onError: options.worker?.onError,
            ...options.webhooks,
            secrets: this.secrets,
          });
  }

  /**
   * What a command needs to commit work for this engine: the database, the bus its events are published on
   * after commit, and the wake-up of workers here and in other processes (LISTEN/NOTIFY) once work is queued.
   */
  get unitOfWork(): UnitOfWorkDeps {
    return { db: this.#deps.db, bus: this.#deps.bus, wake: this.#deps.wake };
  }

  /** Starts the worker, if this engine has one, and listens for wake-ups from other processes. */
  async start(): Promise<void> {
    if (!this.worker) return;
    this.worker.start();
    this.webhookWorker?.start();
    if (this.#wakeups && !this.#stopWakeups) {
      this.#stopWakeups = await this.#wakeups.onWake(() => this.wake());
    }
  }

  /** Drains the worker; the database and bus stay open (their owner closes them). */
  async stop(): Promise<void> {
    await this.#stopWakeups?.();
    this.#stopWakeups = undefined;
    await Promise.all([this.worker?.stop(), this.webhookWorker?.stop()]);
  }

  /** Tells local workers that work was queued. */
  wake(): void {
    this.worker?.wake();
    this.webhookWorker?.wake();
  }
}
