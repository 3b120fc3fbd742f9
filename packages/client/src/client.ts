import { print } from "@0no-co/graphql.web";
import type { ResultOf, TadaDocumentNode, VariablesOf } from "gql.tada";
import { createClient as createWsClient, type Client as WsClient } from "graphql-ws";
import { type GraphQLErrorEntry, GraphQLRequestError, SubscriptionError } from "./errors.ts";

/** Any typed document (gql.tada's `graphql(…)` result). */
export type AnyDocument = TadaDocumentNode<any, any>;

/** The variables argument: optional when the operation declares none or only optional ones. */
export type VariablesArgument<D extends AnyDocument> =
  Record<string, never> extends VariablesOf<D> ? [variables?: VariablesOf<D>] : [variables: VariablesOf<D>];

/** A credential read again before every request and every (re)connection, so a changed key applies at once. */
export type Credential = string | null | undefined | (() => string | null | undefined);

/** Options of {@link FlowgateClient}. */
export interface FlowgateClientOptions {
  /**
   * The GraphQL endpoint over HTTP: `https://flowgate.example.com/graphql`, or a path such as `/graphql`
   * in a browser (resolved against the page).
   */
  url: string;
  /** The graphql-ws endpoint; default: `url` with `http(s)` replaced by `ws(s)`. */
  wsUrl?: string;
  /** API key (`fg_live_…` / `fg_sandbox_…`), sent as `X-API-Key` and as graphql-ws connection param. */
  apiKey?: Credential;
  /** More headers for every HTTP request (and connection params for graphql-ws). */
  headers?: Record<string, string> | (() => Record<string, string>);
  /** `fetch` to use (default: the global one). */
  fetch?: typeof fetch;
  /** WebSocket class (default: the global `WebSocket`, in browsers and Node ≥ 22). */
  webSocketImpl?: unknown;
  /** Reconnection backoff: first delay and cap in ms (defaults 250 and 5000), with jitter. */
  retry?: { minDelayMs?: number; maxDelayMs?: number };
  /** How often the client pings an idle socket; a missing pong within the same time drops it (default 10 s). */
  keepAliveMs?: number;
}

/** Receives a subscription's results. */
export interface SubscriptionHandlers<T> {
  /** One result (the `data` of a `next` message). */
  next(data: T): void;
  /** The server refused the operation (GraphQL errors) or the key: the subscription is over. */
  error?(error: Error): void;
  /** The server completed the subscription. */
  complete?(): void;
  /** The connection dropped; the client reconnects after `delayMs` (attempt 1, 2, …). */
  reconnecting?(attempt: number, delayMs: number, cause: unknown): void;
}

/** Variables of a subscription, computed again for every (re)subscription. */
export type VariablesFactory<D extends AnyDocument> = () => VariablesOf<D>;

/** Close codes after which reconnecting cannot help (the key was refused, the request is malformed). */
const FATAL_CLOSE_CODES = new Set([4400, 4401, 4403, 4406, 4409, 4429, 4500, 1002]);

function isCloseEvent(value: unknown): value is { code: number; reason: string } {
  return typeof value === "object" && value !== null && "code" in value && "reason" in value;
}

function absoluteUrl(url: string): string {
  const base = (globalThis as { location?: { href: string } }).location?.href;
  return base ? new URL(url, base).toString() : new URL(url).toString();
}

/**
 * A typed client of one Flowgate GraphQL endpoint: queries and mutations over HTTP (`request`), and
 * subscriptions over graphql-ws that reconnect with backoff (`subscribe`, `subscribeRunProgress` in
 * `run-progress.ts`). One WebSocket is shared by all subscriptions and opened only while one is active.
 */
export class FlowgateClient {
  readonly url: string;
  readonly wsUrl: string;
  readonly #options: FlowgateClientOptions;
  #ws: WsClient | null = null;

  constructor(options: FlowgateClientOptions) {
    this.#options = options;
    this.url = options.url;
    this.wsUrl = options.wsUrl ?? options.url.replace(/^http/, "ws");
  }

  /** The headers of a request right now: the configured ones and the API key. */
  headers(): Record<string, string> {
    const extra =
      typeof this.#options.headers === "function" ? this.#options.headers() : this.#options.headers;
    const key = typeof this.#options.apiKey === "function" ? this.#options.apiKey() : this.#options.apiKey;
    return { ...extra, ...(key ? { "X-API-Key": key } : {}) };
  }

