import { findRunsAwaitingResponses } from "@flowgate/db";
import { inTransaction, type UnitOfWorkDeps } from "../unit-of-work.ts";
import { signalQuestionnaireRun } from "./questionnaire-signals.ts";

/** Settings of a {@link QuestionnaireWatcher}. */
export interface QuestionnaireWatcherOptions {
  /** How often to look for runs whose questionnaire wait is over, in ms (default 1000). */
  intervalMs?: number;
  /** Called with errors the loop survives (default: ignore). */
  onError?: (error: unknown) => void;
}

/**
 * Resumes runs waiting at questionnaire nodes whose links expired (or were revoked), and any run whose
 * response was submitted while the run was not yet paused (the submit signals a paused run at once; this is
 * the polling path that makes the outcome certain). Every process with a worker runs one; signalling is
 * idempotent under the run's row lock.
 */
export class QuestionnaireWatcher {
  readonly #deps: UnitOfWorkDeps;
  readonly #intervalMs: number;
  readonly #onError: (error: unknown) => void;
  #timer: NodeJS.Timeout | undefined;
  #running = false;
  #tick: Promise<unknown> = Promise.resolve();

  /**
   * @param deps - Database, bus and wake-up.
   * @param options - Interval and error handler.
   */
  constructor(deps: UnitOfWorkDeps, options: QuestionnaireWatcherOptions = {}) {
    this.#deps = deps;
    this.#intervalMs = options.intervalMs ?? 1000;
    this.#onError = options.onError ?? (() => {});
  }

  /** Starts watching. */
  start(): void {
    if (this.#running) return;
    this.#running = true;
    this.#schedule();
  }

  /** Stops watching and waits for a check in progress. */
  async stop(): Promise<void> {
    this.#running = false;
    clearTimeout(this.#timer);
    await this.#tick;
  }

  /** Checks once now; returns how many runs were resumed. */
  async check(now: Date = new Date()): Promise<number> {
    let signalled = 0;
    for (const runId of await findRunsAwaitingResponses(this.#deps.db, now)) {
      const done = await inTransaction(this.#deps, (trx, after) =>
        signalQuestionnaireRun(trx, after, runId, now),
      );
      if (done) signalled++;
    }
    return signalled;
  }

  #schedule(): void {
    if (!this.#running) return;
    this.#timer = setTimeout(() => {
      this.#tick = this.check()
        .catch((error: unknown) => this.#onError(error))
        .finally(() => this.#schedule());
    }, this.#intervalMs);
    this.#timer.unref();
  }
}
