import { randomBytes } from "node:crypto";
import { createTestDatabase, type TestDatabase, testBackends } from "@flowgate/db/testing";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import {
  CoalescingRateLimiter,
  DatabaseRateLimiter,
  type RateLimiter,
  type RateLimitPolicy,
  RedisRateLimiter,
} from "../src/index.ts";

/** A store of buckets, and how to open another gateway's limiter on it. */
interface Store {
  name: string;
  open(): Promise<RateLimiter>;
  close(): Promise<void>;
  /** Rows or keys the store holds for this suite. */
  count(): Promise<number>;
}

function databaseStore(backend: "pglite" | "postgres"): Store {
  let database: TestDatabase | undefined;
  const limiters: RateLimiter[] = [];
  return {
    name: backend,
    async open() {
      database ??= await createTestDatabase(backend);
      const limiter = new DatabaseRateLimiter(database.db);
      limiters.push(limiter);
      return limiter;
    },
    async count() {
      const row = await database!.db
        .selectFrom("rate_limit_buckets")
        .select((eb) => eb.fn.countAll<string>().as("n"))
        .executeTakeFirstOrThrow();
      return Number(row.n);
    },
    async close() {
      await Promise.all(limiters.map((l) => l.close()));
      await database?.close();
    },
  };
}

/** Redis at `REDIS_URL` (e.g. redis://127.0.0.1:6379), under a prefix of this run's own. */
function redisStore(url: string): Store {
  const prefix = `flowgate:test:${randomBytes(6).toString("hex")}:`;
  const limiters: RedisRateLimiter[] = [];
  return {
    name: "redis",
    async open() {
      const limiter = new RedisRateLimiter(url, { prefix });
      await limiter.ready();
      limiters.push(limiter);
      return limiter;
    },
    async count() {
      const { Redis } = await import("ioredis");
      const client = new Redis(url);
      try {
        return (await client.keys(`${prefix}*`)).length;
      } finally {
        client.disconnect();
      }
    },
    async close() {
      await Promise.all(limiters.map((l) => l.close()));
    },
  };
}

const stores: Store[] = [
  ...testBackends().map(databaseStore),
  ...(process.env.REDIS_URL ? [redisStore(process.env.REDIS_URL)] : []),
];
if (!process.env.REDIS_URL) console.warn("REDIS_URL is not set: the Redis rate limiter is not tested");

