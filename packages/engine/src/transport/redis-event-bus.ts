import { Redis } from "ioredis";
import type { BusMessage, EventBus } from "../event-bus.ts";
import { LocalDispatch } from "./local-dispatch.ts";

/**
 * Event bus over Redis pub/sub, for many gateways (`REDIS_URL`). One connection publishes, one
 * subscribes to a single namespaced channel; each gateway dispatches to its local subscribers.
 */
export class RedisEventBus implements EventBus {
  readonly #publisher: Redis;
  readonly #subscriber: Redis;
  readonly #channel: string;
  readonly #local = new LocalDispatch();
  #subscribed: Promise<unknown> | undefined;

  constructor(url: string, channel: string) {
    this.#publisher = new Redis(url, { lazyConnect: false, maxRetriesPerRequest: 3 });
    this.#subscriber = new Redis(url, { lazyConnect: false });
    this.#channel = channel;
    this.#subscriber.on("message", (channelName: string, payload: string) => {
      if (channelName !== this.#channel) return;
      const message = JSON.parse(payload) as BusMessage;
      this.#local.dispatch(message);
    });
  }

  async publish(messages: readonly BusMessage[]): Promise<void> {
    if (messages.length === 0) return;
    const pipeline = this.#publisher.pipeline();
    for (const message of messages) pipeline.publish(this.#channel, JSON.stringify(message));
    await pipeline.exec();
  }

  async subscribe(channel: string, listener: (message: BusMessage) => void): Promise<() => void> {
    this.#subscribed ??= this.#subscriber.subscribe(this.#channel);
    await this.#subscribed;
    return this.#local.add(channel, listener);
  }

  async close(): Promise<void> {
    this.#local.clear();
    this.#subscriber.disconnect();
    this.#publisher.disconnect();
  }
}
