import { type Client, createClient } from "graphql-ws";
import WebSocket from "ws";
import { RUN_PROGRESS } from "./flowgate.ts";

/** A run event as the benchmark selects it from `runProgress`. */
export interface ProgressEvent {
  seq: number;
  type: string;
  createdAt: string;
  data: Record<string, unknown>;
}

/** Opens a graphql-ws client on a gateway's GraphQL URL with an API key (connects at once). */
export function connectClient(graphqlUrl: string, apiKey: string): Client {
  return createClient({
    url: graphqlUrl.replace(/^http/, "ws"),
    webSocketImpl: WebSocket,
    connectionParams: { "X-API-Key": apiKey },
    lazy: false,
    retryAttempts: 0,
    onNonLazyError: () => {},
  });
}

/** A live `runProgress` subscription. */
export interface RunSubscription {
  /** Resolves when the server completes the stream (after the run's final event) or it fails. */
  done: Promise<{ completed: boolean; error?: unknown }>;
  dispose(): void;
}

/** Subscribes to `runProgress(runId, afterSeq)` and calls `onEvent` with each event and its arrival time. */
export function subscribeRun(
  client: Client,
  runId: string,
  afterSeq: number,
  onEvent: (event: ProgressEvent) => void,
): RunSubscription {
  let dispose = () => {};
  const done = new Promise<{ completed: boolean; error?: unknown }>((resolve) => {
    dispose = client.subscribe<{ runProgress: ProgressEvent }>(
      { query: RUN_PROGRESS, variables: { runId, afterSeq } },
      {
        next: (result) => {
          if (result.errors?.length) resolve({ completed: false, error: result.errors });
          else if (result.data) onEvent(result.data.runProgress);
        },
        error: (error) => resolve({ completed: false, error }),
        complete: () => resolve({ completed: true }),
      },
    );
  });
  return { done, dispose: () => dispose() };
}

/** Resolves with the first event satisfying `match` (and its arrival time), rejects after `timeoutMs`. */
export function waitForEvent(
  client: Client,
  runId: string,
  afterSeq: number,
  match: (event: ProgressEvent) => boolean,
  timeoutMs = 30_000,
): { event: Promise<{ event: ProgressEvent; at: number }>; subscription: RunSubscription } {
  let subscription!: RunSubscription;
  const event = new Promise<{ event: ProgressEvent; at: number }>((resolve, reject) => {
    const timer = setTimeout(
      () => reject(new Error(`no matching event of ${runId} in ${timeoutMs} ms`)),
      timeoutMs,
    );
    subscription = subscribeRun(client, runId, afterSeq, (e) => {
      if (match(e)) {
        clearTimeout(timer);
        resolve({ event: e, at: performance.now() });
      }
    });
    void subscription.done.then((outcome) => {
      if (outcome.error) {
        clearTimeout(timer);
        reject(new Error(`runProgress(${runId}) failed: ${JSON.stringify(outcome.error)}`));
      }
    });
  });
  return { event, subscription };
}
