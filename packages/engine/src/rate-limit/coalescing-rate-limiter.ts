import {
  decisionFrom,
  type RateLimitDecision,
  type RateLimiter,
  type RateLimitPolicy,
} from "./rate-limiter.ts";

/** A take waiting for the bucket's take in flight to come back. */
interface Waiter {
  policy: RateLimitPolicy;
  resolve: (decision: RateLimitDecision) => void;
  reject: (error: unknown) => void;
}

/**
 * One take per bucket in flight: a take that arrives while its bucket's take is on its way to the store
 * waits, and the waiters are then charged together with one take of as many tokens, so 50 concurrent
 * requests of one API key cost a few round trips instead of 50 upserts queueing on the bucket's row lock.
 *
 * Each request still gets the decision it would have had alone: a batch is all or nothing, and when the
 * bucket holds fewer tokens than the batch asks, its waiters are charged one by one until one is refused;
 * the rest are refused with that decision (tokens only come with time, so none would have had one).
 * The store stays shared by every gateway. Takes of different buckets never wait for each other.
 */
export class CoalescingRateLimiter implements RateLimiter {
  readonly #inner: RateLimiter;
  /** The buckets with a take in flight, each with the takes that arrived since. */
  readonly #inFlight = new Map<string, Waiter[]>();

  /** @param inner - The shared store (its `take` must honour `count`). */
  constructor(inner: RateLimiter) {
    this.#inner = inner;
  }

  take(bucket: string, policy: RateLimitPolicy, count = 1): Promise<RateLimitDecision> {
    // A caller's own multi-token take goes straight through (the gateway charges one token per request).
    if (count !== 1) return this.#inner.take(bucket, policy, count);
    const waiting = this.#inFlight.get(bucket);
    if (waiting) return new Promise((resolve, reject) => waiting.push({ policy, resolve, reject }));
    const queue: Waiter[] = [];
    this.#inFlight.set(bucket, queue);
    const first = this.#inner.take(bucket, policy, 1);
    void first.then(
      () => this.#drain(bucket, queue),
      () => this.#drain(bucket, queue),
    );
    return first;
  }

  /** Charges the takes that queued behind the one in flight, batch after batch, then frees the bucket. */
  async #drain(bucket: string, queue: Waiter[]): Promise<void> {
    while (queue.length > 0) {
      // One batch per policy (a bucket is always charged under the same policy; this keeps it exact if not).
      const policy = queue[0]!.policy;
      const batch: Waiter[] = [];
      for (let i = 0; i < queue.length; ) {
        if (sameShape(queue[i]!.policy, policy)) batch.push(...queue.splice(i, 1));
        else i++;
      }
      try {
        await this.#charge(bucket, policy, batch);
      } catch (error) {
        for (const waiter of batch) waiter.reject(error);
      }
    }
    this.#inFlight.delete(bucket);
  }

  /** Charges one batch: one take of all its tokens, or one by one when the bucket holds fewer. */
  async #charge(bucket: string, policy: RateLimitPolicy, batch: Waiter[]): Promise<void> {
    if (batch.length > 1) {
      const decision = await this.#inner.take(bucket, policy, batch.length);
      if (decision.allowed) {
        // As if taken in arrival order: the first saw the most tokens left.
        const left = decision.remaining;
        for (const [i, waiter] of batch.entries())
          waiter.resolve(decisionFrom(true, left + (batch.length - 1 - i), policy));
        return;
      }
    }
    for (let i = 0; i < batch.length; i++) {
      const decision = await this.#inner.take(bucket, policy, 1);
      batch[i]!.resolve(decision);
      if (!decision.allowed) {
        for (const waiter of batch.slice(i + 1)) waiter.resolve(decision);
        return;
      }
    }
  }

  close(): Promise<void> {
    return this.#inner.close();
  }
}

function sameShape(a: RateLimitPolicy, b: RateLimitPolicy): boolean {
  return a.name === b.name && a.ratePerSecond === b.ratePerSecond && a.burst === b.burst;
}
