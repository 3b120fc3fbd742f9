import type { BusMessage } from "../event-bus.ts";

/** Listeners of one process by channel; the transport buses deliver into it. */
export class LocalDispatch {
  readonly #listeners = new Map<string, Set<(message: BusMessage) => void>>();

  /** Adds a listener; returns its removal. */
  add(channel: string, listener: (message: BusMessage) => void): () => void {
    let listeners = this.#listeners.get(channel);
    if (!listeners) {
      listeners = new Set();
      this.#listeners.set(channel, listeners);
    }
    listeners.add(listener);
    return () => {
      listeners.delete(listener);
      if (listeners.size === 0 && this.#listeners.get(channel) === listeners) this.#listeners.delete(channel);
    };
  }

  /** Whether anybody here listens on `channel`. */
  has(channel: string): boolean {
    return this.#listeners.has(channel);
  }

  /** The channels somebody here listens on. */
  channels(): string[] {
    return [...this.#listeners.keys()];
  }

  /** Delivers a message to the channel's listeners. */
  dispatch(message: BusMessage): void {
    const listeners = this.#listeners.get(message.channel);
    if (!listeners) return;
    for (const listener of [...listeners]) listener(message);
  }

  /** Removes every listener. */
  clear(): void {
    this.#listeners.clear();
  }
}
