import type { FlowgateClient } from "./client.ts";
import { graphql, type ResultOf } from "./graphql.ts";

/** The `runProgress` subscription the client sends (`afterSeq` = the last seq it has). */
export const RunProgressSubscription = graphql(`
  subscription RunProgress($runId: ID!, $afterSeq: Int) {
    runProgress(runId: $runId, afterSeq: $afterSeq) {
      runId
      seq
      type
      data
      createdAt
    }
  }
`);

/** One run event (`seq` 1, 2, 3, … per run). */
export type RunProgressEvent = ResultOf<typeof RunProgressSubscription>["runProgress"];

/** Options of {@link subscribeRunProgress}. */
export interface RunProgressOptions {
  /** Deliver events after this seq (what the caller already has); default 0 = from the start. */
  afterSeq?: number;
  /** Each event, exactly once and in seq order. */
  onEvent(event: RunProgressEvent): void;
  /** The run's final event was delivered and the server completed the subscription. */
  onComplete?(): void;
  /** The subscription was refused (unknown run, missing scope, refused key); it is over. */
  onError?(error: Error): void;
  /** The connection state: `live` once events flow (or the socket is up), `reconnecting` after a drop. */
  onConnection?(state: "live" | "reconnecting", detail: { attempt: number; delayMs?: number }): void;
}

/** A running runProgress subscription. */
export interface RunProgressSubscriptionHandle {
  /** The seq of the last event delivered (the resume point). */
  readonly lastSeq: number;
  /** Stops it. */
  unsubscribe(): void;
}

/**
 * Follows a run's events over graphql-ws. Every (re)subscription asks for `afterSeq` = the last seq
 * delivered, so a dropped connection never loses or repeats an event: the gateway replays what was
 * missed from the store, then streams live events. As a second guard the client drops a seq it already
 * delivered and, should the server ever skip one, subscribes again from the last seq it has rather than
 * deliver out of order.
 */
export function subscribeRunProgress(
  client: FlowgateClient,
  runId: string,
  options: RunProgressOptions,
): RunProgressSubscriptionHandle {
  let lastSeq = Math.max(0, options.afterSeq ?? 0);
  let stop: (() => void) | null = null;
  let ended = false;

  const open = () => {
    stop = client.subscribe(RunProgressSubscription, () => ({ runId, afterSeq: lastSeq }), {
      next: ({ runProgress: event }) => {
        if (ended || event.seq <= lastSeq) return;
        if (event.seq !== lastSeq + 1) {
          // A gap would mean a lost event: start over from what we have.
          stop?.();
          open();
          return;
        }
        lastSeq = event.seq;
        options.onConnection?.("live", { attempt: 0 });
        options.onEvent(event);
      },
      complete: () => {
        ended = true;
        options.onComplete?.();
      },
      error: (error) => {
        ended = true;
        options.onError?.(error);
      },
      reconnecting: (attempt, delayMs) => options.onConnection?.("reconnecting", { attempt, delayMs }),
    });
  };
  open();

  return {
    get lastSeq() {
      return lastSeq;
    },
    unsubscribe() {
      ended = true;
      stop?.();
    },
  };
}
