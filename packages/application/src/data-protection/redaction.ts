import {
  findActiveLegalHold,
  findSession,
  insertLegalHold,
  type LegalHold,
  listLegalHolds,
  releaseLegalHoldRow,
} from "@flowgate/db";
import {
  ConflictError,
  NotFoundError,
  newId,
  type Session,
  type Tenant,
  ValidationError,
} from "@flowgate/domain";
import { inTransaction, redactSessionData } from "@flowgate/engine";
import { requireScope } from "../access.ts";
import type { Actor } from "../actor.ts";
import { type Application, applicationDeps } from "../application.ts";

export type { LegalHold };

/** Longest reason accepted for a redaction or a hold. */
export const maxReasonLength = 1000;

/** Checks a reason: required, trimmed, at most {@link maxReasonLength} characters. */
export function checkReason(reason: string | null | undefined, field = "reason", required = true): string {
  const trimmed = (reason ?? "").trim();
  if (required && trimmed.length === 0) {
    throw new ValidationError("Invalid input", [{ path: [field], message: "a reason is required" }]);
  }
  if (trimmed.length > maxReasonLength) {
    throw new ValidationError("Invalid input", [
      { path: [field], message: `at most ${maxReasonLength} characters` },
    ]);
  }
  return trimmed;
}

async function lockSession(trx: Parameters<typeof findSession>[0], tenant: Tenant, id: string) {
  const session = await findSession(trx, tenant, id, { forUpdate: true });
  if (!session) throw new NotFoundError("Session", id);
  return session;
}

/** The answer of {@link redactSession}. */
export interface RedactSessionResult {
  session: Session;
  /** False when the session had been redacted before (the call changed nothing). */
  changed: boolean;
}

/**
 * Removes a session's personal data (GDPR Art. 17) from the session, its runs, checks and attempts, events,
 * links and emails, following the personal-data definition; keeps the audit skeleton and marks the session
 * redacted. Idempotent: redacting a redacted session answers it unchanged. Needs `sessions:write`.
 *
 * @throws NotFoundError when the session is not the caller's.
 * @throws LegalHoldError when a legal hold keeps its data (naming the hold).
 * @throws ValidationError when `reason` is missing or too long.
 */
export async function redactSession(
  app: Application,
  actor: Actor,
  input: { sessionId: string; reason: string },
): Promise<RedactSessionResult> {
  requireScope(actor, "sessions:write");
  const reason = checkReason(input.reason);
  return inTransaction(applicationDeps(app), async (trx, after) => {
    const session = await lockSession(trx, actor, input.sessionId);
    const outcome = await redactSessionData(trx, after, session, { by: actor.keyId, reason });
    return { session: outcome.session, changed: outcome.changed };
  });
}

/**
 * Places a legal hold on a session: until released, it cannot be redacted (alone, in bulk or by
 * retention). A session holds at most one active hold. Needs `sessions:write`.
 *
 * @throws NotFoundError when the session is not the caller's.
 * @throws ConflictError when the session is already held (naming the hold) or was redacted already.
 */
export async function placeLegalHold(
  app: Application,
  actor: Actor,
  input: { sessionId: string; reason: string },
): Promise<LegalHold> {
  requireScope(actor, "sessions:write");
  const reason = checkReason(input.reason);
  return inTransaction(applicationDeps(app), async (trx) => {
    const session = await lockSession(trx, actor, input.sessionId);
    if (session.redaction) {
      throw new ConflictError(
        `Session ${session.id} was redacted; there is no data left to hold`,
        "redacted",
      );
    }
    const active = await findActiveLegalHold(trx, session.id);
    if (active) {
      throw new ConflictError(
        `Session ${session.id} is already under legal hold ${active.id} (${active.reason})`,
        "held",
      );
    }
    return insertLegalHold(trx, actor, {
      id: newId("hld"),
      sessionId: session.id,
      reason,
      createdBy: actor.keyId,
    });
  });
}

/**
 * Releases the session's active legal hold (kept as a record with who released it and why). Needs
 * `sessions:write`.
 *
 * @throws NotFoundError when the session is not the caller's.
 * @throws ConflictError when the session has no active hold.
 */
export async function releaseLegalHold(
  app: Application,
  actor: Actor,
  input: { sessionId: string; reason?: string | null | undefined },
): Promise<LegalHold> {
  requireScope(actor, "sessions:write");
  const reason = checkReason(input.reason, "reason", false) || null;
  return inTransaction(applicationDeps(app), async (trx) => {
    const session = await lockSession(trx, actor, input.sessionId);
    const active = await findActiveLegalHold(trx, session.id);
    const released = active
      ? await releaseLegalHoldRow(trx, active.id, { by: actor.keyId, reason })
      : undefined;
    if (!released) throw new ConflictError(`Session ${session.id} has no active legal hold`, "not_held");
    return released;
  });
}

/**
 * Every legal hold of each session (active and released), aligned with `sessionIds`; sessions that are not
 * the caller's get none. Needs `sessions:read`.
 */
export async function getLegalHoldsOfSessions(
  app: Application,
  actor: Actor,
  sessionIds: readonly string[],
): Promise<LegalHold[][]> {
  requireScope(actor, "sessions:read");
  const { db } = applicationDeps(app);
  return Promise.all(sessionIds.map((id) => listLegalHolds(db, actor, id)));
}
