import {
  type BulkOperation,
  type BulkOperationFailure,
  type BulkSessionFilter,
  findBulkOperation,
  insertBulkOperation,
  listBulkOperationFailures,
  scheduleBulkOperationJob,
} from "@flowgate/db";
import { isSessionStatus, newId, ValidationError } from "@flowgate/domain";
import { inTransaction } from "@flowgate/engine";
import { requireScope } from "../access.ts";
import type { Actor } from "../actor.ts";
import { type Application, applicationDeps } from "../application.ts";
import { checkReason } from "./redaction.ts";

export type { BulkOperation, BulkOperationFailure, BulkSessionFilter };

/** Most session ids one bulk call takes (a filter has no limit). */
export const maxBulkSessionIds = 100_000;

/**
 * Starts a durable bulk redaction of the given sessions, or of every not-yet-redacted session the filter
 * matches, with one reason. Answers at once with the `BulkOperation` (status `pending`); a worker redacts the
 * sessions in order, in chunks, recording each one's outcome and the counts, and survives crashes (nothing is
 * redacted twice or skipped). Sessions under legal hold are skipped, naming the hold. Needs `sessions:write`.
 *
 * @throws ValidationError when neither or both of ids and filter are given, an id list is empty or too long,
 *   a status is unknown, or the reason is missing.
 */
export async function bulkRedactSessions(
  app: Application,
  actor: Actor,
  input: { sessionIds?: readonly string[] | null; filter?: BulkSessionFilter | null; reason: string },
): Promise<BulkOperation> {
  requireScope(actor, "sessions:write");
  const reason = checkReason(input.reason);
  const hasIds = input.sessionIds !== undefined && input.sessionIds !== null;
  const hasFilter = input.filter !== undefined && input.filter !== null;
  if (hasIds === hasFilter) {
    throw new ValidationError("Invalid bulk redaction", [
      { path: ["sessionIds"], message: "give either sessionIds or filter, not both or neither" },
    ]);
  }
  if (hasIds && (input.sessionIds!.length === 0 || input.sessionIds!.length > maxBulkSessionIds)) {
    throw new ValidationError("Invalid bulk redaction", [
      { path: ["sessionIds"], message: `between 1 and ${maxBulkSessionIds} session ids` },
    ]);
  }
  const statuses = input.filter?.statuses ?? [];
  const unknown = statuses.findIndex((status) => !isSessionStatus(status));
  if (unknown >= 0) {
    throw new ValidationError("Invalid bulk redaction", [
      { path: ["filter", "statuses", String(unknown)], message: "not a session status" },
    ]);
  }
  return inTransaction(applicationDeps(app), async (trx, after) => {
    const operation = await insertBulkOperation(
      trx,
      actor,
      { id: newId("blk"), kind: "redact_sessions", reason, createdBy: actor.keyId },
      hasIds ? { sessionIds: input.sessionIds! } : { filter: input.filter! },
    );
    // Session.redacted webhooks of the bulk job are emitted per session by the redaction itself.
    await scheduleBulkOperationJob(trx, operation.id, "bulk.redact");
    after.wake();
    return operation;
  });
}

/**
 * A bulk operation of the caller's workspace and environment with its progress (poll it until `completed`),
 * or undefined. Needs `sessions:read`.
 */
export async function getBulkOperation(
  app: Application,
  actor: Actor,
  id: string,
): Promise<BulkOperation | undefined> {
  requireScope(actor, "sessions:read");
  return findBulkOperation(applicationDeps(app).db, actor, id);
}

/** The skipped and failed sessions of a bulk operation of the caller, with why (first `limit`). */
export async function getBulkOperationFailures(
  app: Application,
  actor: Actor,
  id: string,
  limit = 100,
): Promise<BulkOperationFailure[]> {
  requireScope(actor, "sessions:read");
  const { db } = applicationDeps(app);
  if (!(await findBulkOperation(db, actor, id))) return [];
  return listBulkOperationFailures(db, id, limit);
}
