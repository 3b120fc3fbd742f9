import {
  decisionFrom,
  type RateLimitDecision,
  type RateLimiter,
  type RateLimitPolicy,
} from "./rate-limiter.ts";

/** Options of {@link OptimisticRateLimiter}. */
export interface OptimisticRateLimiterOptions {
  /** How long the store's last answer about a bucket may be relied on (default 1000 ms). */
  maxAgeMs?: number;
  /**
   * Share of the policy's burst that must be known left for a take to be granted locally (default 0.5):
   * the margin other gateways may drain unseen before this process over-admits.
   */
  marginShare?: number;
  /** The margin's floor in tokens (default 10): small buckets are always charged in the store. */
  minMargin?: number;
  /** Buckets remembered at most (default 10,000); beyond, takes are awaited as without this layer. */
  maxBuckets?: number;
  /**
   * Called with a background take that failed, or with an {@link OptimisticGrantRefusedError} when the
   * store refused one (default: ignore). Either way the bucket's next take is awaited.
   */
  onError?: (error: unknown) => void;
  /** Milliseconds since the epoch (default `Date.now`); tests move it. */
  now?: () => number;
}

/**
 * A take this process granted locally was refused by the store when it arrived there in the background:
 * other gateways drained the bucket faster than this process knew, and one request too many went on.
 */
export class OptimisticGrantRefusedError extends Error {
  override readonly name = "OptimisticGrantRefusedError";
  /** The bucket over-admitted. */
  readonly bucket: string;
  /** The policy it was charged under. */
  readonly policy: string;

  constructor(bucket: string, policy: string) {
    super(`Rate limit bucket ${bucket} (${policy}) was empty for a take granted locally`);
    this.bucket = bucket;
    this.policy = policy;
  }
}

/** What this process knows about one bucket. */
interface Knowledge {
  /** The store's last answer: whole tokens left, under which policy, sent when (null: none to rely on). */
  answer: { remaining: number; policy: RateLimitPolicy; at: number } | null;
  /** The latest take whose outcome was applied (an answer, a refusal or a failure): older ones are not. */
  seq: number;
  /** Takes of this process sent to the store and not answered yet (background or awaited). */
  outstanding: number;
}

/**
 * Answers a take at once when the store's answer about its bucket is fresh and leaves plenty of
 * headroom, and charges the store in the background; otherwise awaits the store as without it.
 *
 * A take is granted locally when the store answered about the bucket less than `maxAgeMs` ago (the age
 * counted from when that take was sent), under the same policy, and the tokens it reported left minus
 * this process's takes not answered since are at least the margin (`marginShare` of the burst, at least
 * `minMargin`). The take still goes to the store, not awaited; its answer refreshes the knowledge, and a
 * refusal or failure forgets it, so the bucket's next take is awaited. The decision is the store's last
 * answer minus those takes, this one included (refill since is not counted).
 *
 * Trade-off: one gateway alone never over-admits (the store holds at least what it last reported minus
 * this process's takes since). Several gateways can: a locally granted take is refused by the store only
 * if the other gateways drained about the margin unseen, between this process's last answer and the
 * take's arrival in the store; at most `burst − margin` local grants of a process are unanswered at any
 * time, which bounds the excess, and the first refusal makes the process await the store again. Near
 * exhaustion (less than the margin known left) every take is awaited and exact, so 429s arrive where they
 * did.
 */
export class OptimisticRateLimiter implements RateLimiter {
  readonly #inner: RateLimiter;
  readonly #maxAgeMs: number;
  readonly #marginShare: number;
  readonly #minMargin: number;
  readonly #maxBuckets: number;
  readonly #onError: (error: unknown) => void;
  readonly #now: () => number;
  readonly #buckets = new Map<string, Knowledge>();
  /** Orders the takes sent, so that an answer overtaken by a later one's is not applied. */
  #seq = 0;

  /** @param inner - The store, usually behind a {@link CoalescingRateLimiter}. */
  constructor(inner: RateLimiter, options: OptimisticRateLimiterOptions = {}) {
    this.#inner = inner;
    this.#maxAgeMs = options.maxAgeMs ?? 1000;
    this.#marginShare = options.marginShare ?? 0.5;
    this.#minMargin = options.minMargin ?? 10;
    this.#maxBuckets = options.maxBuckets ?? 10_000;
    this.#onError = options.onError ?? (() => {});
    this.#now = options.now ?? Date.now;
  }

  take(bucket: string, policy: RateLimitPolicy, count = 1): Promise<RateLimitDecision> {
    const known = this.#knowledge(bucket);
    if (!known) return this.#inner.take(bucket, policy, count);
    const left = this.#headroom(known, policy);
    if (count === 1 && left !== null) {
      void this.#send(bucket, known, policy, count).then(
        (decision) => {
          // #send forgot the knowledge: the bucket's next take is awaited.
          if (!decision.allowed) this.#onError(new OptimisticGrantRefusedError(bucket, policy.name));
        },
        (error: unknown) => this.#onError(error),
      );
      return Promise.resolve(decisionFrom(true, left - 1, policy));
    }
    return this.#send(bucket, known, policy, count);
  }

  /**
   * Tokens known left in the bucket beyond this process's unanswered takes, when enough for a local
   * grant; else null.
   */
  #headroom(known: Knowledge, policy: RateLimitPolicy): number | null {
    const answer = known.answer;
    if (!answer || !sameShape(answer.policy, policy)) return null;
    if (this.#now() - answer.at >= this.#maxAgeMs) return null;
    const left = answer.remaining - known.outstanding;
    const margin = Math.max(this.#minMargin, Math.ceil(policy.burst * this.#marginShare));
    return left >= margin ? left : null;
  }

  /** Sends a take to the store, counted as outstanding until it answers; its answer becomes the knowledge. */
  async #send(bucket: string, known: Knowledge, policy: RateLimitPolicy, count: number) {
    const seq = ++this.#seq;
    const at = this.#now();
    known.outstanding += count;
    let decision: RateLimitDecision;
    try {
      decision = await this.#inner.take(bucket, policy, count);
    } catch (error) {
      known.outstanding -= count;
      known.answer = null;
      known.seq = Math.max(known.seq, seq);
      throw error;
    }
    known.outstanding -= count;
    if (!decision.allowed) {
      known.answer = null;
      known.seq = Math.max(known.seq, seq);
    } else if (known.seq < seq) {
      known.answer = { remaining: decision.remaining, policy, at };
      known.seq = seq;
    }
    return decision;
  }

  /**
   * The bucket's entry, created when missing; null when the map is full of buckets still fresh or with
   * takes outstanding (the take is then awaited without being tracked).
   */
  #knowledge(bucket: string): Knowledge | null {
    const known = this.#buckets.get(bucket);
    if (known) return known;
    if (this.#buckets.size >= this.#maxBuckets) {
      const now = this.#now();
      for (const [name, entry] of this.#buckets)
        if (entry.outstanding === 0 && (!entry.answer || now - entry.answer.at >= this.#maxAgeMs))
          this.#buckets.delete(name);
      if (this.#buckets.size >= this.#maxBuckets) return null;
    }
    const created: Knowledge = { answer: null, outstanding: 0, seq: 0 };
    this.#buckets.set(bucket, created);
    return created;
  }

  close(): Promise<void> {
    return this.#inner.close();
  }
}

function sameShape(a: RateLimitPolicy, b: RateLimitPolicy): boolean {
  return a.name === b.name && a.ratePerSecond === b.ratePerSecond && a.burst === b.burst;
}
