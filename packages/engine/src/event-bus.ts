import type { RunEvent } from "@flowgate/domain";

/** A session's status change, as published to `session:<id>`. */
export interface SessionStatusEvent {
  sessionId: string;
  status: string;
  result: string | null;
  at: string;
}

/** Channel names and the messages they carry. */
export type BusMessage =
  | { channel: `run:${string}`; event: RunEvent }
  | { channel: `session:${string}`; event: SessionStatusEvent };

/**
 * Carries committed events to live subscribers. Publishers publish only after commit; subscribers must
 * tolerate duplicates and gaps (they re-read the store), so a bus may be lossy under pressure.
 */
export interface EventBus {
  /** Publishes messages in order. */
  publish(messages: readonly BusMessage[]): Promise<void>;
  /** Subscribes to one channel; returns the unsubscribe function. */
  subscribe(channel: string, listener: (message: BusMessage) => void): Promise<() => void>;
  /** Releases connections. */
  close(): Promise<void>;
}

/** The event bus of a single process (embedded mode and tests). */
export class InProcessEventBus implements EventBus {
  readonly #listeners = new Map<string, Set<(message: BusMessage) => void>>();

  async publish(messages: readonly BusMessage[]): Promise<void> {
    for (const message of messages) {
      const listeners = this.#listeners.get(message.channel);
      if (!listeners) continue;
      for (const listener of [...listeners]) listener(message);
    }
  }

  async subscribe(channel: string, listener: (message: BusMessage) => void): Promise<() => void> {
    let listeners = this.#listeners.get(channel);
    if (!listeners) {
      listeners = new Set();
      this.#listeners.set(channel, listeners);
    }
    listeners.add(listener);
    return () => {
      listeners.delete(listener);
      if (listeners.size === 0) this.#listeners.delete(channel);
    };
  }

  async close(): Promise<void> {
    this.#listeners.clear();
  }
}
