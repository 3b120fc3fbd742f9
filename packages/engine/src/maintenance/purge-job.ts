import {
  type Db,
  purgeExpiredIdempotencyKeys,
  purgeInboundTriggerMessages,
  purgeScheduleFires,
} from "@flowgate/db";
import type { EngineLogger } from "../telemetry/logger.ts";
import type { JobHandler, JobHandlerResult } from "../worker.ts";

const dayMs = 86_400_000;

/** The key (and kind) of the one recurring purge job per database. */
export const purgeJobKey = "maintenance.purge";

/** How the `maintenance.purge` job runs (see {@link purgeOldRows}). */
export interface PurgeOptions {
  /** Pause between runs in ms (default 3,600,000: hourly). */
  intervalMs?: number;
  /**
   * How long an inbound trigger's `webhook-id`s are kept, in ms (default 7 days). Signature triggers refuse
   * timestamps older than 5 minutes, so only bearer-token triggers rely on the ids, and senders retry for a
   * few days at most.
   */
  inboundMessagesMaxAgeMs?: number;
  /**
   * How long schedule fires are kept, in ms (default 30 days), as history. A fire at or after its
   * schedule's next fire time is kept whatever its age: it is what stops that time from firing twice.
   */
  scheduleFiresMaxAgeMs?: number;
  /** Rows deleted per statement, each in its own transaction (default 1000). */
  batchSize?: number;
  /**
   * Batches per table per run at most (default 100): a larger backlog is left for a run queued at once
   * rather than after `intervalMs`, so that other jobs get the worker's slots in between.
   */
  maxBatchesPerRun?: number;
  /**
   * The time the horizons are measured from (default: the system's); the gateway hands in the
   * application's clock, which stamps idempotency keys' expiry and schedule fires.
   */
  clock?: () => Date;
}

/** Rows one purge run deleted, per table. */
export interface PurgeOutcome {
  idempotencyKeys: number;
  inboundTriggerMessages: number;
  scheduleFires: number;
  /** Whether a table still had rows to delete when the run stopped at `maxBatchesPerRun`. */
  more: boolean;
}

/**
 * Deletes, as of `now`, the rows nothing needs any more from tables that would otherwise grow without
 * bound: expired idempotency keys (expired ones are otherwise only replaced when the same key comes
 * back), inbound-trigger `webhook-id`s older than `inboundMessagesMaxAgeMs`, and schedule fires older than
 * `scheduleFiresMaxAgeMs`. Each table is purged in batches of `batchSize` rows (one short transaction
 * each) until a batch deletes fewer, or `maxBatchesPerRun` batches. Safe to repeat and to run in several
 * processes at once: each batch re-selects what is still due.
 *
 * @param db - The database.
 * @param now - The time the horizons are measured from.
 * @param options - Horizons and batch bounds (defaults as in {@link PurgeOptions}).
 */
export async function purgeOldRows(db: Db, now: Date, options: PurgeOptions = {}): Promise<PurgeOutcome> {
  const batchSize = options.batchSize ?? 1000;
  const maxBatches = options.maxBatchesPerRun ?? 100;
  let more = false;
  const drain = async (purge: (limit: number) => Promise<number>): Promise<number> => {
    let deleted = 0;
    for (let batch = 0; batch < maxBatches; batch++) {
      const count = await purge(batchSize);
      deleted += count;
      if (count < batchSize) return deleted;
    }
    more = true;
    return deleted;
  };
  const inboundBefore = new Date(now.getTime() - (options.inboundMessagesMaxAgeMs ?? 7 * dayMs));
  const firesBefore = new Date(now.getTime() - (options.scheduleFiresMaxAgeMs ?? 30 * dayMs));
  const idempotencyKeys = await drain((limit) => purgeExpiredIdempotencyKeys(db, now, limit));
  const inboundTriggerMessages = await drain((limit) =>
    purgeInboundTriggerMessages(db, inboundBefore, limit),
  );
  const scheduleFires = await drain((limit) => purgeScheduleFires(db, firesBefore, limit));
  return { idempotencyKeys, inboundTriggerMessages, scheduleFires, more };
}

/**
 * The handler of the recurring `maintenance.purge` job: {@link purgeOldRows}, a log line with the counts
 * when it deleted anything (counts only, never row contents), then the next run after `intervalMs`, or
 * at once when a backlog is left.
 *
 * @param db - The database.
 * @param logger - Where the counts are logged.
 * @param options - Interval, horizons, batch bounds and clock.
 */
export function purgeJobHandler(db: Db, logger: EngineLogger, options: PurgeOptions = {}): JobHandler {
  const clock = options.clock ?? (() => new Date());
  const intervalMs = options.intervalMs ?? 3_600_000;
  return async (): Promise<JobHandlerResult> => {
    const now = clock();
    const outcome = await purgeOldRows(db, now, options);
    const { idempotencyKeys, inboundTriggerMessages, scheduleFires, more } = outcome;
    if (idempotencyKeys + inboundTriggerMessages + scheduleFires > 0) {
      logger.info({ idempotencyKeys, inboundTriggerMessages, scheduleFires, more }, "purged old rows");
    }
    // By the system's clock, as the queue's due times are: a test clock set in the past must not make the
    // job due again at once, over and over.
    return { outcome: "later", runAt: new Date(Date.now() + (more ? 0 : intervalMs)) };
  };
}
