import type { RunEvent } from "@flowgate/domain";
import { LocalDispatch } from "./transport/local-dispatch.ts";

/** A session's status change, as published to `session:<id>`. */
export interface SessionStatusEvent {
  sessionId: string;
  status: string;
  result: string | null;
  at: string;
}

/** An API key was revoked or rotated (published to {@link apiKeyChannel}); gateways drop it from their caches. */
export interface ApiKeyChangedEvent {
  keyId: string;
  at: string;
}

/** The channel of {@link ApiKeyChangedEvent}s. */
export const apiKeyChannel = "api-keys";

/** Channel names and the messages they carry. */
export type BusMessage =
  | { channel: `run:${string}`; event: RunEvent }
  | { channel: `session:${string}`; event: SessionStatusEvent }
  | { channel: typeof apiKeyChannel; event: ApiKeyChangedEvent };

/** NOTIFYs for a statement to send: the channel and the payloads, in order. */
export interface StatementNotifications {
  channel: string;
  payloads: string[];
}

/**
 * Carries committed events to live subscribers. Publishers publish only after commit; subscribers must
 * tolerate duplicates and gaps (they re-read the store), so a bus may be lossy under pressure.
 */
export interface EventBus {
  /** Publishes messages in order. */
  publish(messages: readonly BusMessage[]): Promise<void>;
  /**
   * The NOTIFYs that publish these messages from inside the transaction that commits them (a bus on
   * PostgreSQL's NOTIFY): a statement of that transaction sends them, and they go out with its commit
   * instead of a round trip after it. Undefined when this bus cannot, or when messages it was given earlier
   * are still on their way (they must not be overtaken).
   */
  notificationsOf?(messages: readonly BusMessage[]): StatementNotifications | undefined;
  /** Subscribes to one channel; returns the unsubscribe function. */
  subscribe(channel: string, listener: (message: BusMessage) => void): Promise<() => void>;
  /** Releases connections. */
  close(): Promise<void>;
}

/** The event bus of a single process (embedded mode and tests). */
export class InProcessEventBus implements EventBus {
  readonly #local = new LocalDispatch();

  async publish(messages: readonly BusMessage[]): Promise<void> {
    for (const message of messages) this.#local.dispatch(message);
  }

  async subscribe(channel: string, listener: (message: BusMessage) => void): Promise<() => void> {
    return this.#local.add(channel, listener);
  }

  async close(): Promise<void> {
    this.#local.clear();
  }
}
