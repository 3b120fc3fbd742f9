import type { IncomingMessage } from "node:http";
import { hashApiKey } from "@flowgate/domain";
import type { RateLimitDecision, RateLimiter, RateLimitPolicy } from "@flowgate/engine";
import { GraphQLError } from "graphql";
import type { Plugin } from "graphql-yoga";

/** `extensions.code` of the error a rate-limited request gets (HTTP 429). */
export const rateLimitedCode = "RATE_LIMITED";

/** How the gateway limits request rates: a shared limiter and the two policies it applies. */
export interface GatewayRateLimit {
  limiter: RateLimiter;
  /** Each API key's bucket (named `api-key` in the headers). */
  perKey: RateLimitPolicy;
  /** Each client address's bucket, for requests without a valid API key (named `address`). */
  perAddress: RateLimitPolicy;
  /** Called when the limiter's store fails; the request then goes on unlimited (default: ignore). */
  onError?: (error: unknown) => void;
  /**
   * Refusals this process remembers until the bucket's next token is due (see {@link chargeRequest});
   * created on first use.
   */
  refused?: Map<string, { until: number; outcome: RateLimitOutcome }>;
}

/** Who a request is charged to. */
export interface RateLimitSubject {
  /** The presented API key, if any (it is hashed before it names a bucket). */
  key: string | null;
  /** The client's address. */
  address: string;
}

/** A request's take: the policy it was charged under and what the limiter decided. */
export interface RateLimitOutcome {
  policy: RateLimitPolicy;
  decision: RateLimitDecision;
}

/** The client address of a Node request (the TCP peer; a proxy in front counts as one client). */
export function clientAddress(req: IncomingMessage | undefined): string {
  return req?.socket.remoteAddress ?? "unknown";
}

/**
 * The `RateLimit-Policy` and `RateLimit` headers of the IETF httpapi draft "RateLimit header fields for
 * HTTP" (structured fields: quota `q` per window `w` seconds; remaining `r`, seconds to reset `t`). For a
 * token bucket the quota is the burst and the window the time an empty bucket takes to fill.
 */
export function rateLimitHeaders({ policy, decision }: RateLimitOutcome): Record<string, string> {
  const window = Math.ceil(policy.burst / policy.ratePerSecond);
  const reset = decision.allowed ? decision.resetSeconds : decision.retryAfterSeconds;
  return {
    "RateLimit-Policy": `"${policy.name}";q=${policy.burst};w=${window}`,
    RateLimit: `"${policy.name}";r=${decision.remaining};t=${reset}`,
  };
}

/** The error of a refused request: code `RATE_LIMITED`, HTTP 429 with `Retry-After` and the draft's headers. */
export function rateLimitedError(outcome: RateLimitOutcome): GraphQLError {
  const { policy, decision } = outcome;
  return new GraphQLError(
    `Too many requests: the limit is ${policy.burst} at once and ${policy.ratePerSecond} a second ` +
      `(${policy.name}); retry in ${decision.retryAfterSeconds} s.`,
    {
      extensions: {
        code: rateLimitedCode,
        policy: policy.name,
        retryAfterSeconds: decision.retryAfterSeconds,
        http: {
          status: 429,
          headers: { "Retry-After": String(decision.retryAfterSeconds), ...rateLimitHeaders(outcome) },
        },
      },
    },
  );
}

/**
 * Charges one request: to its API key's bucket (`key:` and a prefix of the key's SHA-256; the key itself
 * is never stored), or to its address's bucket without a key. Returns null when the limiter's store
 * failed: the request goes on rather than fail for want of a counter.
 */
export async function chargeRequest(
  rateLimit: GatewayRateLimit,
  subject: RateLimitSubject,
): Promise<RateLimitOutcome | null> {
  const [bucket, policy] = subject.key
    ? [`key:${hashApiKey(subject.key).slice(0, 32)}`, rateLimit.perKey]
    : [`address:${subject.address}`, rateLimit.perAddress];
  // A refused bucket has no token until its next one is due, whichever gateway asks (tokens only come
  // with time), so until then this process answers 429 without asking the store: a client hammering past
  // its limit costs a map lookup per request, not a round trip.
  rateLimit.refused ??= new Map();
  const refused = rateLimit.refused;
  const remembered = refused.get(bucket);
  if (remembered && remembered.until > Date.now()) return remembered.outcome;
  try {
    const outcome = { policy, decision: await rateLimit.limiter.take(bucket, policy) };
    if (outcome.decision.allowed) {
      if (remembered) refused.delete(bucket);
    } else {
      if (refused.size >= 10_000) {
        for (const [name, entry] of refused) if (entry.until <= Date.now()) refused.delete(name);
      }
      if (refused.size < 10_000)
        refused.set(bucket, { until: Date.now() + outcome.decision.retryAfterMs, outcome });
    }
    return outcome;
  } catch (error) {
    rateLimit.onError?.(error);
    return null;
  }
}

/**
 * Charges a request whose API key was refused (unknown, revoked, expired) to its address as well, so that
 * guessing keys is limited like calling without one. Returns the refusal to answer instead of the 401 when
 * the address is over its limit, else null.
 */
export async function chargeRefusedKey(
  rateLimit: GatewayRateLimit,
  address: string,
): Promise<GraphQLError | null> {
  const outcome = await chargeRequest(rateLimit, { key: null, address });
  return outcome && !outcome.decision.allowed ? rateLimitedError(outcome) : null;
}

/**
 * The Yoga plugin that rate-limits every request before its body is parsed: `identify` names who pays.
 * A refused request is answered 429 at once; an allowed one carries the `RateLimit-Policy` and
 * `RateLimit` headers on its response.
 */
export function rateLimitPlugin(
  rateLimit: GatewayRateLimit,
  identify: (request: Request, serverContext: { req?: IncomingMessage }) => RateLimitSubject,
): Plugin {
  const outcomes = new WeakMap<Request, RateLimitOutcome>();
  return {
    async onRequest({ request, serverContext, endResponse, fetchAPI }) {
      const outcome = await chargeRequest(
        rateLimit,
        identify(request, serverContext as { req?: IncomingMessage }),
      );
      if (!outcome) return;
      if (outcome.decision.allowed) {
        outcomes.set(request, outcome);
        return;
      }
      const error = rateLimitedError(outcome);
      const { http, ...extensions } = error.extensions as { http: { headers: Record<string, string> } };
      endResponse(
        new fetchAPI.Response(JSON.stringify({ errors: [{ message: error.message, extensions }] }), {
          status: 429,
          headers: { "content-type": "application/json; charset=utf-8", ...http.headers },
        }),
      );
    },
    onResponse({ request, response }) {
      const outcome = outcomes.get(request);
      if (!outcome) return;
      for (const [name, value] of Object.entries(rateLimitHeaders(outcome)))
        response.headers.set(name, value);
    },
  };
}
