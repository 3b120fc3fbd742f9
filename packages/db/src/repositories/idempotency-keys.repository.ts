import type { Tenant } from "@flowgate/domain";
import { sql } from "kysely";
import type { Executor } from "../database.ts";
import { deleteDueBatch } from "./batched-delete.ts";
import { inTenant } from "./tenant-filter.ts";

/** What claiming an idempotency key found. */
export type IdempotencyClaim =
  /** The key was free (or expired): this request owns it until it completes or releases it. */
  | { kind: "claimed" }
  /** A request with the same key and fingerprint is still running. */
  | { kind: "in_flight" }
  /** The key was used for a different request (method, path or body). */
  | { kind: "mismatch" }
  /** The same request already finished: replay its response. */
  | { kind: "replay"; status: number; body: string };

/**
 * Claims an idempotency key of a tenant for a request with fingerprint `requestHash`, atomically: a row
 * that expired (or an in-flight row older than `staleBefore`, left by a crashed process) is removed, then
 * `INSERT … ON CONFLICT DO NOTHING` decides between concurrent claimants — exactly one gets `claimed`; the
 * others read the winner's row.
 *
 * @param db - The database.
 * @param tenant - Workspace and environment the key belongs to.
 * @param claim - The key, the request's fingerprint, now, when the row expires and the stale bound.
 */
export async function claimIdempotencyKey(
  db: Executor,
  tenant: Tenant,
  claim: { key: string; requestHash: string; now: Date; expiresAt: Date; staleBefore: Date },
): Promise<IdempotencyClaim> {
  await db
    .deleteFrom("idempotency_keys")
    .where(inTenant(tenant))
    .where("key", "=", claim.key)
    .where((eb) =>
      eb.or([
        eb("expires_at", "<=", claim.now),
        eb.and([eb("state", "=", "in_flight"), eb("created_at", "<", claim.staleBefore)]),
      ]),
    )
    .execute();
  const inserted = await db
    .insertInto("idempotency_keys")
    .values({
      workspace_id: tenant.workspaceId,
      environment: tenant.environment,
      key: claim.key,
      request_hash: claim.requestHash,
      state: "in_flight",
      response_status: null,
      response_body: null,
      created_at: claim.now,
      expires_at: claim.expiresAt,
    })
    .onConflict((oc) => oc.columns(["workspace_id", "environment", "key"]).doNothing())
    .returning("key")
    .executeTakeFirst();
  if (inserted) return { kind: "claimed" };
  const row = await db
    .selectFrom("idempotency_keys")
    .selectAll()
    .where(inTenant(tenant))
    .where("key", "=", claim.key)
    .executeTakeFirst();
  // Deleted between the insert and this read (released by its owner): the caller may simply retry.
  if (!row) return { kind: "in_flight" };
  if (row.request_hash !== claim.requestHash) return { kind: "mismatch" };
  if (row.state === "in_flight" || row.response_status === null || row.response_body === null) {
    return { kind: "in_flight" };
  }
  return { kind: "replay", status: row.response_status, body: row.response_body };
}

/**
 * Stores the response of the request that claimed a key, for replays until the row expires.
 *
 * @param db - The database.
 * @param tenant - Workspace and environment.
 * @param done - The key, the claimant's fingerprint, the response status and body.
 */
export async function completeIdempotencyKey(
  db: Executor,
  tenant: Tenant,
  done: { key: string; requestHash: string; status: number; body: string },
): Promise<void> {
  await db
    .updateTable("idempotency_keys")
    .set({ state: "completed", response_status: done.status, response_body: done.body })
    .where(inTenant(tenant))
    .where("key", "=", done.key)
    .where("request_hash", "=", done.requestHash)
    .where("state", "=", "in_flight")
    .execute();
}

/**
 * Frees a key whose request ended without a response worth replaying (a server error): the client may
 * retry with the same key.
 *
 * @param db - The database.
 * @param tenant - Workspace and environment.
 * @param release - The key and the claimant's fingerprint.
 */
export async function releaseIdempotencyKey(
  db: Executor,
  tenant: Tenant,
  release: { key: string; requestHash: string },
): Promise<void> {
  await db
    .deleteFrom("idempotency_keys")
    .where(inTenant(tenant))
    .where("key", "=", release.key)
    .where("request_hash", "=", release.requestHash)
    .where("state", "=", "in_flight")
    .execute();
}

/**
 * Deletes up to `limit` expired idempotency keys (all tenants) and returns how many, so that a backlog is
 * cleared in short transactions (the `maintenance.purge` job calls it until fewer than `limit` go). Rows
 * are picked through the `expires_at` index and deleted by `ctid`; the expiry is checked again on delete,
 * so a key claimed anew meanwhile (a new row) stays.
 *
 * @param db - The database.
 * @param now - The current time: keys that expired at or before it go.
 * @param limit - The most rows deleted.
 */
export async function purgeExpiredIdempotencyKeys(db: Executor, now: Date, limit: number): Promise<number> {
  return deleteDueBatch(db, "idempotency_keys", sql`expires_at <= ${now}`, limit);
}
