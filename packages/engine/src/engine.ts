import { type Db, enqueueKeyedJob, type HandledJobKind } from "@flowgate/db";
import { AnalyticsCompactor } from "./analytics-compactor.ts";
import { type EventBus, InProcessEventBus } from "./event-bus.ts";
import { type PurgeOptions, purgeJobHandler, purgeJobKey } from "./maintenance/purge-job.ts";
import { defaultPolicyProviders, type PolicyProviders } from "./policy-provider.ts";
import type { StepDeps } from "./run-step.ts";
import { ScheduleRunner, type ScheduleRunnerOptions } from "./schedules/schedule-runner.ts";
import type { EngineLogger } from "./telemetry/logger.ts";
import type { EngineMetrics } from "./telemetry/metrics.ts";
import { EngineTelemetry } from "./telemetry/telemetry.ts";
import type { JobWakeups } from "./transport/job-wakeups.ts";
import type { UnitOfWorkDeps } from "./unit-of-work.ts";
import { SecretBox } from "./webhooks/secret-box.ts";
import { WebhookWorker, type WebhookWorkerOptions } from "./webhooks/webhook-worker.ts";
import { type JobHandler, Worker, type WorkerOptions } from "./worker.ts";

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
   * Pause in ms between the worker's passes that fold analytics deltas into the rollups (default 5000;
   * `0` turns them off). Only a process with a worker compacts.
   */
  analyticsCompactionMs?: number;
  /** Where run transitions are logged (default: nowhere). */
  logger?: EngineLogger;
  /** The engine's Prometheus metrics (default: none are kept). */
  metrics?: EngineMetrics;
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
  /**
   * The workflow schedules' tuning (clock, poll interval, misfire grace), or `false` for none. Schedules
   * fire wherever the run worker runs (not in a gateway-only process, `worker: false`).
   */
  schedules?: ScheduleRunnerOptions | false;
  /**
   * The recurring `maintenance.purge` job's interval, horizons and batch bounds (default: hourly; expired
   * idempotency keys, inbound-trigger message ids older than 7 days, schedule fires older than 30 days), or
   * `false` for none in this process. Registered only where there is a worker; one job per database,
   * whichever worker queues it first.
   */
  purge?: PurgeOptions | false;
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
  /** What the engine reports: run transition log lines and metrics. */
  readonly telemetry: EngineTelemetry;
  /** The webhook delivery lane (null where there is no worker). */
  readonly webhookWorker: WebhookWorker | null;
  /** Encrypts and decrypts webhook signing secrets. */
  readonly secrets: SecretBox;
  /** Fires due workflow schedules (null where there is no worker). */
  readonly scheduleRunner: ScheduleRunner | null;
  readonly #deps: StepDeps;
  readonly #wakeups: JobWakeups | undefined;
  readonly #compactor: AnalyticsCompactor | undefined;
  #stopWakeups: (() => Promise<void>) | undefined;
  readonly #recurring: { key: string; kind: HandledJobKind }[] = [];

  constructor(options: EngineOptions) {
    this.db = options.db;
    this.bus = options.bus ?? new InProcessEventBus();
    this.telemetry = new EngineTelemetry({ logger: options.logger, metrics: options.metrics });
    this.#deps = {
      db: this.db,
      bus: this.bus,
      providers: options.providers ?? defaultPolicyProviders(),
      telemetry: this.telemetry,
      // The worker, webhook and schedule lanes go on as soon as a step commits (see `awaitPublish`);
      // `unitOfWork` (commands) leaves it out and waits.
      awaitPublish: false,
      wake: () => {
        this.wake();
        this.#wakeups?.notify();
      },
      ...(options.retryBaseMs !== undefined ? { retryBaseMs: options.retryBaseMs } : {}),
    };
    this.#wakeups = options.wakeups;
    this.worker = options.worker === false ? null : new Worker(this.#deps, options.worker ?? {});
    const compactionMs = options.analyticsCompactionMs ?? 5000;
    if (this.worker && compactionMs > 0) {
      const onError = options.worker === false ? undefined : options.worker?.onError;
      this.#compactor = new AnalyticsCompactor(this.db, {
        intervalMs: compactionMs,
        ...(onError ? { onError } : {}),
      });
    }
    if (this.worker && options.purge !== false) {
      this.registerJobHandler(
        "maintenance.purge",
        purgeJobHandler(this.db, this.telemetry.logger, options.purge ?? {}),
        { key: purgeJobKey },
      );
    }
    this.secrets = new SecretBox(options.secretKey);
    this.scheduleRunner =
      options.worker === false || options.schedules === false
        ? null
        : new ScheduleRunner(this.#deps, {
            pollIntervalMs: options.worker?.pollIntervalMs,
            onError: options.worker?.onError,
            ...options.schedules,
          });
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
   * after commit, the telemetry told what it committed, and the wake-up of workers here and in other processes (LISTEN/NOTIFY) once work is queued.
   */
  get unitOfWork(): UnitOfWorkDeps {
    const channel = this.#wakeups?.channel;
    return {
      db: this.#deps.db,
      bus: this.#deps.bus,
      wake: this.#deps.wake,
      ...(channel ? { wakeChannel: channel, wakeHere: () => this.wake() } : {}),
      telemetry: this.telemetry,
    };
  }

  /**
   * Executes jobs of `kind` in this engine's worker with `handler` (a process without a worker ignores it:
   * its jobs wait for one that has). With `recurring`, the job named `recurring.key` is queued when the
   * worker starts (once per database, whichever worker queues it first); its handler reschedules it.
   */
  registerJobHandler(kind: HandledJobKind, handler: JobHandler, recurring?: { key: string }): void {
    this.worker?.registerHandler(kind, handler);
    if (recurring) this.#recurring.push({ key: recurring.key, kind });
  }

  /** Starts the worker, if this engine has one, and listens for wake-ups from other processes. */
  async start(): Promise<void> {
    if (!this.worker) return;
    for (const job of this.#recurring) await enqueueKeyedJob(this.db, job);
    this.worker.start();
    this.#compactor?.start();
    this.webhookWorker?.start();
    this.scheduleRunner?.start();
    if (this.#wakeups && !this.#stopWakeups) {
      this.#stopWakeups = await this.#wakeups.onWake(() => this.wake());
    }
  }

  /** Drains the worker; the database and bus stay open (their owner closes them). */
  async stop(): Promise<void> {
    await this.#stopWakeups?.();
    this.#stopWakeups = undefined;
    await this.#compactor?.stop();
    await Promise.all([this.worker?.stop(), this.webhookWorker?.stop(), this.scheduleRunner?.stop()]);
  }

  /** Tells local workers that work was queued. */
  wake(): void {
    this.worker?.wake();
    this.webhookWorker?.wake();
  }
}
