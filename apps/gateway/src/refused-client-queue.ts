import { createHash } from "node:crypto";
import type { IncomingMessage, ServerResponse } from "node:http";
import { presentedKey } from "./auth.ts";

/** Most clients held back at once (more refused clients are not held: memory stays bounded). */
const maxHeldClients = 10_000;

/** Options of {@link RefusedClientQueue}. */
export interface RefusedClientQueueOptions {
  /** How long a client stays held back after its last refused document (default 10 s). */
  holdMs?: number;
  /** Longest a held-back request waits for the other clients' requests to finish (default 1 s). */
  maxWaitMs?: number;
  /** Requests a second a held-back client is served at most (default 20). */
  perSecond?: number;
  /** Requests a held-back client may have waiting; more are answered 429 at once (default 32). */
  maxWaiting?: number;
  /** The clock (default `Date.now`). */
  now?: () => number;
}

/** One client's state while it is held back. */
interface Held {
  until: number;
  inFlight: boolean;
  /** When its last request started. */
  lastStart: number;
  waiting: { since: number; start: () => void; res: ServerResponse }[];
  timer: NodeJS.Timeout | null;
}

/**
 * Keeps a client whose GraphQL documents were refused by the query limits from taking the gateway from
 * everyone else. A refused document costs little (see query-limits.ts), but a client sending them in a
 * loop, several at once, still keeps Node's one thread busy, and every other client's request would wait
 * behind its work. So, for `holdMs` after its last refused document, the client (its API key, or its
 * address when it sent none) is served one request at a time; while other clients are being served
 * (or were in the last `1 / perSecond` s), each of its requests waits `maxWaitMs` and it gets at most
 * `perSecond` a second: other clients' requests go first. Alone, it is served at once. Beyond
 * `maxWaiting` queued requests it is answered 429 `RATE_LIMITED` before anything is read. A client that
 * never sends a refused document is never held back.
 *
 * Keyed by the presented credential, so a client that presents a new made-up key with every request is
 * not held back by this (those requests are refused by the limits before any key is checked).
 */
export class RefusedClientQueue {
  readonly #holdMs: number;
  readonly #maxWaitMs: number;
  readonly #maxWaiting: number;
  readonly #intervalMs: number;
  readonly #now: () => number;
  readonly #held = new Map<string, Held>();
  /** Held-back clients with requests waiting. */
  readonly #waitingClients = new Set<string>();
  /** Requests in flight of clients that are not held back. */
  #othersInFlight = 0;
  /** When a request of a client that is not held back last started or finished. */
  #othersLastActive = 0;

  constructor(options: RefusedClientQueueOptions = {}) {
    this.#holdMs = options.holdMs ?? 10_000;
    this.#maxWaitMs = options.maxWaitMs ?? 1000;
    this.#maxWaiting = options.maxWaiting ?? 32;
    this.#intervalMs = 1000 / (options.perSecond ?? 20);
    this.#now = options.now ?? Date.now;
  }

  /** Who a request is from: a digest of its API key or link token, else its client address. */
  static clientOf(req: IncomingMessage): string {
    const key = presentedKey((name) => {
      const value = req.headers[name];
      return Array.isArray(value) ? value[0] : value;
    });
    if (key) return `key:${createHash("sha256").update(key).digest("base64url").slice(0, 22)}`;
    return `address:${req.socket.remoteAddress ?? "unknown"}`;
  }

  /**
   * Whether any client is held back. While none is, a request's client need not be known to admit it
   * (`admit(null, …)`), which spares a SHA-256 of its key per request.
   */
  get holding(): boolean {
    return this.#held.size > 0;
  }

