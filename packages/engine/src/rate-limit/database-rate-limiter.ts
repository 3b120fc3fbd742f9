import { type Db, deleteIdleRateLimitBuckets, takeRateLimitToken } from "@flowgate/db";
import {
  decisionFrom,
  type RateLimitDecision,
  type RateLimiter,
  type RateLimitPolicy,
} from "./rate-limiter.ts";

/** Options of {@link DatabaseRateLimiter}. */
export interface DatabaseRateLimiterOptions {
  /**
   * Buckets idle longer than this are deleted (default 1 hour; keep it above the slowest policy's
   * `burst / ratePerSecond`, the time an empty bucket takes to fill, beyond which a missing bucket and a
   * full one are the same).
   */
  idleMs?: number;
  /** How often idle buckets are swept (default every 10 minutes). */
  sweepEveryMs?: number;
  /** Called with a failed sweep (default: ignore; the next one tries again). */
  onError?: (error: unknown) => void;
}

/**
 * Token buckets in the `rate_limit_buckets` table (PostgreSQL or PGlite): each take is one upsert
 * ({@link takeRateLimitToken}), so every gateway on the database shares them. Idle buckets are swept now
 * and then.
 */
export class DatabaseRateLimiter implements RateLimiter {
  readonly #db: Db;
  readonly #idleMs: number;
  readonly #sweep: NodeJS.Timeout;
  readonly #onError: (error: unknown) => void;

  constructor(db: Db, options: DatabaseRateLimiterOptions = {}) {
    this.#db = db;
    this.#idleMs = options.idleMs ?? 3_600_000;
    this.#onError = options.onError ?? (() => {});
    this.#sweep = setInterval(() => void this.sweep().catch(this.#onError), options.sweepEveryMs ?? 600_000);
    this.#sweep.unref();
  }

  async take(bucket: string, policy: RateLimitPolicy, count = 1): Promise<RateLimitDecision> {
    const { allowed, tokens } = await takeRateLimitToken(this.#db, bucket, policy, count);
    return decisionFrom(allowed, tokens, policy);
  }

  /** Deletes buckets idle for longer than `idleMs`; returns how many. */
  sweep(): Promise<number> {
    return deleteIdleRateLimitBuckets(this.#db, new Date(Date.now() - this.#idleMs));
  }

  async close(): Promise<void> {
    clearInterval(this.#sweep);
  }
}
