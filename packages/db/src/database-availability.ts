import { type BackoffBounds, backoffDelay } from "./backoff.ts";
import { DatabaseUnavailableError } from "./database-unavailable.ts";

/** A change of the database's availability, as reported to {@link DatabaseAvailability.onChange}. */
export type AvailabilityChange =
  | { available: false; error: DatabaseUnavailableError }
  | { available: true; unavailableForMs: number };

/** Options of {@link DatabaseAvailability}. */
export interface DatabaseAvailabilityOptions {
  /**
   * Opens a fresh connection and runs a trivial statement; resolves when the database serves again.
   * Without one the database is always available (embedded PGlite).
   */
  probe?: () => Promise<void>;
  /** Delays between probes while the database is down (default 100 ms up to 1 s). */
  backoff?: BackoffBounds;
}

/** Reasons that say nothing about the server itself, so they do not mark it unavailable. */
const localReasons = new Set<DatabaseUnavailableError["reason"]>(["pool_timeout", "circuit_open"]);

/**
 * Whether the database can serve, shared by everything in one process (pool, LISTEN connection,
 * workers, readiness). The first connection-level failure marks it unavailable ("opens the circuit"):
 * from then on the pool refuses new work at once with a `circuit_open` {@link DatabaseUnavailableError}
 * instead of trying (so requests fail fast rather than queue behind connect timeouts), and a probe on a
 * connection of its own retries with exponential backoff and jitter. The first successful probe marks
 * it available again and wakes every waiter. Pool timeouts (all connections busy) do not open it: that
 * is load, not an outage.
 */
export class DatabaseAvailability {
  readonly #probe: (() => Promise<void>) | undefined;
  readonly #backoff: BackoffBounds;
  readonly #listeners = new Set<(change: AvailabilityChange) => void>();
  #available = true;
  #since: number | undefined;
  #lastError: DatabaseUnavailableError | undefined;
  #probing: Promise<void> | undefined;
  #wakeProbe: (() => void) | undefined;
  #waiters: (() => void)[] = [];
  #closed = false;

  constructor(options: DatabaseAvailabilityOptions = {}) {
    this.#probe = options.probe;
    this.#backoff = options.backoff ?? { minMs: 100, maxMs: 1000 };
  }

  /** Whether the database is believed to serve (no failure since the last successful probe). */
  get available(): boolean {
    return this.#available;
  }

  /** When the current outage began, if the database is unavailable. */
  get unavailableSince(): Date | undefined {
    return this.#since === undefined ? undefined : new Date(this.#since);
  }

  /** The failure that began the current outage. */
  get lastError(): DatabaseUnavailableError | undefined {
    return this.#available ? undefined : this.#lastError;
  }

  /** The error that requests get while the circuit is open. */
  circuitOpenError(): DatabaseUnavailableError {
    return new DatabaseUnavailableError("circuit_open", this.#lastError);
  }

  /**
   * Records a connection-level failure seen anywhere in the process: marks the database unavailable
   * (once per outage) and starts probing. Pool timeouts and refusals by the open circuit are ignored.
   */
  reportFailure(error: DatabaseUnavailableError): void {
    if (this.#closed || !this.#probe || localReasons.has(error.reason)) return;
    if (this.#available) {
      this.#available = false;
      this.#since = Date.now();
      this.#lastError = error;
      this.#emit({ available: false, error });
    }
    this.#probing ??= this.#probeUntilAvailable().finally(() => {
      this.#probing = undefined;
    });
  }

  /** Subscribes to availability changes; returns the unsubscribe function. */
  onChange(listener: (change: AvailabilityChange) => void): () => void {
    this.#listeners.add(listener);
    return () => this.#listeners.delete(listener);
  }

  /** Resolves once the database is available (at once when it is), or when this monitor closes. */
  waitUntilAvailable(): Promise<void> {
    if (this.#available || this.#closed) return Promise.resolve();
    return new Promise((resolve) => this.#waiters.push(resolve));
  }

  /**
   * Probes at once instead of at the next backoff step: something else just saw the database serve
   * (a LISTEN connection was re-established), so the outage is probably over.
   */
  probeNow(): void {
    this.#wakeProbe?.();
  }

  /** Stops probing and releases every waiter. */
  close(): void {
    this.#closed = true;
    this.#wakeProbe?.();
    this.#release();
  }

  async #probeUntilAvailable(): Promise<void> {
    for (let attempt = 0; !this.#closed; attempt++) {
      await new Promise<void>((resolve) => {
        const timer = setTimeout(done, backoffDelay(attempt, this.#backoff));
        timer.unref();
        const self = this;
        function done() {
          clearTimeout(timer);
          self.#wakeProbe = undefined;
          resolve();
        }
        this.#wakeProbe = done;
      });
      if (this.#closed) return;
      try {
        await this.#probe?.();
      } catch {
        continue;
      }
      const unavailableForMs = Date.now() - (this.#since ?? Date.now());
      this.#available = true;
      this.#since = undefined;
      this.#emit({ available: true, unavailableForMs });
      this.#release();
      return;
    }
  }

  #release(): void {
    const waiters = this.#waiters;
    this.#waiters = [];
    for (const resolve of waiters) resolve();
  }

  #emit(change: AvailabilityChange): void {
    for (const listener of [...this.#listeners]) {
      try {
        listener(change);
      } catch {
        // A listener's failure must not stop the others or the probe.
      }
    }
  }
}
