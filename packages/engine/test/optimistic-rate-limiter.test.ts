import { randomBytes } from "node:crypto";
import { createTestDatabase, type TestDatabase, testBackends } from "@flowgate/db/testing";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import {
  CoalescingRateLimiter,
  DatabaseRateLimiter,
  OptimisticGrantRefusedError,
  OptimisticRateLimiter,
  type RateLimitDecision,
  type RateLimiter,
  type RateLimitPolicy,
} from "../src/index.ts";

/**
 * The real store, counted: how many takes reached it, and a gate that holds them back until the test
 * opens it (so that a test can tell a take answered without the store from one that waited for it), or
 * a number of takes to fail as if the store were down.
 */
class CountingStore implements RateLimiter {
  readonly #inner: RateLimiter;
  readonly #pending = new Set<Promise<unknown>>();
  #gate: { promise: Promise<void>; open: () => void } | null = null;
  /** Takes sent to the store. */
  calls = 0;
  /** Takes to fail before reaching the store. */
  failing = 0;

  constructor(inner: RateLimiter) {
    this.#inner = inner;
  }

  /** Holds every take from now on until {@link open}. */
  hold(): void {
    let open = () => {};
    const promise = new Promise<void>((resolve) => {
      open = resolve;
    });
    this.#gate = { promise, open };
  }

  /** Lets the held takes (and later ones) through. */
  open(): void {
    this.#gate?.open();
    this.#gate = null;
  }

  take(bucket: string, policy: RateLimitPolicy, count?: number): Promise<RateLimitDecision> {
    this.calls++;
    const gate = this.#gate?.promise;
    const taking = (async () => {
      if (gate) await gate;
      if (this.failing > 0) {
        this.failing--;
        throw new Error("store unavailable");
      }
      return this.#inner.take(bucket, policy, count);
    })();
    this.#pending.add(taking);
    const forget = () => this.#pending.delete(taking);
    taking.then(forget, forget);
    return taking;
  }

