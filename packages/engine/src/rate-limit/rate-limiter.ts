/**
 * A rate-limit policy: a token bucket that holds at most `burst` tokens and gains `ratePerSecond` tokens a
 * second; each request takes one. `name` appears in the `RateLimit-Policy` and `RateLimit` headers.
 */
export interface RateLimitPolicy {
  name: string;
  ratePerSecond: number;
  burst: number;
}

/** What a {@link RateLimiter} decided for one request. */
export interface RateLimitDecision {
  /** Whether the request may go on (a token was taken). */
  allowed: boolean;
  /** Whole tokens left after this request. */
  remaining: number;
  /** Seconds until the bucket is full again (0 when it is). */
  resetSeconds: number;
  /** Seconds until the next token, when refused (0 when allowed), rounded up to at least 1. */
  retryAfterSeconds: number;
  /** Milliseconds until the next token, when refused (0 when allowed), not rounded to seconds. */
  retryAfterMs: number;
}

/**
 * Token buckets shared by every gateway process: one implementation keeps them in the database
 * ({@link DatabaseRateLimiter}), one in Redis ({@link RedisRateLimiter}). Each `take` is one round trip.
 */
export interface RateLimiter {
  /**
   * Takes `count` tokens (default one) from `bucket` under `policy`: all of them, or none when the bucket
   * holds fewer (the decision is then a refusal).
   *
   * @param bucket - Who is limited, e.g. `key:<hash>` or `address:<ip>`; never a secret.
   * @param count - Tokens to take at once (several requests charged in one round trip).
   */
  take(bucket: string, policy: RateLimitPolicy, count?: number): Promise<RateLimitDecision>;
  /** Releases connections and timers. */
  close(): Promise<void>;
}

/**
 * The decision for a bucket holding `tokens` after a take that was `allowed` or not.
 *
 * @param tokens - Tokens left (fractional).
 */
export function decisionFrom(allowed: boolean, tokens: number, policy: RateLimitPolicy): RateLimitDecision {
  const left = Math.min(policy.burst, Math.max(0, tokens));
  return {
    allowed,
    remaining: Math.floor(left),
    resetSeconds: Math.ceil((policy.burst - left) / policy.ratePerSecond),
    retryAfterSeconds: allowed ? 0 : Math.max(1, Math.ceil((1 - left) / policy.ratePerSecond)),
    retryAfterMs: allowed ? 0 : Math.ceil(((1 - left) / policy.ratePerSecond) * 1000),
  };
}
