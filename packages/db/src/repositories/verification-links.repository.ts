import type { Tenant, VerificationLink } from "@flowgate/domain";
import { type Selectable, sql } from "kysely";
import type { Executor } from "../database.ts";
import type { VerificationLinksTable } from "../tables/verification-links.table.ts";
import { inTenant } from "./tenant-filter.ts";

/** Inserts a link (its token already hashed). */
export async function insertVerificationLink(
  db: Executor,
  tenant: Tenant,
  row: {
    id: string;
    sessionId: string;
    tokenHash: string;
    maxUses: number;
    expiresAt: Date;
    sentTo: string | null;
    createdBy: string | null;
  },
): Promise<VerificationLink> {
  const inserted = await db
    .insertInto("verification_links")
    .values({
      id: row.id,
      workspace_id: tenant.workspaceId,
      environment: tenant.environment,
      session_id: row.sessionId,
      token_hash: row.tokenHash,
      max_uses: row.maxUses,
      expires_at: row.expiresAt,
      sent_to: row.sentTo,
      created_by: row.createdBy,
    })
    .returningAll()
    .executeTakeFirstOrThrow();
  return toVerificationLink(inserted);
}

/** A link of the tenant by id, optionally locked. */
export async function findVerificationLink(
  db: Executor,
  tenant: Tenant,
  id: string,
  options: { forUpdate?: boolean } = {},
): Promise<VerificationLink | undefined> {
  let query = db.selectFrom("verification_links").selectAll().where("id", "=", id).where(inTenant(tenant));
  if (options.forUpdate) query = query.forUpdate();
  const row = await query.executeTakeFirst();
  return row ? toVerificationLink(row) : undefined;
}

/** The link whose token hashes to `tokenHash` (any tenant: the token is the credential), optionally locked. */
export async function findVerificationLinkByTokenHash(
  db: Executor,
  tokenHash: string,
  options: { forUpdate?: boolean } = {},
): Promise<VerificationLink | undefined> {
  let query = db.selectFrom("verification_links").selectAll().where("token_hash", "=", tokenHash);
  if (options.forUpdate) query = query.forUpdate();
  const row = await query.executeTakeFirst();
  return row ? toVerificationLink(row) : undefined;
}

/** The links of these sessions of the tenant, newest first. */
export async function listVerificationLinksOfSessions(
  db: Executor,
  tenant: Tenant,
  sessionIds: readonly string[],
): Promise<VerificationLink[]> {
  if (sessionIds.length === 0) return [];
  const rows = await db
    .selectFrom("verification_links")
    .selectAll()
    .where("session_id", "in", sessionIds)
    .where(inTenant(tenant))
    .orderBy("created_at", "desc")
    .orderBy("id", "desc")
    .execute();
  return rows.map(toVerificationLink);
}

/** Revokes a link (once: a revoked link keeps its first revocation time) and returns it. */
export async function revokeVerificationLinkRow(
  db: Executor,
  id: string,
  at: Date,
): Promise<VerificationLink> {
  const row = await db
    .updateTable("verification_links")
    .set({ revoked_at: sql<Date>`coalesce(revoked_at, ${at})` })
    .where("id", "=", id)
    .returningAll()
    .executeTakeFirstOrThrow();
  return toVerificationLink(row);
}

/** Revokes every active link of a session (a resume issues a fresh one). */
export async function revokeLinksOfSession(db: Executor, sessionId: string, at: Date): Promise<void> {
  await db
    .updateTable("verification_links")
    .set({ revoked_at: at })
    .where("session_id", "=", sessionId)
    .where("revoked_at", "is", null)
    .execute();
}

/**
 * Counts one use of a link, only while it has uses left, is not revoked and has not expired; returns
 * whether it did (one guarded statement, so two concurrent submits cannot both use a single-use link).
 */
export async function useVerificationLink(db: Executor, id: string, at: Date): Promise<boolean> {
  const row = await db
    .updateTable("verification_links")
    .set({ uses: sql<number>`uses + 1`, last_used_at: at })
    .where("id", "=", id)
    .where("revoked_at", "is", null)
    .where("expires_at", ">", at)
    .where(sql<boolean>`uses < max_uses`)
    .returning("id")
    .executeTakeFirst();
  return row !== undefined;
}

function toVerificationLink(row: Selectable<VerificationLinksTable>): VerificationLink {
  return {
    id: row.id,
    workspaceId: row.workspace_id,
    environment: row.environment,
    sessionId: row.session_id,
    maxUses: row.max_uses,
    uses: row.uses,
    expiresAt: row.expires_at,
    revokedAt: row.revoked_at,
    lastUsedAt: row.last_used_at,
    sentTo: row.sent_to,
    createdBy: row.created_by,
    createdAt: row.created_at,
  };
}
