import type { Tenant } from "@flowgate/domain";
import { type Selectable, sql } from "kysely";
import type { Executor } from "../database.ts";
import type { EmailSendsTable } from "../tables/email-sends.table.ts";

/** A recipient email job as stored. */
export type EmailSendRow = Selectable<EmailSendsTable>;

/** A recipient email job to record, pending. */
export interface NewEmailSend {
  id: string;
  kind: EmailSendsTable["kind"];
  workflowSessionId: string;
  entityId: string;
  responseId: string | null;
  verificationSessionId: string | null;
  messageId: string;
  sealedToken: string;
  reservationKey: string | null;
  revert: Record<string, unknown>;
  actor: string | null;
}

/** Records a pending recipient email (in the transaction that creates its link and reservation). */
export async function insertEmailSend(
  db: Executor,
  tenant: Tenant,
  row: NewEmailSend,
): Promise<EmailSendRow> {
  return db
    .insertInto("email_sends")
    .values({
      id: row.id,
      workspace_id: tenant.workspaceId,
      environment: tenant.environment,
      kind: row.kind,
      status: "pending",
      workflow_session_id: row.workflowSessionId,
      entity_id: row.entityId,
      response_id: row.responseId,
      verification_session_id: row.verificationSessionId,
      message_id: row.messageId,
      sealed_token: row.sealedToken,
      reservation_key: row.reservationKey,
      revert: JSON.stringify(row.revert),
      actor: row.actor,
    })
    .returningAll()
    .executeTakeFirstOrThrow();
}

/**
 * A recipient email job by id, whatever its tenant (workers run every tenant's jobs); with `forUpdate`,
 * locked for the rest of the transaction, so that settling, failing and sweeping it happen one at a time.
 */
export async function findEmailSend(
  db: Executor,
  id: string,
  options: { forUpdate?: boolean } = {},
): Promise<EmailSendRow | undefined> {
  let query = db.selectFrom("email_sends").selectAll().where("id", "=", id);
  if (options.forUpdate) query = query.forUpdate();
  return query.executeTakeFirst();
}

/** The recipient email job holding a credit reservation, locked for the rest of the transaction. */
export async function findEmailSendByReservation(
  db: Executor,
  tenant: Tenant,
  reservationKey: string,
): Promise<EmailSendRow | undefined> {
  return db
    .selectFrom("email_sends")
    .selectAll()
    .where("workspace_id", "=", tenant.workspaceId)
    .where("environment", "=", tenant.environment)
    .where("reservation_key", "=", reservationKey)
    .forUpdate()
    .executeTakeFirst();
}

/** Counts one more delivery attempt of a pending email and returns the count. */
export async function countEmailSendAttempt(db: Executor, id: string): Promise<number> {
  const row = await db
    .updateTable("email_sends")
    .set((eb) => ({ attempts: eb("attempts", "+", 1) }))
    .where("id", "=", id)
    .returning("attempts")
    .executeTakeFirstOrThrow();
  return row.attempts;
}

/** Replaces the sealed token of a pending email (its link was re-issued). */
export async function resealEmailSendToken(db: Executor, id: string, sealedToken: string): Promise<void> {
  await db.updateTable("email_sends").set({ sealed_token: sealedToken }).where("id", "=", id).execute();
}

/**
 * Records how a pending email ended: `sent` (with the credits charged) or `failed` (with the reason).
 * The sealed token is erased either way.
 */
export async function finishEmailSend(
  db: Executor,
  id: string,
  outcome: { status: "sent"; creditsCharged: number } | { status: "failed"; failure: string },
): Promise<void> {
  const now = new Date();
  await db
    .updateTable("email_sends")
    .set({
      status: outcome.status,
      sealed_token: null,
      finished_at: now,
      ...(outcome.status === "sent"
        ? { sent_at: now, credits_charged: outcome.creditsCharged }
        : { failure: outcome.failure }),
    })
    .where("id", "=", id)
    .where("status", "=", "pending")
    .execute();
}

/** Start of the UTC hour `at` falls in. */
export function utcHour(at: Date): Date {
  return new Date(Math.floor(at.getTime() / 3_600_000) * 3_600_000);
}

/**
 * Counts one email against a workspace's cap for the UTC hour `at` falls in, atomically: one guarded
 * `INSERT … ON CONFLICT DO UPDATE SET emails = emails + 1 WHERE emails < cap` on the workspace's row for
 * that hour. Concurrent sends queue on the row and each sees the others' committed counts, so no more than
 * `cap` succeed in an hour. Call it in the transaction that queues the email: a rollback takes it back.
 *
 * @returns Whether the email fits, and the hour's count before it.
 */
export async function claimHourlyEmail(
  db: Executor,
  claim: { workspaceId: string; at: Date; cap: number },
): Promise<{ ok: boolean; emails: number }> {
  const hour = utcHour(claim.at);
  if (claim.cap <= 0) return { ok: false, emails: 0 };
  const row = await db
    .insertInto("workspace_hourly_emails")
    .values({ workspace_id: claim.workspaceId, hour, emails: 1 })
    .onConflict((oc) =>
      oc
        .columns(["workspace_id", "hour"])
        .doUpdateSet({ emails: sql`workspace_hourly_emails.emails + 1` })
        .where(sql<boolean>`workspace_hourly_emails.emails < ${claim.cap}`),
    )
    .returning("emails")
    .executeTakeFirst();
  if (row) return { ok: true, emails: row.emails - 1 };
  const existing = await db
    .selectFrom("workspace_hourly_emails")
    .select("emails")
    .where("workspace_id", "=", claim.workspaceId)
    .where("hour", "=", hour)
    .executeTakeFirst();
  return { ok: false, emails: existing?.emails ?? claim.cap };
}

/** Gives back one email of the workspace's count for the hour `at` falls in (the email was never sent). */
export async function releaseHourlyEmail(db: Executor, workspaceId: string, at: Date): Promise<void> {
  await db
    .updateTable("workspace_hourly_emails")
    .set({ emails: sql`greatest(emails - 1, 0)` })
    .where("workspace_id", "=", workspaceId)
    .where("hour", "=", utcHour(at))
    .execute();
}
