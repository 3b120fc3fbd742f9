import { type BackoffBounds, backoffDelay, type Db } from "@flowgate/db";
import type { Redis } from "ioredis";
import type { BusMessage, EventBus } from "../event-bus.ts";
import { ioredis } from "../on-demand-modules.ts";
import { LocalDispatch } from "./local-dispatch.ts";
import { reannounce } from "./reannounce.ts";
import { retryWhileUnavailable } from "./retry-while-unavailable.ts";
import { RetryingPublisher } from "./retrying-publisher.ts";

/** Options of {@link RedisEventBus}. */
export interface RedisEventBusOptions {
  /**
   * The database, to re-announce subscribers' runs and sessions from the store after Redis comes back
   * (messages published while it was down are lost). Without it, streams catch up only with their
   * run's next event.
   */
  db?: Db;
  /** Delays between reconnects and re-publishes (default 100 ms up to 1 s). */
  backoff?: BackoffBounds;
  /** Called with connection errors the bus survives (default: ignore). */
  onError?: (error: unknown) => void;
}

/**
 * Event bus over Redis pub/sub, for many gateways (`REDIS_URL`). One connection publishes, one
 * subscribes to a single namespaced channel; each gateway dispatches to its local subscribers.
 *
 * Redis restarts: both connections reconnect with backoff (ioredis), the subscriber subscribes again;
 * publishes made while Redis is down are kept and sent once it is back (not failing the committed
 * change that produced them), and after the subscriber is back the bus re-announces from the store
 * where its subscribers' runs and sessions stand, so every stream fills its gap from `run_events`.
 */
export class RedisEventBus implements EventBus {
  readonly #publisher: Redis;
  readonly #subscriber: Redis;
  readonly #channel: string;
  readonly #options: RedisEventBusOptions;
  readonly #local = new LocalDispatch();
  readonly #outbox: RetryingPublisher;
  #subscribed: Promise<unknown> | undefined;
  #subscriberLost = false;
  #closed = false;

  constructor(url: string, channel: string, options: RedisEventBusOptions = {}) {
    const backoff = options.backoff ?? { minMs: 100, maxMs: 1000 };
    const retryStrategy = (times: number) => backoffDelay(times - 1, backoff);
    const { Redis } = ioredis();
    // Publishes fail at once while disconnected (no offline queue): the outbox keeps them instead.
    this.#publisher = new Redis(url, { enableOfflineQueue: false, maxRetriesPerRequest: 1, retryStrategy });
    this.#subscriber = new Redis(url, { retryStrategy });
    this.#channel = channel;
    this.#options = options;
    this.#outbox = new RetryingPublisher((messages) => this.#send(messages), {
      retryable: () => !this.#closed,
      backoff,
      ...(options.onError ? { onError: options.onError } : {}),
    });
    const onError = (error: unknown) => options.onError?.(error);
    this.#publisher.on("error", onError);
    this.#subscriber.on("error", onError);
    this.#publisher.on("ready", () => void this.#outbox.flush());
    this.#subscriber.on("close", () => {
      this.#subscriberLost = true;
    });
    this.#subscriber.on("ready", () => {
      if (!this.#subscriberLost) return;
      this.#subscriberLost = false;
      void this.#resubscribed();
    });
    this.#subscriber.on("message", (channelName: string, payload: string) => {
      if (channelName !== this.#channel) return;
      const message = JSON.parse(payload) as BusMessage;
      this.#local.dispatch(message);
    });
  }

  publish(messages: readonly BusMessage[]): Promise<void> {
    return this.#outbox.publish(messages);
  }

  async subscribe(channel: string, listener: (message: BusMessage) => void): Promise<() => void> {
    this.#subscribed ??= this.#subscriber.subscribe(this.#channel);
    await this.#subscribed;
    return this.#local.add(channel, listener);
  }

  async close(): Promise<void> {
    this.#closed = true;
    await this.#outbox.close();
    this.#local.clear();
    this.#subscriber.disconnect();
    this.#publisher.disconnect();
  }

  async #send(messages: readonly BusMessage[]): Promise<void> {
    if (this.#publisher.status !== "ready")
      throw new Error(`Redis is not connected (${this.#publisher.status})`);
    const pipeline = this.#publisher.pipeline();
    for (const message of messages) pipeline.publish(this.#channel, JSON.stringify(message));
    for (const [error] of (await pipeline.exec()) ?? []) if (error) throw error;
  }

  /**
   * After a reconnect: makes sure the subscription is in place (ioredis resubscribes too; a SUBSCRIBE
   * answered means it is active), then re-announces where local subscribers' runs and sessions stand.
   */
  async #resubscribed(): Promise<void> {
    try {
      if (this.#subscribed) await this.#subscriber.subscribe(this.#channel);
      const db = this.#options.db;
      if (!db) return;
      await retryWhileUnavailable(() => reannounce(db, this.#local), {
        backoff: this.#options.backoff,
        stopped: () => this.#closed,
      });
    } catch (error) {
      this.#options.onError?.(error);
    }
  }
}
