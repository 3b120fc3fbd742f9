/** Bounds of an exponential backoff, in ms. */
export interface BackoffBounds {
  /** The first delay's ceiling. */
  minMs: number;
  /** No delay exceeds this, however many attempts failed. */
  maxMs: number;
}

/**
 * The delay before retry number `attempt` (0 for the first): exponential from `minMs`, capped at `maxMs`,
 * with "equal jitter" (between half and all of the ceiling), so processes that lost the database at the
 * same moment do not all come back at the same moment, and none waits less than half the ceiling.
 *
 * Written here rather than taken from a retry library because every caller (worker claim loop, LISTEN
 * reconnect, availability probe, bus re-publish) needs only this number and its own loop, which it must
 * interrupt on wake-ups and shutdown — something retry wrappers around a promise-returning call do not
 * offer.
 */
export function backoffDelay(
  attempt: number,
  bounds: BackoffBounds,
  random: () => number = Math.random,
): number {
  const ceiling = Math.min(bounds.maxMs, bounds.minMs * 2 ** Math.min(Math.max(0, attempt), 30));
  return Math.round(ceiling / 2 + (random() * ceiling) / 2);
}
