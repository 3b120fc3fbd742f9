import { createHash } from "node:crypto";
import {
  claimIdempotencyKey,
  completeIdempotencyKey,
  type IdempotencyClaim,
  releaseIdempotencyKey,
} from "@flowgate/db";
import { ValidationError } from "@flowgate/domain";
import type { Actor } from "../actor.ts";
import { type Application, applicationDeps } from "../application.ts";

/** How long a key is kept: 24 hours from its first use. */
export const idempotencyKeyLifetimeMs = 24 * 3600 * 1000;

/**
 * After this long an in-flight key is taken to be abandoned (its process crashed mid-request) and may be
 * claimed again; no request runs this long.
 */
export const idempotencyInFlightTimeoutMs = 5 * 60 * 1000;

/** Longest accepted key (the IETF draft leaves it to the server; Stripe allows 255). */
export const maxIdempotencyKeyLength = 255;

/** The fingerprint of a request: SHA-256 over its parts (method, path, body — or operation and variables). */
export function requestFingerprint(...parts: string[]): string {
  const hash = createHash("sha256");
  for (const part of parts) hash.update(`${part.length}:${part}`);
  return hash.digest("hex");
}

function checkKey(key: string): void {
  if (key.length === 0 || key.length > maxIdempotencyKeyLength || !/^[\x21-\x7e]+$/.test(key)) {
    throw new ValidationError("Invalid Idempotency-Key", [
      {
        path: ["Idempotency-Key"],
        message: `must be 1–${maxIdempotencyKeyLength} printable ASCII characters without spaces`,
      },
    ]);
  }
}

/**
 * Begins a request that carries an `Idempotency-Key` (IETF draft `httpapi-idempotency-key-header`,
 * Stripe's practice): `claimed` — run it, then {@link finishIdempotentRequest}; `replay` — answer the stored
 * response; `in_flight` — the first request with this key is still running (409); `mismatch` — the key
 * was used for another request (422). Keys belong to the actor's workspace and environment and are kept
 * 24 h. Needs no scope of its own: the request itself checks its scopes when it runs.
 *
 * @param app - The application.
 * @param actor - The caller.
 * @param request - The key and the request's {@link requestFingerprint}.
 */
export async function beginIdempotentRequest(
  app: Application,
  actor: Actor,
  request: { key: string; fingerprint: string },
): Promise<IdempotencyClaim> {
  checkKey(request.key);
  const { db, clock } = applicationDeps(app);
  const now = clock();
  return claimIdempotencyKey(db, actor, {
    key: request.key,
    requestHash: request.fingerprint,
    now,
    expiresAt: new Date(now.getTime() + idempotencyKeyLifetimeMs),
    staleBefore: new Date(now.getTime() - idempotencyInFlightTimeoutMs),
  });
}

/**
 * Ends a claimed request: a response below 500 is stored for replays; a server error (a crash, an outage,
 * an email that could not be sent) frees the key so that the client can retry with it, as seed 003 and the
 * IETF draft expect.
 *
 * @param app - The application.
 * @param actor - The caller.
 * @param outcome - The key, the fingerprint, and the response (status and body as sent).
 */
export async function finishIdempotentRequest(
  app: Application,
  actor: Actor,
  outcome: { key: string; fingerprint: string; status: number; body: string },
): Promise<void> {
  const { db } = applicationDeps(app);
  if (outcome.status >= 500) {
    await releaseIdempotencyKey(db, actor, { key: outcome.key, requestHash: outcome.fingerprint });
    return;
  }
  await completeIdempotencyKey(db, actor, {
    key: outcome.key,
    requestHash: outcome.fingerprint,
    status: outcome.status,
    body: outcome.body,
  });
}