  /**
   * Runs a query or mutation and returns its typed `data`. Throws {@link GraphQLRequestError} when the
   * server answers with errors or a non-2xx status (e.g. 401 for a refused key or link).
   */
  async request<D extends AnyDocument>(
    document: D,
    ...[variables]: VariablesArgument<D>
  ): Promise<ResultOf<D>> {
    const doFetch = this.#options.fetch ?? globalThis.fetch;
    const body = JSON.stringify({ query: print(document), variables: variables ?? {} });
    let response: Response;
    try {
      response = await doFetch(absoluteUrl(this.url), {
        method: "POST",
        headers: {
          "content-type": "application/json",
          accept: "application/graphql-response+json, application/json",
          ...this.headers(),
        },
        body,
      });
    } catch (error) {
      throw new GraphQLRequestError(
        0,
        [{ message: `The gateway could not be reached: ${(error as Error).message}` }],
        `The gateway could not be reached: ${(error as Error).message}`,
      );
    }
    let payload: { data?: ResultOf<D> | null; errors?: GraphQLErrorEntry[] };
    try {
      payload = (await response.json()) as typeof payload;
    } catch {
      throw new GraphQLRequestError(response.status, [
        { message: `The gateway answered HTTP ${response.status} without a GraphQL body` },
      ]);
    }
    if (payload.errors?.length || !response.ok || payload.data == null) {
      throw new GraphQLRequestError(
        response.status,
        payload.errors?.length ? payload.errors : [{ message: `HTTP ${response.status}` }],
      );
    }
    return payload.data;
  }

  /** The shared graphql-ws client, created on first use (connects lazily, retries are ours). */
  #wsClient(): WsClient {
    if (this.#ws) return this.#ws;
    const keepAlive = this.#options.keepAliveMs ?? 10_000;
    let pongTimer: ReturnType<typeof setTimeout> | undefined;
    let activeSocket: { close(code: number, reason: string): void } | null = null;
    this.#ws = createWsClient({
      url: () => absoluteUrl(this.wsUrl),
      connectionParams: () => this.headers(),
      lazy: true,
      // Reconnecting is done per subscription (see `subscribe`), so that each one re-subscribes with
      // fresh variables (runProgress: afterSeq = the last seq delivered) instead of the original ones.
      retryAttempts: 0,
      keepAlive,
      ...(this.#options.webSocketImpl ? { webSocketImpl: this.#options.webSocketImpl } : {}),
      on: {
        // A ping without a pong in time means a half-open socket: close it so the subscriptions reconnect.
        ping: (received) => {
          if (received) return;
          pongTimer = setTimeout(() => {
            activeSocket?.close(4408, "Request Timeout");
          }, keepAlive);
        },
        pong: (received) => {
          if (received) clearTimeout(pongTimer);
        },
        connected: (socket) => {
          activeSocket = socket as { close(code: number, reason: string): void };
        },
        closed: () => {
          clearTimeout(pongTimer);
          activeSocket = null;
        },
      },
    });
    return this.#ws;
  }

  /**
   * Subscribes to `document`. When the connection drops, it reconnects with exponential backoff and
   * subscribes again with `variables()` evaluated anew; GraphQL errors and a refused key end it through
   * `error`. Returns a function that ends the subscription.
   */
  subscribe<D extends AnyDocument>(
    document: D,
    variables: VariablesFactory<D>,
    handlers: SubscriptionHandlers<ResultOf<D>>,
  ): () => void {
    const query = print(document);
    const minDelay = this.#options.retry?.minDelayMs ?? 250;
    const maxDelay = this.#options.retry?.maxDelayMs ?? 5_000;
    let stopped = false;
    let attempt = 0;
    let current: (() => void) | null = null;
    let timer: ReturnType<typeof setTimeout> | undefined;

    const finish = (error?: Error) => {
      if (stopped) return;
      stopped = true;
      clearTimeout(timer);
      current?.();
      current = null;
      if (error) handlers.error?.(error);
      else handlers.complete?.();
    };
    const start = () => {
      if (stopped) return;
      let settled = false;
      current = this.#wsClient().subscribe(
        { query, variables: variables() as Record<string, unknown> },
        {
          next: (result) => {
            if (stopped || settled) return;
            if (result.errors?.length) {
              settled = true;
              finish(new SubscriptionError(result.errors as GraphQLErrorEntry[]));
              return;
            }
            attempt = 0;
            if (result.data) handlers.next(result.data as ResultOf<D>);
          },
          error: (error: unknown) => {
            if (stopped || settled) return;
            settled = true;
            if (Array.isArray(error)) {
              finish(new SubscriptionError(error as GraphQLErrorEntry[]));
              return;
            }
            if (isCloseEvent(error) && FATAL_CLOSE_CODES.has(error.code)) {
              finish(new Error(`The gateway closed the connection: ${error.code} ${error.reason}`.trim()));
              return;
            }
            attempt += 1;
            const delay = Math.min(maxDelay, minDelay * 2 ** (attempt - 1)) * (0.5 + Math.random() / 2);
            handlers.reconnecting?.(attempt, delay, error);
            current = null;
            timer = setTimeout(start, delay);
          },
          complete: () => {
            if (stopped || settled) return;
            settled = true;
            finish();
          },
        },
      );
    };
    start();
    return () => {
      if (stopped) return;
      stopped = true;
      clearTimeout(timer);
      current?.();
      current = null;
    };
  }

  /** Closes the WebSocket (subscriptions still open end without `complete`). */
  async dispose(): Promise<void> {
    const ws = this.#ws;
    this.#ws = null;
    await ws?.dispose();
  }
}
