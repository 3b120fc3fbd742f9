import {
  compactAnalyticsDeltas,
  type Db,
  isDatabaseUnavailableError,
  vacuumAnalyticsDeltas,
} from "@flowgate/db";

/** How an {@link AnalyticsCompactor} runs. */
export interface AnalyticsCompactorOptions {
  /** Pause between passes in ms (default 5000). */
  intervalMs?: number;
  /** Deltas of each kind moved per statement (default 10,000). */
  batchSize?: number;
  /** Called with a failure other than the database being unavailable (which only waits for the next pass). */
  onError?: (error: unknown) => void;
}

/**
 * Folds the analytics deltas that every run and node-run change appends (in its own transaction, by
 * trigger) into the hourly-span rollups (spans of 4^level hours), in the background of each worker
 * process: a pass moves batches until none is left. Reads stay exact without it (they add the deltas not
 * folded yet); it keeps them fast.
 * Workers in several processes compact side by side, each taking deltas the others have not locked.
 */
export class AnalyticsCompactor {
  readonly #db: Db;
  readonly #intervalMs: number;
  readonly #batchSize: number;
  readonly #onError: (error: unknown) => void;
  #timer: NodeJS.Timeout | undefined;
  #pass: Promise<void> | undefined;
  #running = false;

  constructor(db: Db, options: AnalyticsCompactorOptions = {}) {
    this.#db = db;
    this.#intervalMs = options.intervalMs ?? 5000;
    this.#batchSize = options.batchSize ?? 10_000;
    this.#onError = options.onError ?? (() => {});
  }

  /** Starts compacting every `intervalMs`. */
  start(): void {
    if (this.#running) return;
    this.#running = true;
    this.#schedule();
  }

  /** Stops scheduling passes and waits for the one in progress. */
  async stop(): Promise<void> {
    this.#running = false;
    clearTimeout(this.#timer);
    await this.#pass;
  }

  /**
   * One pass: moves batches until fewer than a batch remain. Returns the deltas moved. A pass that moved
   * more than a batch (a backlog) vacuums the delta tables, whose dead index entries would otherwise slow
   * every analytics read until autovacuum comes by.
   */
  async compactNow(): Promise<number> {
    let moved = 0;
    for (;;) {
      const batch = await compactAnalyticsDeltas(this.#db, this.#batchSize);
      moved += batch;
      if (batch < this.#batchSize || !this.#running) break;
    }
    if (moved > this.#batchSize) await vacuumAnalyticsDeltas(this.#db);
    return moved;
  }

  #schedule(): void {
    if (!this.#running) return;
    this.#timer = setTimeout(() => {
      this.#pass = this.compactNow()
        .then(
          () => undefined,
          (error: unknown) => {
            if (!isDatabaseUnavailableError(error)) this.#onError(error);
          },
        )
        .finally(() => this.#schedule());
    }, this.#intervalMs);
    this.#timer.unref();
  }
}
