import { randomBytes } from "node:crypto";
import {
  type BackoffBounds,
  backoffDelay,
  type ClaimedJob,
  claimJobsWithRuns,
  type DatabaseAvailability,
  deleteJob,
  extendLeases,
  type HandledJobKind,
  isDatabaseUnavailableError,
  type Job,
  releaseJob,
  rescheduleJob,
  returnJob,
} from "@flowgate/db";
import { assertNever, type Run, type Session } from "@flowgate/domain";
import { processBulkRedaction } from "./data-protection/bulk-redaction.ts";
import { runRetentionJob } from "./data-protection/retention.ts";
import { failRun, type RunCursor, type StepDeps, stepRun } from "./run-step.ts";
import { expireSession, fireRunTimer } from "./timers.ts";

/** What a {@link JobHandler} decided: the job is done (deleted), or runs again at `runAt` (a recurring job). */
export type JobHandlerResult = { outcome: "done" } | { outcome: "later"; runAt: Date };

/**
 * Executes one claimed job of a kind a higher layer registered (`Engine.registerJobHandler`). It must be
 * idempotent: after a crash the job is claimed again and runs from the start. A throw releases the job
 * with backoff (database outages hand it back without counting the attempt).
 */
export type JobHandler = (job: Job, context: JobHandlerContext) => Promise<JobHandlerResult>;

/** What a {@link JobHandler} is told about the worker that runs it. */
export interface JobHandlerContext {
  /** The worker holding the job's lease (its `locked_by`). */
  workerId: string;
}

/** Tuning of a worker. */
export interface WorkerOptions {
  /** Identifies this worker in job locks (default: random). */
  workerId?: string;
  /** Jobs processed at once (default 4). */
  concurrency?: number;
  /**
   * Jobs claimed ahead of the free slots and kept in a local queue (default: `concurrency`), so that a
   * slot that frees up starts its next job at once instead of waiting for a claim's round trip. They are
   * leased like the running ones (heartbeats renew them) and handed back when the worker stops.
   */
  prefetch?: number;
  /** How often an idle worker polls for due jobs, in ms (default 1000). Wake-ups make it sooner. */
  pollIntervalMs?: number;
  /** How long a claimed job stays locked without a heartbeat, in ms (default 15000). */
  leaseMs?: number;
  /** Steps executed back to back on one run before its job is handed back to the queue (default 200). */
  maxStepsPerClaim?: number;
  /** Attempts after which a job that keeps throwing fails its run (default 5). */
  maxJobAttempts?: number;
  /**
   * Called with errors the loop survives (default: ignore). Database outages are not reported here:
   * the worker waits them out (see {@link WorkerOptions.availability}).
   */
  onError?: (error: unknown, job?: Job) => void;
  /**
   * The database's availability: the worker resumes claiming as soon as it reports the database back,
   * and a step cut short by the outage is handed back then. Without it the worker only backs off.
   */
  availability?: DatabaseAvailability;
  /** Delays between claim attempts while the database is unavailable (default 100 ms up to 1 s). */
  backoff?: BackoffBounds;
}

/**
 * Claims jobs from the Postgres queue and executes them. A claimed run is advanced node after node while
 * this worker holds its lease (each node in its own transaction), until it parks or finishes; heartbeats
 * keep the lease alive, and a crashed worker's lease simply expires.
 *
 * Database outages are waited out, never fatal: claiming backs off exponentially with jitter while the
 * database is unavailable and resumes as soon as it returns; a step cut short by the outage is handed
 * back (due at once, the attempt not counted) once the database is back, and whoever claims it re-reads
 * the run — if the lease ran out meanwhile and another worker moved the run on, the run's version guard
 * makes the stale step write nothing.
 */
export class Worker {
  readonly workerId: string;
  readonly #deps: StepDeps;
  readonly #concurrency: number;
  readonly #prefetch: number;
  readonly #pollIntervalMs: number;
  readonly #leaseMs: number;
  readonly #maxStepsPerClaim: number;
  readonly #maxJobAttempts: number;
  readonly #onError: (error: unknown, job?: Job) => void;
  readonly #availability: DatabaseAvailability | undefined;
  readonly #backoff: BackoffBounds;
  readonly #inFlight = new Map<string, Promise<void>>();
  /** Claimed jobs waiting for a free slot, oldest first (see {@link WorkerOptions.prefetch}). */
  #queued: Job[] = [];
  /**
   * The runs of claimed `run.step` jobs and their sessions, read by the claim's statement: a job's first
   * step starts from them instead of reading them (if the run changed meanwhile, the version guard refuses
   * the step, which then re-reads it).
   */
  readonly #claimedRuns = new Map<string, { run: Run; session: Session | null }>();
  readonly #handlers = new Map<HandledJobKind, JobHandler>();
  #running = false;
  #loop: Promise<void> | undefined;
  #wakeUp: (() => void) | undefined;
  #wakePending = false;
  #heartbeat: NodeJS.Timeout | undefined;
  #stopAvailabilityWatch: (() => void) | undefined;
  /** Resolves when {@link stop} is called, so that waits for the database end with it. */
  #stopped: Promise<void> = Promise.resolve();
  #signalStopped: () => void = () => {};

