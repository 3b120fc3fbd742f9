import type { Dispatcher } from "undici";
import { undici } from "../on-demand-modules.ts";
import {
  createGuardedDispatcher,
  DestinationRefusedError,
  HostNotFoundError,
  type HostResolver,
} from "./guarded-dispatcher.ts";

/** Default cap on a response body read by {@link outboundRequest}, in bytes (1 MiB). */
export const defaultMaxResponseBytes = 1024 * 1024;

/** One outbound HTTP call. */
export interface OutboundRequest {
  /** Absolute `http:` or `https:` URL. */
  url: string | URL;
  method?: "GET" | "POST" | "PUT" | "PATCH" | "DELETE";
  headers?: Record<string, string>;
  body?: string | Uint8Array;
  /** Bound on the whole exchange — DNS, connect, request, response headers and body — in ms. */
  timeoutMs: number;
  /** Largest response body read, in bytes (default {@link defaultMaxResponseBytes}). */
  maxResponseBytes?: number;
  /** Whether non-public addresses may be called (a workspace's `allowPrivateTaskUrls`). */
  allowPrivate: boolean;
  /** A resolver to use instead of the system's (tests). The connection is pinned to what it answers. */
  resolveHost?: HostResolver | undefined;
}

/** A response read in full (within the size cap). */
export interface OutboundResponse {
  status: number;
  headers: Record<string, string | string[] | undefined>;
  /** The body decoded as UTF-8 (`""` when there is none). */
  body: string;
}

/**
 * Why an outbound call produced no usable response:
 * - `invalid_url`: not an absolute http(s) URL;
 * - `refused`: the destination (or an address its name resolves to) is not allowed;
 * - `not_found`: the name resolves to no address;
 * - `timeout`: no complete answer within `timeoutMs`;
 * - `too_large`: the response body exceeds the cap (`status` is set);
 * - `unreachable`: any other network or TLS failure.
 */
export type OutboundErrorKind =
  | "invalid_url"
  | "refused"
  | "not_found"
  | "timeout"
  | "too_large"
  | "unreachable";

/** An outbound call that failed; the message reads well on its own (it names the URL or the address). */
export class OutboundError extends Error {
  override readonly name = "OutboundError";
  readonly kind: OutboundErrorKind;
  /** The HTTP status, when a response arrived (`too_large`). */
  readonly status: number | null;

  constructor(kind: OutboundErrorKind, message: string, options: { status?: number; cause?: unknown } = {}) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause });
    this.kind = kind;
    this.status = options.status ?? null;
  }
}

/** Shared pools for the system resolver, one per policy; connections in them were checked when opened. */
const sharedDispatchers = new Map<boolean, Dispatcher>();

function dispatcherFor(call: OutboundRequest): { dispatcher: Dispatcher; owned: boolean } {
  if (call.resolveHost) {
    return {
      dispatcher: createGuardedDispatcher({ allowPrivate: call.allowPrivate, resolveHost: call.resolveHost }),
      owned: true,
    };
  }
  let dispatcher = sharedDispatchers.get(call.allowPrivate);
  if (!dispatcher) {
    dispatcher = createGuardedDispatcher({ allowPrivate: call.allowPrivate });
    sharedDispatchers.set(call.allowPrivate, dispatcher);
  }
  return { dispatcher, owned: false };
}

/**
 * Makes one outbound HTTP call for Flowgate — http tasks today, webhook deliveries and LLM autofill
 * providers next: every call that leaves the process on behalf of a workspace goes through here (or through
 * {@link createGuardedDispatcher} when a client library needs an undici dispatcher), so every one gets the
 * same rules:
 *
 * - Destinations: only public addresses unless `allowPrivate`; a name is resolved once per connection,
 *   every address it resolves to is checked, and the connection is pinned to those addresses (no DNS
 *   rebinding); IP literals and `localhost` names are checked too (see `address-policy.ts`).
 * - Redirects are never followed (a 3xx is returned like any other status; the caller decides).
 * - `timeoutMs` bounds the whole exchange, slow DNS included; the body is read up to `maxResponseBytes`.
 *
 * A response with any status is returned; only failures to get one throw.
 *
 * @throws OutboundError with a `kind` saying why.
 */
export async function outboundRequest(call: OutboundRequest): Promise<OutboundResponse> {
  const url = parseOutboundUrl(call.url);
  const maxBytes = call.maxResponseBytes ?? defaultMaxResponseBytes;
  const signal = AbortSignal.timeout(call.timeoutMs);
  const { dispatcher, owned } = dispatcherFor(call);
  try {
    const response = await undici().request(url, {
      method: call.method ?? "GET",
      ...(call.headers ? { headers: call.headers } : {}),
      ...(call.body !== undefined ? { body: call.body } : {}),
      dispatcher,
      signal,
    });
    const chunks: Buffer[] = [];
    let size = 0;
    for await (const chunk of response.body) {
      size += (chunk as Buffer).byteLength;
      if (size > maxBytes) {
        response.body.destroy();
        throw new OutboundError("too_large", `response body is larger than ${maxBytes} bytes`, {
          status: response.statusCode,
        });
      }
      chunks.push(chunk as Buffer);
    }
    return {
      status: response.statusCode,
      headers: response.headers,
      body: Buffer.concat(chunks).toString("utf8"),
    };
  } catch (error) {
    throw toOutboundError(error, url, call.timeoutMs, signal);
  } finally {
    if (owned) void dispatcher.destroy().catch(() => {});
  }
}

/**
 * Checks the form of an outbound URL: absolute, `http` or `https`, no credentials.
 *
 * @throws OutboundError (`invalid_url`).
 */
export function parseOutboundUrl(text: string | URL): URL {
  let url: URL;
  try {
    url = new URL(text);
  } catch {
    throw new OutboundError("invalid_url", `${String(text)} is not an absolute URL`);
  }
  if (url.protocol !== "http:" && url.protocol !== "https:") {
    throw new OutboundError("invalid_url", `${url.origin} does not use http or https`);
  }
  if (url.username !== "" || url.password !== "") {
    throw new OutboundError("invalid_url", "outbound URLs must not contain credentials");
  }
  return url;
}

function toOutboundError(error: unknown, url: URL, timeoutMs: number, signal: AbortSignal): OutboundError {
  if (error instanceof OutboundError) return error;
  const cause = findCause(error);
  if (cause instanceof DestinationRefusedError) return new OutboundError("refused", cause.message, { cause });
  if (cause instanceof HostNotFoundError) return new OutboundError("not_found", cause.message, { cause });
  if (signal.aborted) {
    return new OutboundError("timeout", `${url.href} did not answer within ${timeoutMs} ms`, {
      cause: error,
    });
  }
  return new OutboundError("unreachable", `${url.href} could not be reached: ${describe(error)}`, {
    cause: error,
  });
}

/** The refusal or missing-host error somewhere in the chain of causes (undici may wrap connect errors). */
function findCause(error: unknown): unknown {
  let current: unknown = error;
  for (let depth = 0; depth < 5 && current instanceof Error; depth++) {
    if (current instanceof DestinationRefusedError || current instanceof HostNotFoundError) return current;
    current = (current as { cause?: unknown }).cause;
  }
  return error;
}

function describe(error: unknown): string {
  if (error instanceof Error) {
    const cause = (error as { cause?: unknown }).cause;
    return cause instanceof Error ? `${error.message} (${cause.message})` : error.message;
  }
  return String(error);
}
