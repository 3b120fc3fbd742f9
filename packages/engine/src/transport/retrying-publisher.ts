import { type BackoffBounds, backoffDelay } from "@flowgate/db";
import type { BusMessage } from "../event-bus.ts";

/** Options of {@link RetryingPublisher}. */
export interface RetryingPublisherOptions {
  /** Whether a failed send should be retried later (a connection problem) rather than thrown. */
  retryable: (error: unknown) => boolean;
  /** Delays between retries (default 100 ms up to 1 s). */
  backoff?: BackoffBounds;
  /** Messages kept for retrying at most; beyond it the oldest are dropped (default 10,000). */
  maxBuffered?: number;
  /** Called with failures and with dropped messages (default: ignore). */
  onError?: (error: unknown) => void;
}

/**
 * Publishes through a transport that can be down for a while (PostgreSQL NOTIFY during a database
 * restart, Redis during a Redis restart). Events are published after their transaction committed, so a
 * failed publish must neither fail the caller (the change is done) nor lose the event: the messages are
 * kept, in order, and sent again with backoff until the transport takes them. Later messages queue
 * behind them. Subscribers drop duplicates by `seq`, so sending twice is harmless.
 */
export class RetryingPublisher {
  readonly #send: (messages: readonly BusMessage[]) => Promise<void>;
  readonly #options: RetryingPublisherOptions;
  #pending: BusMessage[] = [];
  #timer: NodeJS.Timeout | undefined;
  #attempt = 0;
  #flushing: Promise<void> | undefined;
  #closed = false;

  constructor(send: (messages: readonly BusMessage[]) => Promise<void>, options: RetryingPublisherOptions) {
    this.#send = send;
    this.#options = options;
  }

  /** How many messages wait for the transport. */
  get pending(): number {
    return this.#pending.length;
  }

  /** Publishes now, or keeps the messages for a retry when the transport is down. */
  async publish(messages: readonly BusMessage[]): Promise<void> {
    if (messages.length === 0) return;
    if (this.#pending.length > 0) {
      // Behind the kept ones, in order; and try now: the transport may well be back.
      this.#keep(messages);
      void this.flush();
      return;
    }
    try {
      await this.#send(messages);
    } catch (error) {
      if (!this.#options.retryable(error) || this.#closed) throw error;
      this.#keep(messages);
    }
  }

  /** Retries at once (the transport reported it is back). */
  flush(): Promise<void> {
    clearTimeout(this.#timer);
    this.#timer = undefined;
    this.#flushing ??= this.#flush().then((sent) => {
      this.#flushing = undefined;
      if (!sent) {
        this.#attempt++;
        this.#schedule();
      }
    });
    return this.#flushing;
  }

  /** Stops retrying; kept messages are dropped. */
  close(): void {
    this.#closed = true;
    clearTimeout(this.#timer);
    this.#pending = [];
  }

  #keep(messages: readonly BusMessage[]): void {
    this.#pending.push(...messages);
    const max = this.#options.maxBuffered ?? 10_000;
    if (this.#pending.length > max) {
      const dropped = this.#pending.splice(0, this.#pending.length - max);
      this.#options.onError?.(
        new Error(
          `Event bus unavailable: dropped ${dropped.length} unpublished messages (subscribers re-read them from the store)`,
        ),
      );
    }
    this.#schedule();
  }

  #schedule(): void {
    if (this.#timer || this.#closed || this.#flushing) return;
    this.#timer = setTimeout(
      () => {
        this.#timer = undefined;
        void this.flush();
      },
      backoffDelay(this.#attempt, this.#options.backoff ?? { minMs: 100, maxMs: 1000 }),
    );
    this.#timer.unref();
  }

  /** Sends what is kept, oldest first; false when the transport failed again. */
  async #flush(): Promise<boolean> {
    while (this.#pending.length > 0 && !this.#closed) {
      const batch = this.#pending.slice(0, 500);
      try {
        await this.#send(batch);
      } catch (error) {
        if (this.#options.retryable(error)) return false;
        // Not a transport problem: sending again would fail the same way.
        this.#options.onError?.(error);
        this.#pending.splice(0, batch.length);
        continue;
      }
      this.#pending.splice(0, batch.length);
      this.#attempt = 0;
    }
    return true;
  }
}