  constructor(deps: StepDeps, options: WorkerOptions = {}) {
    this.#deps = deps;
    this.workerId = options.workerId ?? `worker-${randomBytes(4).toString("hex")}`;
    this.#concurrency = options.concurrency ?? 4;
    this.#prefetch = options.prefetch ?? this.#concurrency;
    this.#pollIntervalMs = options.pollIntervalMs ?? 1000;
    this.#leaseMs = options.leaseMs ?? 15_000;
    this.#maxStepsPerClaim = options.maxStepsPerClaim ?? 200;
    this.#maxJobAttempts = options.maxJobAttempts ?? 5;
    this.#onError = options.onError ?? (() => {});
    this.#availability = options.availability;
    this.#backoff = options.backoff ?? { minMs: 100, maxMs: 1000 };
  }

  /** Executes jobs of `kind` with `handler` (replacing an earlier one). */
  registerHandler(kind: HandledJobKind, handler: JobHandler): void {
    this.#handlers.set(kind, handler);
  }

  /** Starts claiming jobs. */
  start(): void {
    if (this.#running) return;
    this.#running = true;
    this.#stopped = new Promise((resolve) => {
      this.#signalStopped = resolve;
    });
    this.#stopAvailabilityWatch = this.#availability?.onChange((change) => {
      if (change.available) this.wake();
    });
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
    this.#signalStopped();
    this.#stopAvailabilityWatch?.();
    this.wake();
    await this.#loop;
    await this.#returnQueued();
    await Promise.allSettled(this.#inFlight.values());
    clearInterval(this.#heartbeat);
  }

  async #run(): Promise<void> {
    let failedClaims = 0;
    while (this.#running) {
      // Wake-ups that arrive from here on make the sleep below return at once, so none is lost.
      this.#wakePending = false;
      this.#startQueued();
      // Claim in batches: only once the local queue runs low, as many as fill the slots and the queue.
      const room = this.#concurrency + this.#prefetch - this.#inFlight.size - this.#queued.length;
      let claimedAll = false;
      if (room > 0 && this.#queued.length <= this.#prefetch / 2) {
        let claimed: ClaimedJob[] = [];
        try {
          claimed = await claimJobsWithRuns(this.#deps.db, this.workerId, room, this.#leaseMs);
          failedClaims = 0;
        } catch (error) {
          if (isDatabaseUnavailableError(error)) {
            // Back off while the database is down; its return (or a wake-up) ends the wait early.
            await this.#sleep(backoffDelay(failedClaims++, this.#backoff));
            continue;
          }
          this.#onError(error);
        }
        claimedAll = claimed.length === room;
        for (const job of claimed) {
          if (job.claimLagMs !== undefined)
            this.#deps.telemetry?.metrics?.claimLag.observe({ kind: job.kind }, job.claimLagMs / 1000);
          // Our lease on it ran out during an outage while one of our slots still waits to hand it back:
          // that slot owns it and will release it.
          if (this.#inFlight.has(job.id) || this.#queued.some((queued) => queued.id === job.id)) continue;
          if (job.run && job.session !== undefined)
            this.#claimedRuns.set(job.run.id, { run: job.run, session: job.session });
          this.#queued.push(job);
        }
        this.#startQueued();
      }
      if (this.#inFlight.size >= this.#concurrency) {
        // Every slot is busy: wait for one to free up (more jobs may be due), not for a wake-up.
        await Promise.race(this.#inFlight.values());
        continue;
      }
      // More jobs may be due: claim again at once.
      if (claimedAll) continue;
      // The queue had fewer due jobs than free slots: sleep until new work or the poll interval.
      await this.#sleep(this.#pollIntervalMs);
    }
  }

  /** Starts queued jobs in the free slots; a job that ends starts the next one at once. */
  #startQueued(): void {
    while (this.#running && this.#inFlight.size < this.#concurrency && this.#queued.length > 0) {
      const job = this.#queued.shift()!;
      if (this.#inFlight.has(job.id)) continue;
      const done = this.#process(job).finally(() => {
        this.#inFlight.delete(job.id);
        this.#startQueued();
        this.wake();
      });
      this.#inFlight.set(job.id, done);
    }
  }

  /** Hands the queued jobs back (due at once, the claim not counted as an attempt) when the worker stops. */
  async #returnQueued(): Promise<void> {
    const queued = this.#queued;
    this.#queued = [];
    this.#claimedRuns.clear();
    await Promise.allSettled(
      queued.map((job) =>
        returnJob(this.#deps.db, job.id, this.workerId).catch((error: unknown) => {
          // Left to its lease, which runs out as after a crash.
          if (!isDatabaseUnavailableError(error)) this.#onError(error, job);
        }),
      ),
    );
  }

  /** Sleeps `ms`, or less when woken (new work, the database back, stop). */
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
      switch (job.kind) {
        case "session.expire":
          await expireSession(this.#deps, job, this.workerId);
          return;
        case "bulk.redact":
          await processBulkRedaction(this.#deps, job, this.workerId, () => this.#running);
          return;
        case "retention.daily":
          await runRetentionJob(this.#deps, job, this.workerId);
          return;
        case "run.timeout":
          if (!(await fireRunTimer(this.#deps, job, this.workerId))) return;
          break;
        case "run.step":
          break;
        case "webhook.deliver":
          // Claimed only by the webhook lane (`WebhookWorker`); the runs lane never takes one.
          return;
        case "email.send":
        case "credits.sweep":
        case "response.autofill":
        case "maintenance.purge": {
          const handler = this.#handlers.get(job.kind);
          if (!handler) {
            // The application registers its handlers as it starts: hand the job back for the next poll.
            await releaseJob(
              this.#deps.db,
              job.id,
              this.workerId,
              new Date(Date.now() + this.#pollIntervalMs),
              `no handler for ${job.kind} in this process yet`,
            );
            return;
          }
          const result = await handler(job, { workerId: this.workerId });
          if (result.outcome === "done") await deleteJob(this.#deps.db, job.id, this.workerId);
          else await rescheduleJob(this.#deps.db, job.id, this.workerId, result.runAt);
          return;
        }
        default:
          assertNever(job.kind);
      }
      if (!job.runId) return;
      const claimedRun = this.#claimedRuns.get(job.runId);
      this.#claimedRuns.delete(job.runId);
      let cursor: RunCursor | undefined = claimedRun
        ? { run: claimedRun.run, session: claimedRun.session, outputs: null }
        : undefined;
      for (let steps = 0; steps < this.#maxStepsPerClaim; steps++) {
        const step = await this.#timedStep(job.runId, cursor);
        if (step.outcome === "parked" || step.outcome === "finished" || step.outcome === "delayed") return;
        cursor = step.cursor;
        if (!this.#running) break;
      }
      await releaseJob(this.#deps.db, job.id, this.workerId, new Date(), null);
      this.wake();
    } catch (error) {
      if (isDatabaseUnavailableError(error)) {
        await this.#handBack(job);
        return;
      }
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

  /** One step of a run, its duration observed by outcome (`error` when it throws). */
  async #timedStep(runId: string, cursor: RunCursor | undefined) {
    const stop = this.#deps.telemetry?.metrics?.stepDuration.startTimer();
    try {
      // A step alone in this worker announces its events in its own statement (see StepOptions).
      const alone = this.#inFlight.size <= 1 && this.#queued.length === 0;
      const step = await stepRun(this.#deps, runId, cursor, { announceInStatement: alone });
      stop?.({ outcome: step.outcome });
      return step;
    } catch (error) {
      stop?.({ outcome: "error" });
      throw error;
    }
  }

  /**
   * Hands a job back after a database outage cut its step short: waits for the database (or backs off
   * without an availability monitor), then releases it, due at once, with the attempt not counted.
   * Gives up when the worker stops: the lease then expires as after a crash.
   */
  async #handBack(job: Job): Promise<void> {
    for (let attempt = 0; this.#running; attempt++) {
      const delay = new Promise<void>((resolve) => setTimeout(resolve, backoffDelay(attempt, this.#backoff)));
      await Promise.race([
        this.#availability ? Promise.all([this.#availability.waitUntilAvailable(), delay]) : delay,
        this.#stopped,
      ]);
      if (!this.#running) return;
      try {
        await returnJob(this.#deps.db, job.id, this.workerId);
        return;
      } catch (error) {
        if (!isDatabaseUnavailableError(error)) {
          this.#onError(error, job);
          return;
        }
      }
    }
  }

  async #renewLeases(): Promise<void> {
    if (this.#inFlight.size === 0 && this.#queued.length === 0) return;
    const queued = this.#queued.map((job) => job.id);
    try {
      const held = new Set(
        await extendLeases(
          this.#deps.db,
          this.workerId,
          [...this.#inFlight.keys(), ...queued],
          this.#leaseMs,
        ),
      );
      // A queued job whose lease ran out (a long outage) may be another worker's now: leave it to them.
      const lost = new Set(queued.filter((id) => !held.has(id)));
      if (lost.size > 0) this.#queued = this.#queued.filter((job) => !lost.has(job.id));
    } catch (error) {
      // During an outage heartbeats fail like everything else; a lease that runs out is recovered
      // by the version guard (see the class comment).
      if (!isDatabaseUnavailableError(error)) this.#onError(error);
    }
  }
}
