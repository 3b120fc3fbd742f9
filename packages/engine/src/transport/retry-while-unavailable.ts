import { type BackoffBounds, backoffDelay, isDatabaseUnavailableError } from "@flowgate/db";

/**
 * Runs `read` until it succeeds, waiting with backoff while it fails with `DatabaseUnavailableError`;
 * any other error is thrown. Returns `undefined` if `stopped()` turns true first (the caller closed).
 */
export async function retryWhileUnavailable<T>(
  read: () => Promise<T>,
  options: { backoff?: BackoffBounds | undefined; stopped: () => boolean },
): Promise<T | undefined> {
  for (let attempt = 0; !options.stopped(); attempt++) {
    try {
      return await read();
    } catch (error) {
      if (!isDatabaseUnavailableError(error)) throw error;
    }
    const delay = backoffDelay(attempt, options.backoff ?? { minMs: 100, maxMs: 1000 });
    await new Promise((resolve) => setTimeout(resolve, delay).unref());
  }
  return undefined;
}
