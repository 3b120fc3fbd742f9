import { sql } from "kysely";
import type { Executor } from "../database.ts";

/** A token bucket's shape: it holds at most `burst` tokens and gains `ratePerSecond` each second. */
export interface TokenBucketShape {
  ratePerSecond: number;
  burst: number;
}

/** What {@link takeRateLimitToken} found: whether the tokens were taken, and how many are left. */
export interface TokenTake {
  /** Whether all `count` tokens were taken (none is taken otherwise). */
  allowed: boolean;
  /** Tokens left after the take (fractional: the bucket refills continuously). */
  tokens: number;
}

/**
 * Takes `count` tokens (default one) from `bucket`, in one statement: an upsert that refills the bucket for
 * the time since its last take (capped at `burst`), takes the tokens if it holds `count` whole ones (else
 * none), and returns what it decided. A new
 * bucket starts full. Concurrent takes of one bucket queue on its row, so no token is taken twice, whichever
 * gateway asks. The database's clock is the only clock, so gateways' clocks need not agree.
 *
 * Call it outside a transaction: `now()` is the transaction's start time.
 *
 * @param db - The database (not a long transaction).
 * @param bucket - Who is limited; never a secret (hash keys first).
 * @param shape - Refill rate and capacity.
 * @param count - Tokens to take at once, all or none (several requests' takes in one round trip).
 */
export async function takeRateLimitToken(
  db: Executor,
  bucket: string,
  shape: TokenBucketShape,
  count = 1,
): Promise<TokenTake> {
  const { ratePerSecond, burst } = shape;
  // Tokens now, before this take: the stored tokens plus the refill since the last take, at most `burst`.
  const refilled = sql<number>`least(${burst}::float8, rate_limit_buckets.tokens + ${ratePerSecond}::float8 * greatest(0, extract(epoch from (now() - rate_limit_buckets.updated_at))::float8))`;
  const row = await db
    .insertInto("rate_limit_buckets")
    .values({
      bucket,
      tokens: sql<number>`case when ${burst}::float8 >= ${count}::float8 then ${burst}::float8 - ${count}::float8 else ${burst}::float8 end`,
      allowed: sql<boolean>`${burst}::float8 >= ${count}::float8`,
      updated_at: sql`now()`,
    })
    .onConflict((conflict) =>
      conflict.column("bucket").doUpdateSet({
        tokens: sql<number>`case when ${refilled} >= ${count}::float8 then ${refilled} - ${count}::float8 else ${refilled} end`,
        allowed: sql<boolean>`${refilled} >= ${count}::float8`,
        updated_at: sql`now()`,
      }),
    )
    .returning(["tokens", "allowed"])
    .executeTakeFirstOrThrow();
  return { allowed: row.allowed, tokens: Math.max(0, Number(row.tokens)) };
}

/**
 * Deletes buckets not used since `before`. A bucket idle for `burst / ratePerSecond` seconds is full again,
 * which is what a missing bucket means, so deleting it changes nothing but the table's size.
 *
 * @returns How many buckets were deleted.
 */
export async function deleteIdleRateLimitBuckets(db: Executor, before: Date): Promise<number> {
  const result = await db
    .deleteFrom("rate_limit_buckets")
    .where("updated_at", "<", before)
    .executeTakeFirst();
  return Number(result.numDeletedRows);
}