  /** Resolves once every take sent so far (background ones included) has been answered. */
  async settled(): Promise<void> {
    while (this.#pending.size > 0) await Promise.allSettled([...this.#pending]);
    // The limiters above apply an answer a few promise turns later.
    await new Promise((resolve) => setImmediate(resolve));
  }

  close(): Promise<void> {
    return Promise.resolve();
  }
}

/** Whether `promise` has settled once pending promise callbacks have run (no wall-clock time involved). */
async function answeredAtOnce(promise: Promise<unknown>): Promise<boolean> {
  let done = false;
  promise.then(
    () => {
      done = true;
    },
    () => {
      done = true;
    },
  );
  await new Promise((resolve) => setImmediate(resolve));
  return done;
}

describe.each(testBackends())("optimistic rate limiter (%s)", (backend) => {
  let database: TestDatabase;
  const stores: DatabaseRateLimiter[] = [];
  beforeAll(async () => {
    database = await createTestDatabase(backend);
  }, 120_000);
  afterAll(async () => {
    await Promise.all(stores.map((s) => s.close()));
    await database?.close();
  });

  const bucket = () => `test:${randomBytes(4).toString("hex")}`;
  /** A gateway's view of the shared database store. */
  function store(): DatabaseRateLimiter {
    const limiter = new DatabaseRateLimiter(database.db);
    stores.push(limiter);
    return limiter;
  }
  /** The limiter as the gateway stacks it, over a counted store, with a clock the test moves. */
  function stack() {
    const clock = { now: 1_000_000 };
    const errors: unknown[] = [];
    const counted = new CountingStore(store());
    const limiter = new OptimisticRateLimiter(new CoalescingRateLimiter(counted), {
      now: () => clock.now,
      onError: (error) => errors.push(error),
    });
    return { clock, errors, counted, limiter };
  }
  /** The bucket's whole tokens as the store holds them (one more token taken, through another gateway). */
  async function storeRemaining(b: string, policy: RateLimitPolicy): Promise<number> {
    return (await store().take(b, policy)).remaining + 1;
  }

  it("grants at once while the bucket has plenty left, and still charges the store in the background", async () => {
    const { counted, limiter, errors } = stack();
    const policy: RateLimitPolicy = { name: "test", ratePerSecond: 0.001, burst: 100 };
    const b = bucket();
    // Nothing known yet: the first take waits for the store.
    expect(await limiter.take(b, policy)).toMatchObject({ allowed: true, remaining: 99 });
    expect(counted.calls).toBe(1);

    // The store answers nothing while held, yet takes are granted: 99 known left, margin 50.
    counted.hold();
    const local = [];
    for (let i = 0; i < 50; i++) {
      const take = limiter.take(b, policy);
      expect(await answeredAtOnce(take)).toBe(true);
      local.push(await take);
    }
    expect(local.every((d) => d.allowed)).toBe(true);
    expect(local.map((d) => d.remaining)).toEqual(Array.from({ length: 50 }, (_, i) => 98 - i));
    // 49 left beyond this process's 50 unanswered takes: under the margin, the next take waits.
    const awaited = limiter.take(b, policy);
    expect(await answeredAtOnce(awaited)).toBe(false);
    counted.open();
    expect(await awaited).toMatchObject({ allowed: true, remaining: 48 });
    await counted.settled();
    // Every take reached the shared store: the first alone, then the first background take, then the
    // other 49 and the awaited one coalesced into one.
    expect(await storeRemaining(b, policy)).toBe(48);
    expect(counted.calls).toBe(3);
    expect(errors).toEqual([]);
  });

  it("awaits every take near the limit and refuses exactly at exhaustion", async () => {
    const { counted, limiter, errors } = stack();
    // Margin: the larger of half the burst (15) and 10 tokens.
    const policy: RateLimitPolicy = { name: "test", ratePerSecond: 0.001, burst: 30 };
    const b = bucket();
    const decisions: RateLimitDecision[] = [];
    const local: boolean[] = [];
    for (let i = 0; i < 35; i++) {
      counted.hold();
      const take = limiter.take(b, policy);
      local.push(await answeredAtOnce(take));
      counted.open();
      decisions.push(await take);
      await counted.settled();
    }
    expect(decisions.map((d) => d.allowed)).toEqual([...Array(30).fill(true), ...Array(5).fill(false)]);
    expect(decisions.slice(0, 30).map((d) => d.remaining)).toEqual(
      Array.from({ length: 30 }, (_, i) => 29 - i),
    );
    expect(decisions[34]).toMatchObject({ allowed: false, remaining: 0, retryAfterSeconds: 1000 });
    // The first take knows nothing; the next 15 know 29 down to 15 left and are granted at once; from
    // 14 known left on, every take waits for the store.
    expect(local).toEqual([false, ...Array(15).fill(true), ...Array(19).fill(false)]);
    expect(errors).toEqual([]);
  });

  it("awaits the store once its answer is older than maxAgeMs, or under another policy", async () => {
    const { clock, counted, limiter } = stack();
    const policy: RateLimitPolicy = { name: "test", ratePerSecond: 0.001, burst: 100 };
    const b = bucket();
    await limiter.take(b, policy);
    clock.now += 999;
    counted.hold();
    expect(await answeredAtOnce(limiter.take(b, policy))).toBe(true);
    clock.now += 1;
    const stale = limiter.take(b, policy);
    expect(await answeredAtOnce(stale)).toBe(false);
    counted.open();
    expect(await stale).toMatchObject({ allowed: true, remaining: 97 });
    await counted.settled();

    // Fresh again (answered at the current time), but another policy's take never relies on it.
    counted.hold();
    const other = limiter.take(b, { ...policy, name: "other" });
    expect(await answeredAtOnce(other)).toBe(false);
    counted.open();
    await other;
    await counted.settled();
  });

  it("awaits the next take after a background take failed, and reports the failure", async () => {
    const { counted, limiter, errors } = stack();
    const policy: RateLimitPolicy = { name: "test", ratePerSecond: 0.001, burst: 100 };
    const b = bucket();
    await limiter.take(b, policy);
    counted.failing = 1;
    expect(await limiter.take(b, policy)).toMatchObject({ allowed: true, remaining: 98 });
    await counted.settled();
    expect(errors.map((e) => (e as Error).message)).toEqual(["store unavailable"]);
    counted.hold();
    const next = limiter.take(b, policy);
    expect(await answeredAtOnce(next)).toBe(false);
    counted.open();
    // The failed take never reached the store: one taken before, this one now.
    expect(await next).toMatchObject({ allowed: true, remaining: 98 });
  });

  it("bounds over-admission: a grant refused in the background is reported, and the next take awaited", async () => {
    const { counted, limiter, errors } = stack();
    const policy: RateLimitPolicy = { name: "test", ratePerSecond: 0.001, burst: 100 };
    const b = bucket();
    await limiter.take(b, policy);
    // Another gateway drains the bucket, unseen by this one, whose knowledge is still fresh.
    expect((await store().take(b, policy, 99)).allowed).toBe(true);
    expect(await limiter.take(b, policy)).toMatchObject({ allowed: true, remaining: 98 });
    await counted.settled();
    expect(errors).toHaveLength(1);
    expect(errors[0]).toBeInstanceOf(OptimisticGrantRefusedError);
    expect(errors[0]).toMatchObject({ bucket: b, policy: "test" });
    counted.hold();
    const next = limiter.take(b, policy);
    expect(await answeredAtOnce(next)).toBe(false);
    counted.open();
    expect(await next).toMatchObject({ allowed: false, remaining: 0 });
  });

  it("two gateways' optimistic limiters never hand out more than the burst when taking in turns", async () => {
    const [one, two] = [stack(), stack()];
    const policy: RateLimitPolicy = { name: "test", ratePerSecond: 0.001, burst: 40 };
    const b = bucket();
    const decisions: RateLimitDecision[] = [];
    for (let i = 0; i < 60; i++) {
      const gateway = i % 2 ? one : two;
      decisions.push(await gateway.limiter.take(b, policy));
      // Each gateway's background take lands before the other's next take (a quiet pair of gateways).
      await gateway.counted.settled();
    }
    expect(decisions.filter((d) => d.allowed)).toHaveLength(40);
    expect(decisions.slice(40).every((d) => !d.allowed)).toBe(true);
  });
});
