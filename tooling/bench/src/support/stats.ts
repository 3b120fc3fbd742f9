/** The p-th percentile (0–100) of `values` by the nearest-rank method; NaN when there are none. */
export function percentile(values: readonly number[], p: number): number {
  if (values.length === 0) return Number.NaN;
  const sorted = [...values].sort((a, b) => a - b);
  const index = Math.min(sorted.length - 1, Math.max(0, Math.ceil((p / 100) * sorted.length) - 1));
  return sorted[index]!;
}

/** The median (the 50th percentile by nearest rank, so always one of the values). */
export function median(values: readonly number[]): number {
  return percentile(values, 50);
}

/** Minimum, median and maximum of the repetitions of one figure. */
export interface Spread {
  min: number;
  median: number;
  max: number;
}

/** min / median / max of `values`. */
export function spread(values: readonly number[]): Spread {
  return {
    min: values.length ? Math.min(...values) : Number.NaN,
    median: median(values),
    max: values.length ? Math.max(...values) : Number.NaN,
  };
}

/** A monotonic clock in milliseconds, shared by every measurement of one process. */
export function now(): number {
  return performance.now();
}

/**
 * Wall-clock milliseconds with sub-millisecond resolution, comparable across processes of one machine
 * (used where a figure starts in one process and ends in another).
 */
export function wallClock(): number {
  return performance.timeOrigin + performance.now();
}

/** Waits `ms` milliseconds. */
export function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}