  /**
   * Serves the request with `start` now, or once its client's turn has come (see the class). `client`
   * may be null when no client is {@link holding held back}. `longLived` requests (an SSE stream) do not
   * make held-back clients wait while they are open.
   */
  admit(client: string | null, res: ServerResponse, start: () => void, longLived = false): void {
    const held = client === null ? undefined : this.#held.get(client);
    if (client !== null && held) {
      if (held.until <= this.#now() && !held.inFlight && held.waiting.length === 0) {
        this.#held.delete(client);
      } else {
        if (held.waiting.length >= this.#maxWaiting) {
          tooManyWaiting(res, Math.ceil((held.until - this.#now()) / 1000));
          return;
        }
        held.waiting.push({ since: this.#now(), start, res });
        this.#waitingClients.add(client);
        this.#pump(client, held);
        return;
      }
    }
    this.#othersLastActive = this.#now();
    if (longLived) {
      start();
      return;
    }
    this.#othersInFlight++;
    let done = false;
    const finished = () => {
      if (done) return;
      done = true;
      this.#othersInFlight--;
      this.#othersLastActive = this.#now();
      if (this.#othersInFlight > 0) return;
      for (const name of this.#waitingClients) {
        const entry = this.#held.get(name);
        if (entry) this.#pump(name, entry);
      }
    };
    res.once("close", finished);
    res.once("finish", finished);
    start();
  }

  /** Notes that `client` sent a document the query limits refused: it is held back from now on. */
  refused(client: string): void {
    const now = this.#now();
    const until = now + this.#holdMs;
    const held = this.#held.get(client);
    if (held) {
      held.until = until;
      return;
    }
    if (this.#held.size >= maxHeldClients) {
      for (const [name, entry] of this.#held)
        if (entry.until <= now && !entry.inFlight && entry.waiting.length === 0) this.#held.delete(name);
      if (this.#held.size >= maxHeldClients) return;
    }
    this.#held.set(client, { until, inFlight: false, lastStart: 0, waiting: [], timer: null });
  }

  /** Starts the client's next waiting request if its turn has come, else waits for it. */
  #pump(client: string, held: Held): void {
    if (held.inFlight) return;
    const next = held.waiting[0];
    if (!next) {
      this.#waitingClients.delete(client);
      if (held.until <= this.#now()) this.#held.delete(client);
      return;
    }
    const now = this.#now();
    // Nobody else is being served, nor was in the last interval: no one to go first.
    const quietFor = this.#othersInFlight > 0 ? -1 : now - this.#othersLastActive;
    const quiet = quietFor >= this.#intervalMs;
    // Others are being served: one request per interval, after the longest wait.
    const turn = Math.max(held.lastStart + this.#intervalMs, next.since + this.#maxWaitMs) - now;
    if (!quiet && turn > 0) {
      const untilQuiet = quietFor >= 0 ? this.#intervalMs - quietFor : Number.POSITIVE_INFINITY;
      if (held.timer) clearTimeout(held.timer);
      held.timer = setTimeout(
        () => {
          held.timer = null;
          this.#pump(client, held);
        },
        Math.min(turn, untilQuiet),
      );
      return;
    }
    if (held.timer) clearTimeout(held.timer);
    held.timer = null;
    held.waiting.shift();
    if (next.res.destroyed) {
      this.#pump(client, held);
      return;
    }
    held.inFlight = true;
    held.lastStart = now;
    let done = false;
    const finished = () => {
      if (done) return;
      done = true;
      held.inFlight = false;
      // The next one goes after the events already queued (other clients' I/O) have run.
      setImmediate(() => this.#pump(client, held));
    };
    next.res.once("close", finished);
    next.res.once("finish", finished);
    next.start();
  }
}

/** The 429 of a held-back client with too many requests waiting (nothing of the request is read). */
function tooManyWaiting(res: ServerResponse, retryAfterSeconds: number): void {
  const retryAfter = String(Math.max(1, retryAfterSeconds));
  res.writeHead(429, {
    "content-type": "application/json; charset=utf-8",
    "retry-after": retryAfter,
    connection: "close",
  });
  res.end(
    JSON.stringify({
      errors: [
        {
          message: `Too many requests waiting: this client's documents were refused by the query limits, so it is served one request at a time; retry in ${retryAfter} s.`,
          extensions: { code: "RATE_LIMITED", retryAfterSeconds: Number(retryAfter) },
        },
      ],
    }),
  );
}
