export { CoalescingRateLimiter } from "./coalescing-rate-limiter.ts";
export { DatabaseRateLimiter, type DatabaseRateLimiterOptions } from "./database-rate-limiter.ts";
export {
  OptimisticGrantRefusedError,
  OptimisticRateLimiter,
  type OptimisticRateLimiterOptions,
} from "./optimistic-rate-limiter.ts";
export {
  decisionFrom,
  type RateLimitDecision,
  type RateLimiter,
  type RateLimitPolicy,
} from "./rate-limiter.ts";
export { RedisRateLimiter, type RedisRateLimiterOptions } from "./redis-rate-limiter.ts";