describe.each(stores)("token-bucket rate limiter ($name)", (store) => {
  // Creating the database (a PGlite instance, a PostgreSQL schema) is the slow part: not in a test's time.
  beforeAll(() => store.open(), 120_000);
  afterAll(() => store.close());
  const bucket = () => `test:${randomBytes(4).toString("hex")}`;

  it("lets a burst through, then refuses with the time to the next token", async () => {
    const limiter = await store.open();
    const policy: RateLimitPolicy = { name: "test", ratePerSecond: 0.5, burst: 5 };
    const b = bucket();
    const decisions = [];
    for (let i = 0; i < 6; i++) decisions.push(await limiter.take(b, policy));
    expect(decisions.map((d) => d.allowed)).toEqual([true, true, true, true, true, false]);
    expect(decisions.map((d) => d.remaining)).toEqual([4, 3, 2, 1, 0, 0]);
    expect(decisions[0]).toMatchObject({ resetSeconds: 2, retryAfterSeconds: 0 });
    expect(decisions[5]).toMatchObject({ allowed: false, retryAfterSeconds: 2, resetSeconds: 10 });
    // Another bucket is untouched.
    expect((await limiter.take(bucket(), policy)).remaining).toBe(4);
  });

  it("refills at its rate, never beyond the burst", async () => {
    const limiter = await store.open();
    // 2 a second: the three takes below need only be within half a second of each other to find the
    // bucket empty, however loaded the machine.
    const policy: RateLimitPolicy = { name: "test", ratePerSecond: 2, burst: 2 };
    const b = bucket();
    await limiter.take(b, policy);
    await limiter.take(b, policy);
    expect((await limiter.take(b, policy)).allowed).toBe(false);
    // 1.5 s brings back 3 tokens' worth; the bucket keeps 2 of them.
    await new Promise((resolve) => setTimeout(resolve, 1500));
    const after = await limiter.take(b, policy);
    expect(after).toMatchObject({ allowed: true, remaining: 1 });
  });

  it("is shared: two gateways' limiters taking at once never hand out more than the burst", async () => {
    const [one, two] = [await store.open(), await store.open()];
    const policy: RateLimitPolicy = { name: "test", ratePerSecond: 0.001, burst: 20 };
    const b = bucket();
    const decisions = await Promise.all(
      Array.from({ length: 60 }, (_, i) => (i % 2 ? one : two).take(b, policy)),
    );
    expect(decisions.filter((d) => d.allowed)).toHaveLength(20);
    expect(await store.count()).toBeGreaterThan(0);
  });

  it("takes several tokens at once, all or none", async () => {
    const limiter = await store.open();
    const policy: RateLimitPolicy = { name: "test", ratePerSecond: 0.001, burst: 5 };
    const b = bucket();
    expect(await limiter.take(b, policy, 3)).toMatchObject({ allowed: true, remaining: 2 });
    expect(await limiter.take(b, policy, 3)).toMatchObject({ allowed: false, remaining: 2 });
    expect(await limiter.take(b, policy)).toMatchObject({ allowed: true, remaining: 1 });
  });

  it("coalesced: concurrent takes of a bucket share round trips and get the decisions they would alone", async () => {
    const inner = await store.open();
    // Counts the takes that reach the store (the store is real).
    let roundTrips = 0;
    const counted: RateLimiter = {
      take: (b, policy, count) => {
        roundTrips++;
        return inner.take(b, policy, count);
      },
      close: () => Promise.resolve(),
    };
    const limiter = new CoalescingRateLimiter(counted);
    const roomy: RateLimitPolicy = { name: "test", ratePerSecond: 0.001, burst: 100 };
    const b = bucket();
    const decisions = await Promise.all(Array.from({ length: 50 }, () => limiter.take(b, roomy)));
    expect(decisions.every((d) => d.allowed)).toBe(true);
    // In arrival order, as if taken one by one.
    expect(decisions.map((d) => d.remaining)).toEqual(Array.from({ length: 50 }, (_, i) => 99 - i));
    // The first take alone, then the 49 that queued behind it in one.
    expect(roundTrips).toBe(2);

    // Near the limit: exactly the bucket's tokens are handed out, to the first comers.
    const tight: RateLimitPolicy = { name: "test", ratePerSecond: 0.001, burst: 20 };
    const c = bucket();
    const near = await Promise.all(Array.from({ length: 30 }, () => limiter.take(c, tight)));
    expect(near.map((d) => d.allowed)).toEqual([...Array(20).fill(true), ...Array(10).fill(false)]);
    expect(near.slice(0, 20).map((d) => d.remaining)).toEqual(Array.from({ length: 20 }, (_, i) => 19 - i));
    expect(near[29]).toMatchObject({ allowed: false, retryAfterSeconds: 1000 });
  });

  it("coalesced: two gateways' coalescing limiters taking at once never hand out more than the burst", async () => {
    const [one, two] = [
      new CoalescingRateLimiter(await store.open()),
      new CoalescingRateLimiter(await store.open()),
    ];
    const policy: RateLimitPolicy = { name: "test", ratePerSecond: 0.001, burst: 20 };
    const b = bucket();
    const decisions = await Promise.all(
      Array.from({ length: 60 }, (_, i) => (i % 2 ? one : two).take(b, policy)),
    );
    expect(decisions.filter((d) => d.allowed)).toHaveLength(20);
  });
});

describe.each(testBackends())("database rate limiter upkeep (%s)", (backend) => {
  let database: TestDatabase;
  afterAll(() => database?.close());

  beforeAll(async () => {
    database = await createTestDatabase(backend);
  }, 120_000);

  it("sweeps buckets idle longer than a full refill", async () => {
    const limiter = new DatabaseRateLimiter(database.db, { idleMs: 50 });
    const policy: RateLimitPolicy = { name: "test", ratePerSecond: 100, burst: 1 };
    await limiter.take("address:192.0.2.1", policy);
    await limiter.take("address:192.0.2.2", policy);
    await new Promise((resolve) => setTimeout(resolve, 150));
    await limiter.take("address:192.0.2.3", policy);
    expect(await limiter.sweep()).toBe(2);
    const left = await database.db.selectFrom("rate_limit_buckets").select("bucket").execute();
    expect(left.map((r) => r.bucket)).toEqual(["address:192.0.2.3"]);
    await limiter.close();
  });
});
