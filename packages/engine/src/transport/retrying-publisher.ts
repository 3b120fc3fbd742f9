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

/** Messages of one `publish` call, and how to tell its caller they were sent (or kept). */
interface Queued {
  messages: BusMessage[];
  /** Absent once the caller has been answered (its messages were kept for a retry). */
  settle?: { resolve: () => void; reject: (error: unknown) => void };
}

/** Messages sent in one call of the transport at most (a burst queued behind a slow send). */
const maxBatch = 500;

/**
 * Publishes through a transport that can be down for a while (PostgreSQL NOTIFY during a database
 * restart, Redis during a Redis restart), one send at a time and in order.
 *
 * Order: at most one send is in flight; messages published meanwhile queue behind it and go out together
 * as the next send (up to 500 messages), so a caller that does not wait for its publish (the engine's
 * worker moving on to a run's next step) cannot overtake its own earlier events, and a burst costs a few
 * sends rather than one each.
 *
 * Outages: events are published after their transaction committed, so a failed publish must neither fail
 * the caller (the change is done) nor lose the event: the messages are kept, in order, and sent again with
 * backoff until the transport takes them. Later messages queue behind them. Subscribers drop duplicates by
 * `seq`, so sending twice is harmless.
 */
export class RetryingPublisher {
  readonly #send: (messages: readonly BusMessage[]) => Promise<void>;
  readonly #options: RetryingPublisherOptions;
  readonly #queue: Queued[] = [];
  #queued = 0;
  #timer: NodeJS.Timeout | undefined;
  #attempt = 0;
  /** The running send loop; undefined while idle or waiting for a retry. */
  #sending: Promise<void> | undefined;
  #closed = false;

  constructor(send: (messages: readonly BusMessage[]) => Promise<void>, options: RetryingPublisherOptions) {
    this.#send = send;
    this.#options = options;
  }

  /** How many messages wait for the transport (queued behind a send, or kept for a retry). */
  get pending(): number {
    return this.#queued;
  }

  /**
   * Publishes in order after the messages published before. Resolves once they are sent, or kept for a
   * retry because the transport is down; rejects when the transport refused them for another reason.
   */
  publish(messages: readonly BusMessage[]): Promise<void> {
    if (messages.length === 0) return Promise.resolve();
    return new Promise<void>((resolve, reject) => {
      this.#queue.push({ messages: [...messages], settle: { resolve, reject } });
      this.#queued += messages.length;
      // Behind kept ones too, and try now: the transport may well be back.
      void this.flush();
    });
  }

  /** Sends what is queued now (also: the transport reported it is back); resolves when the queue is empty or the send failed again. */
  flush(): Promise<void> {
    clearTimeout(this.#timer);
    this.#timer = undefined;
    this.#sending ??= this.#drain().finally(() => {
      this.#sending = undefined;
    });
    return this.#sending;
  }

  /**
   * Stops retrying: the send in flight and what is queued behind it are still tried once (a process that
   * stops right after a commit still announces it), then kept messages are dropped.
   */
  async close(): Promise<void> {
    this.#closed = true;
    clearTimeout(this.#timer);
    this.#timer = undefined;
    await this.#sending;
    for (const entry of this.#queue.splice(0)) entry.settle?.resolve();
    this.#queued = 0;
  }

  /** Sends the queue, oldest first, a batch at a time; on a retryable failure keeps it and schedules a retry. */
  async #drain(): Promise<void> {
    while (this.#queue.length > 0) {
      const batch = this.#batch();
      const messages = batch.flatMap((entry) => entry.messages);
      try {
        await this.#send(messages);
      } catch (error) {
        if (this.#options.retryable(error) && !this.#closed) {
          // The callers are not failed: their events are committed and will be sent once the transport is back.
          for (const entry of batch) {
            entry.settle?.resolve();
            delete entry.settle;
          }
          this.#attempt++;
          this.#trim();
          this.#schedule();
          return;
        }
        // Not a transport problem (or closing): sending again would fail the same way.
        this.#remove(batch);
        // Callers still waiting learn it; messages whose callers were already answered are reported.
        if (batch.some((entry) => !entry.settle)) this.#options.onError?.(error);
        for (const entry of batch) entry.settle?.reject(error);
        continue;
      }
      this.#attempt = 0;
      this.#remove(batch);
      for (const entry of batch) entry.settle?.resolve();
    }
  }

  /** The oldest queued entries, up to {@link maxBatch} messages (at least one entry). */
  #batch(): Queued[] {
    const batch: Queued[] = [];
    let size = 0;
    for (const entry of this.#queue) {
      if (batch.length > 0 && size + entry.messages.length > maxBatch) break;
      batch.push(entry);
      size += entry.messages.length;
    }
    return batch;
  }

  #remove(batch: readonly Queued[]): void {
    this.#queue.splice(0, batch.length);
    for (const entry of batch) this.#queued -= entry.messages.length;
  }

  /** Drops the oldest kept messages beyond `maxBuffered`. */
  #trim(): void {
    const max = this.#options.maxBuffered ?? 10_000;
    let excess = this.#queued - max;
    if (excess <= 0) return;
    let dropped = 0;
    while (excess > 0 && this.#queue.length > 0) {
      const first = this.#queue[0]!;
      const take = Math.min(excess, first.messages.length);
      first.messages.splice(0, take);
      if (first.messages.length === 0) {
        first.settle?.resolve();
        this.#queue.shift();
      }
      excess -= take;
      dropped += take;
    }
    this.#queued -= dropped;
    this.#options.onError?.(
      new Error(
        `Event bus unavailable: dropped ${dropped} unpublished messages (subscribers re-read them from the store)`,
      ),
    );
  }

  #schedule(): void {
    if (this.#timer || this.#closed) return;
    this.#timer = setTimeout(
      () => {
        this.#timer = undefined;
        void this.flush();
      },
      backoffDelay(this.#attempt - 1, this.#options.backoff ?? { minMs: 100, maxMs: 1000 }),
    );
    this.#timer.unref();
  }
}
