import type { CreatedAt } from "./common.ts";

/**
 * Row of `rate_limit_buckets` (UNLOGGED): a token bucket, as of its last take. The tokens it holds now are
 * `min(burst, tokens + rate × seconds since updated_at)`; see `takeRateLimitToken`.
 */
export interface RateLimitBucketsTable {
  /** Who the bucket limits, e.g. `key:<hash prefix>` or `address:<ip>` (never a secret). */
  bucket: string;
  /** Tokens left after the last take. */
  tokens: number;
  /** Whether the last take found a token. */
  allowed: boolean;
  updated_at: CreatedAt;
}
