import type { Redis } from "ioredis";
import { ioredis } from "../on-demand-modules.ts";
import {
  decisionFrom,
  type RateLimitDecision,
  type RateLimiter,
  type RateLimitPolicy,
} from "./rate-limiter.ts";

/**
 * The token bucket in one Lua script (atomic in Redis): refill for the time since the last take using
 * Redis's own clock, take `count` tokens if there are as many whole ones (else none), store, and expire the hash once it would be full
 * anyway. Returns `{allowed (0|1), tokens × 1000}` (Lua numbers become integers on the way back).
 */
const takeScript = `
local rate = tonumber(ARGV[1])
local burst = tonumber(ARGV[2])
local count = tonumber(ARGV[3])
local time = redis.call('TIME')
local now = tonumber(time[1]) + tonumber(time[2]) / 1000000
local state = redis.call('HMGET', KEYS[1], 'tokens', 'at')
local tokens = tonumber(state[1])
local at = tonumber(state[2])
if tokens == nil or at == nil then
  tokens = burst
else
  tokens = math.min(burst, tokens + rate * math.max(0, now - at))
end
local allowed = 0
if tokens >= count then
  tokens = tokens - count
  allowed = 1
end
redis.call('HSET', KEYS[1], 'tokens', tostring(tokens), 'at', tostring(now))
redis.call('PEXPIRE', KEYS[1], math.ceil((burst - tokens) / rate * 1000) + 1000)
return { allowed, math.floor(tokens * 1000) }
`;

/** The client with the script defined as a command. */
type ScriptedRedis = Redis & {
  flowgateTakeToken(key: string, rate: number, burst: number, count: number): Promise<[number, number]>;
};

/** Options of {@link RedisRateLimiter}. */
export interface RedisRateLimiterOptions {
  /** Prefix of the bucket keys (default `flowgate:ratelimit:`); namespaces deployments sharing a Redis. */
  prefix?: string;
  /** Longest wait for an answer (default 250 ms); then the take fails (and the gateway lets it go on). */
  commandTimeoutMs?: number;
  /** Called with connection errors the client survives (default: ignore). */
  onError?: (error: unknown) => void;
}

/**
 * Token buckets in Redis (`REDIS_URL`), shared by every gateway using it: each take is one `EVALSHA` of a
 * script that refills, takes and expires atomically. While Redis is unreachable a take fails within
 * `commandTimeoutMs` instead of waiting for it.
 */
export class RedisRateLimiter implements RateLimiter {
  readonly #redis: ScriptedRedis;
  readonly #prefix: string;

  constructor(url: string, options: RedisRateLimiterOptions = {}) {
    // Commands wait for the connection, but never long: a take fails after `commandTimeoutMs`.
    const redis = new (ioredis().Redis)(url, {
      maxRetriesPerRequest: 1,
      commandTimeout: options.commandTimeoutMs ?? 250,
    });
    redis.on("error", (error) => options.onError?.(error));
    redis.defineCommand("flowgateTakeToken", { numberOfKeys: 1, lua: takeScript });
    this.#redis = redis as ScriptedRedis;
    this.#prefix = options.prefix ?? "flowgate:ratelimit:";
  }

  /** Resolves once connected (takes before then fail fast). */
  async ready(): Promise<void> {
    if (this.#redis.status === "ready") return;
    await new Promise<void>((resolve, reject) => {
      this.#redis.once("ready", () => resolve());
      this.#redis.once("end", () => reject(new Error("Redis connection ended")));
    });
  }

  async take(bucket: string, policy: RateLimitPolicy, count = 1): Promise<RateLimitDecision> {
    const [allowed, milliTokens] = await this.#redis.flowgateTakeToken(
      `${this.#prefix}${bucket}`,
      policy.ratePerSecond,
      policy.burst,
      count,
    );
    return decisionFrom(allowed === 1, milliTokens / 1000, policy);
  }

  async close(): Promise<void> {
    this.#redis.disconnect();
  }
}
