import { randomBytes } from "node:crypto";
import {
  type BackoffBounds,
  backoffDelay,
  claimJobs,
  extendLeases,
  isDatabaseUnavailableError,
  type Job,
  releaseJob,
} from "@flowgate/db";
import type { UnitOfWorkDeps } from "../unit-of-work.ts";
import { deliverWebhook, type WebhookDeliveryOptions } from "./deliver.ts";

/** Tuning of the webhook lane of a worker process. */
export interface WebhookWorkerOptions extends WebhookDeliveryOptions {
  /** Identifies this worker in job locks (default: random). */
  workerId?: string;
  /** Deliveries in flight at once (default 16). */
  concurrency?: number;
  /** Deliveries of one endpoint in flight at once in this process (default 4). */
  perEndpointConcurrency?: number;
  /** How often an idle worker polls for due deliveries, in ms (default 1000). */
  pollIntervalMs?: number;
  /** How long a claimed delivery stays locked without a heartbeat, in ms (default 15000). */
  leaseMs?: number;
  /** Delays between claims while the database is unavailable (default 100 ms up to 1 s). */
  backoff?: BackoffBounds;
  /** Called with errors the loop survives (default: ignore). */
  onError?: (error: unknown, job?: Job) => void;
}

/**
 * The webhook lane of a worker process: claims only `webhook.deliver` jobs (the run worker never does), so
 * a receiver that takes its full timeout never holds a slot a run needs. Within the lane, at most
 * `perEndpointConcurrency` deliveries of one endpoint are in flight here: the claim skips an endpoint that
 * has that many, so one slow receiver never delays the others. Leases are renewed by heartbeat; a killed
 * process's deliveries are claimed again when their leases run out.
 */
export class WebhookWorker {
  readonly workerId: string;
  readonly #deps: UnitOfWorkDeps;
  readonly #options: WebhookWorkerOptions;
  readonly #concurrency: number;
  readonly #perEndpoint: number;
  readonly #pollIntervalMs: number;
  readonly #leaseMs: number;
  readonly #backoff: BackoffBounds;
  readonly #onError: (error: unknown, job?: Job) => void;
  readonly #inFlight = new Map<string, Promise<void>>();
  readonly #perEndpointInFlight = new Map<string, number>();
  #running = false;
  #loop: Promise<void> | undefined;
  #wakeUp: (() => void) | undefined;
  #wakePending = false;
  #heartbeat: NodeJS.Timeout | undefined;

  constructor(deps: UnitOfWorkDeps, options: WebhookWorkerOptions) {
    this.#deps = deps;
    this.#options = options;
    this.workerId = options.workerId ?? `webhooks-${randomBytes(4).toString("hex")}`;
    this.#concurrency = options.concurrency ?? 16;
    this.#perEndpoint = options.perEndpointConcurrency ?? 4;
    this.#pollIntervalMs = options.pollIntervalMs ?? 1000;
    this.#leaseMs = options.leaseMs ?? 15_000;
    this.#backoff = options.backoff ?? { minMs: 100, maxMs: 1000 };
    this.#onError = options.onError ?? (() => {});
  }

  /** Starts claiming deliveries. */
  start(): void {
    if (this.#running) return;
    this.#running = true;
    this.#heartbeat = setInterval(
      () => void this.#renewLeases(),
      Math.max(50, Math.floor(this.#leaseMs / 3)),
    );
    this.#heartbeat.unref();
    this.#loop = this.#run();
  }

  /** Asks an idle worker to look for deliveries now. */
  wake(): void {
    this.#wakePending = true;
    this.#wakeUp?.();
  }

  /** Stops claiming and waits for the attempts in flight. */
  async stop(): Promise<void> {
    if (!this.#running) return;
    this.#running = false;
    this.wake();
    await this.#loop;
    await Promise.allSettled(this.#inFlight.values());
    clearInterval(this.#heartbeat);
  }

  async #run(): Promise<void> {
    let failedClaims = 0;
    while (this.#running) {
      this.#wakePending = false;
      const free = this.#concurrency - this.#inFlight.size;
      if (free > 0) {
        let claimed: Job[] = [];
        try {
          const skipEndpoints = [...this.#perEndpointInFlight]
            .filter(([, count]) => count >= this.#perEndpoint)
            .map(([id]) => id);
          claimed = await claimJobs(this.#deps.db, this.workerId, free, this.#leaseMs, {
            lane: "webhooks",
            skipEndpoints,
          });
          failedClaims = 0;
        } catch (error) {
          if (isDatabaseUnavailableError(error)) {
            await this.#sleep(backoffDelay(failedClaims++, this.#backoff));
            continue;
          }
          this.#onError(error);
        }
        for (const job of claimed) {
          if (this.#inFlight.has(job.id)) continue;
          const endpointId = String(job.payload.endpointId ?? "");
          this.#perEndpointInFlight.set(endpointId, (this.#perEndpointInFlight.get(endpointId) ?? 0) + 1);
          const done = this.#process(job).finally(() => {
            this.#inFlight.delete(job.id);
            const left = (this.#perEndpointInFlight.get(endpointId) ?? 1) - 1;
            if (left > 0) this.#perEndpointInFlight.set(endpointId, left);
            else this.#perEndpointInFlight.delete(endpointId);
            this.wake();
          });
          this.#inFlight.set(job.id, done);
        }
        // A full batch: more may be due (claimed jobs of one endpoint may have hit its cap).
        if (claimed.length > 0 && claimed.length === free) continue;
      }
      if (this.#inFlight.size >= this.#concurrency) {
        await Promise.race(this.#inFlight.values());
        continue;
      }
      await this.#sleep(this.#pollIntervalMs);
    }
  }

  #sleep(ms: number): Promise<void> {
    if (this.#wakePending || !this.#running) return Promise.resolve();
    return new Promise((resolve) => {
      const timer = setTimeout(done, ms);
      const self = this;
      function done() {
        clearTimeout(timer);
        self.#wakeUp = undefined;
        resolve();
      }
      this.#wakeUp = done;
    });
  }

  async #process(job: Job): Promise<void> {
    try {
      await deliverWebhook(this.#deps, this.#options, job, this.workerId);
    } catch (error) {
      // Not the receiver's doing (the database, a secret that no longer decrypts): try again later.
      if (!isDatabaseUnavailableError(error)) this.#onError(error, job);
      const message = error instanceof Error ? error.message : String(error);
      try {
        const delay = Math.min(60_000, 500 * 2 ** Math.min(job.attempts, 7));
        await releaseJob(this.#deps.db, job.id, this.workerId, new Date(Date.now() + delay), message);
      } catch (releaseError) {
        if (!isDatabaseUnavailableError(releaseError)) this.#onError(releaseError, job);
      }
    }
  }

  async #renewLeases(): Promise<void> {
    if (this.#inFlight.size === 0) return;
    try {
      await extendLeases(this.#deps.db, this.workerId, [...this.#inFlight.keys()], this.#leaseMs);
    } catch (error) {
      if (!isDatabaseUnavailableError(error)) this.#onError(error);
    }
  }
}
