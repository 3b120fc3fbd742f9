import { randomBytes } from "node:crypto";
import { claimJobs, extendLeases, type Job, releaseJob } from "@flowgate/db";
import { assertNever } from "@flowgate/domain";
import { failRun, type RunCursor, type StepDeps, stepRun } from "./run-step.ts";
import { expireSession, fireRunTimer } from "./timers.ts";

/** Tuning of a worker. */
export interface WorkerOptions {
  /** Identifies this worker in job locks (default: random). */
  workerId?: string;
  /** Jobs processed at once (default 4). */
  concurrency?: number;
  /** How often an idle worker polls for due jobs, in ms (default 1000). Wake-ups make it sooner. */
  pollIntervalMs?: number;
  /** How long a claimed job stays locked without a heartbeat, in ms (default 15000). */
  leaseMs?: number;
  /** Steps executed back to back on one run before its job is handed back to the queue (default 200). */
  maxStepsPerClaim?: number;
  /** Attempts after which a job that keeps throwing fails its run (default 5). */
  maxJobAttempts?: number;
  /** Called with errors the loop survives (default: ignore). */
  onError?: (error: unknown, job?: Job) => void;
}

/**
 * Claims jobs from the Postgres queue and executes them. A claimed run is advanced node after node while
 * this worker holds its lease (each node in its own transaction), until it parks or finishes; heartbeats
 * keep the lease alive, and a crashed worker's lease simply expires.
 */
export class Worker {
  readonly workerId: string;
  readonly #deps: StepDeps;
  readonly #concurrency: number;
  readonly #pollIntervalMs: number;
  readonly #leaseMs: number;
  readonly #maxStepsPerClaim: number;
  readonly #maxJobAttempts: number;
  readonly #onError: (error: unknown, job?: Job) => void;
  readonly #inFlight = new Map<string, Promise<void>>();
  #running = false;
  #loop: Promise<void> | undefined;
  #wakeUp: (() => void) | undefined;
  #wakePending = false;
  #heartbeat: NodeJS.Timeout | undefined;

  constructor(deps: StepDeps, options: WorkerOptions = {}) {
    this.#deps = deps;
    this.workerId = options.workerId ?? `worker-${randomBytes(4).toString("hex")}`;
    this.#concurrency = options.concurrency ?? 4;
    this.#pollIntervalMs = options.pollIntervalMs ?? 1000;
    this.#leaseMs = options.leaseMs ?? 15_000;
    this.#maxStepsPerClaim = options.maxStepsPerClaim ?? 200;
    this.#maxJobAttempts = options.maxJobAttempts ?? 5;
    this.#onError = options.onError ?? (() => {});
  }

  /** Starts claiming jobs. */
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

  /** Asks an idle worker to look for jobs now (new work was committed). */
  wake(): void {
    this.#wakePending = true;
    this.#wakeUp?.();
  }

  /** Stops claiming, waits for the jobs in flight to finish their current step, and returns. */
  async stop(): Promise<void> {
    if (!this.#running) return;
    this.#running = false;
    this.wake();
    await this.#loop;
    await Promise.allSettled(this.#inFlight.values());
    clearInterval(this.#heartbeat);
  }

  async #run(): Promise<void> {
    while (this.#running) {
      // Wake-ups that arrive from here on make the sleep below return at once, so none is lost.
      this.#wakePending = false;
      const free = this.#concurrency - this.#inFlight.size;
      let claimed: Job[] = [];
      if (free > 0) {
        try {
          claimed = await claimJobs(this.#deps.db, this.workerId, free, this.#leaseMs);
        } catch (error) {
          this.#onError(error);
        }
        for (const job of claimed) {
          const done = this.#process(job).finally(() => {
            this.#inFlight.delete(job.id);
            this.wake();
          });
          this.#inFlight.set(job.id, done);
        }
      }
      if (this.#inFlight.size >= this.#concurrency) {
        // Every slot is busy: wait for one to free up (more jobs may be due), not for a wake-up.
        await Promise.race(this.#inFlight.values());
        continue;
      }
      // The queue had fewer due jobs than free slots: sleep until new work or the poll interval.
      await this.#sleep();
    }
  }

  #sleep(): Promise<void> {
    if (this.#wakePending || !this.#running) return Promise.resolve();
    return new Promise((resolve) => {
      const timer = setTimeout(done, this.#pollIntervalMs);
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
      switch (job.kind) {
        case "session.expire":
          await expireSession(this.#deps, job, this.workerId);
          return;
        case "run.timeout":
          if (!(await fireRunTimer(this.#deps, job, this.workerId))) return;
          break;
        case "run.step":
          break;
        default:
          assertNever(job.kind);
      }
      if (!job.runId) return;
      let cursor: RunCursor | undefined;
      for (let steps = 0; steps < this.#maxStepsPerClaim; steps++) {
        const step = await stepRun(this.#deps, job.runId, cursor);
        if (step.outcome === "parked" || step.outcome === "finished" || step.outcome === "delayed") return;
        cursor = step.cursor;
        if (!this.#running) break;
      }
      await releaseJob(this.#deps.db, job.id, this.workerId, new Date(), null);
      this.wake();
    } catch (error) {
      this.#onError(error, job);
      const message = error instanceof Error ? error.message : String(error);
      try {
        if (job.attempts >= this.#maxJobAttempts && job.runId) {
          await failRun(this.#deps, job.runId, `step failed after ${job.attempts} attempts: ${message}`);
        } else {
          const backoffMs = Math.min(30_000, 100 * 2 ** job.attempts);
          await releaseJob(this.#deps.db, job.id, this.workerId, new Date(Date.now() + backoffMs), message);
        }
      } catch (releaseError) {
        this.#onError(releaseError, job);
      }
    }
  }

  async #renewLeases(): Promise<void> {
    if (this.#inFlight.size === 0) return;
    try {
      await extendLeases(this.#deps.db, this.workerId, [...this.#inFlight.keys()], this.#leaseMs);
    } catch (error) {
      this.#onError(error);
    }
  }
}
