import type { Tenant } from "@flowgate/domain";
import type { Selectable } from "kysely";
import type { Executor } from "../database.ts";
import type { LegalHoldsTable } from "../tables/data-protection.table.ts";
import { inTenant } from "./tenant-filter.ts";

/** A legal hold on a session: while active (`releasedAt` null) the session may not be redacted or deleted. */
export interface LegalHold extends Tenant {
  id: string;
  sessionId: string;
  reason: string;
  createdBy: string;
  createdAt: Date;
  releasedAt: Date | null;
  releasedBy: string | null;
  releaseReason: string | null;
}

function toLegalHold(row: Selectable<LegalHoldsTable>): LegalHold {
  return {
    id: row.id,
    workspaceId: row.workspace_id,
    environment: row.environment,
    sessionId: row.session_id,
    reason: row.reason,
    createdBy: row.created_by,
    createdAt: row.created_at,
    releasedAt: row.released_at,
    releasedBy: row.released_by,
    releaseReason: row.release_reason,
  };
}

/** Places a hold; a second active hold on the same session fails on the `legal_holds_active` index. */
export async function insertLegalHold(
  db: Executor,
  tenant: Tenant,
  hold: { id: string; sessionId: string; reason: string; createdBy: string },
): Promise<LegalHold> {
  const row = await db
    .insertInto("legal_holds")
    .values({
      id: hold.id,
      workspace_id: tenant.workspaceId,
      environment: tenant.environment,
      session_id: hold.sessionId,
      reason: hold.reason,
      created_by: hold.createdBy,
    })
    .returningAll()
    .executeTakeFirstOrThrow();
  return toLegalHold(row);
}

/** The session's active hold, if any (one at most). */
export async function findActiveLegalHold(db: Executor, sessionId: string): Promise<LegalHold | undefined> {
  const row = await db
    .selectFrom("legal_holds")
    .selectAll()
    .where("session_id", "=", sessionId)
    .where("released_at", "is", null)
    .executeTakeFirst();
  return row ? toLegalHold(row) : undefined;
}

/** The active holds of these sessions (for DataLoaders and bulk jobs). */
export async function findActiveLegalHolds(
  db: Executor,
  sessionIds: readonly string[],
): Promise<LegalHold[]> {
  if (sessionIds.length === 0) return [];
  const rows = await db
    .selectFrom("legal_holds")
    .selectAll()
    .where("session_id", "in", sessionIds)
    .where("released_at", "is", null)
    .execute();
  return rows.map(toLegalHold);
}

/** Every hold of a session of the tenant, oldest first (active and released). */
export async function listLegalHolds(db: Executor, tenant: Tenant, sessionId: string): Promise<LegalHold[]> {
  const rows = await db
    .selectFrom("legal_holds")
    .selectAll()
    .where("session_id", "=", sessionId)
    .where(inTenant(tenant))
    .orderBy("created_at")
    .orderBy("id")
    .execute();
  return rows.map(toLegalHold);
}

/** Releases an active hold; returns it, or `undefined` when it was not active. */
export async function releaseLegalHoldRow(
  db: Executor,
  id: string,
  release: { by: string; reason: string | null },
): Promise<LegalHold | undefined> {
  const row = await db
    .updateTable("legal_holds")
    .set({ released_at: new Date(), released_by: release.by, release_reason: release.reason })
    .where("id", "=", id)
    .where("released_at", "is", null)
    .returningAll()
    .executeTakeFirst();
  return row ? toLegalHold(row) : undefined;
}

/** Marks a session redacted: when, by whom, why. */
export async function markSessionRedacted(
  db: Executor,
  sessionId: string,
  redaction: { at: Date; by: string; reason: string },
): Promise<void> {
  await db
    .updateTable("sessions")
    .set({
      redacted_at: redaction.at,
      redacted_by: redaction.by,
      redaction_reason: redaction.reason,
      updated_at: redaction.at,
    })
    .where("id", "=", sessionId)
    .execute();
}

/** Marks many sessions redacted at once (bulk jobs), with the same who and why. */
export async function markSessionsRedacted(
  db: Executor,
  sessionIds: readonly string[],
  redaction: { at: Date; by: string; reason: string },
): Promise<void> {
  if (sessionIds.length === 0) return;
  await db
    .updateTable("sessions")
    .set({
      redacted_at: redaction.at,
      redacted_by: redaction.by,
      redaction_reason: redaction.reason,
      updated_at: redaction.at,
    })
    .where("id", "in", sessionIds)
    .execute();
}

/** Deletes the sessions' own timers (bulk jobs). */
export async function deleteJobsOfSessions(db: Executor, sessionIds: readonly string[]): Promise<void> {
  if (sessionIds.length === 0) return;
  await db.deleteFrom("jobs").where("session_id", "in", sessionIds).execute();
}

/** Deletes a session's own timers (its expiry job); run jobs belong to the runs. */
export async function deleteSessionJobs(db: Executor, sessionId: string): Promise<void> {
  await db.deleteFrom("jobs").where("session_id", "=", sessionId).execute();
}

/** Revokes every link of the sessions that is not revoked yet (a redaction closes the capture page). */
export async function revokeLinksOfSessions(
  db: Executor,
  sessionIds: readonly string[],
  at: Date,
): Promise<void> {
  if (sessionIds.length === 0) return;
  await db
    .updateTable("verification_links")
    .set({ revoked_at: at })
    .where("session_id", "in", sessionIds)
    .where("revoked_at", "is", null)
    .execute();
}
