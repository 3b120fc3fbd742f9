import {
  listRetentionPolicies,
  type RetentionPolicy,
  sessionsDueForDeletion,
  sessionsDueForRedaction,
  upsertRetentionPolicy,
} from "@flowgate/db";
import { ValidationError } from "@flowgate/domain";
import { applyRetention, ensureRetentionJob, type RetentionOutcome } from "@flowgate/engine";
import { requireScope } from "../access.ts";
import type { Actor } from "../actor.ts";
import { type Application, applicationDeps } from "../application.ts";

export type { RetentionOutcome, RetentionPolicy };

/** Longest retention period accepted: 100 years. */
const maxDays = 36_500;

/**
 * Sets the retention policy of the caller's workspace and environment: redact sessions `redactAfterDays`
 * after they reach a final status, delete sessions never submitted `deleteAbandonedAfterDays` after creation
 * (null: never). Applied by the daily retention job; legal holds are respected. Needs `admin`.
 *
 * @throws ValidationError naming a value that is not a whole number of days from 1 to 36500.
 */
export async function setRetentionPolicy(
  app: Application,
  actor: Actor,
  input: { redactAfterDays?: number | null; deleteAbandonedAfterDays?: number | null },
): Promise<RetentionPolicy> {
  requireScope(actor, "admin");
  const issues = (["redactAfterDays", "deleteAbandonedAfterDays"] as const).flatMap((field) => {
    const value = input[field];
    return value === null ||
      value === undefined ||
      (Number.isInteger(value) && value >= 1 && value <= maxDays)
      ? []
      : [{ path: [field], message: `a whole number of days from 1 to ${maxDays}, or null` }];
  });
  if (issues.length > 0) throw new ValidationError("Invalid retention policy", issues);
  const { db } = applicationDeps(app);
  await upsertRetentionPolicy(db, actor, {
    redactAfterDays: input.redactAfterDays ?? null,
    deleteAbandonedAfterDays: input.deleteAbandonedAfterDays ?? null,
    updatedBy: actor.keyId,
  });
  await ensureRetentionJob({ db });
  const [policy] = await listRetentionPolicies(db, actor);
  return policy!;
}

/** The caller's retention policy, or undefined when none is set. Needs `sessions:read`. */
export async function getRetentionPolicy(
  app: Application,
  actor: Actor,
): Promise<RetentionPolicy | undefined> {
  requireScope(actor, "sessions:read");
  const [policy] = await listRetentionPolicies(applicationDeps(app).db, actor);
  return policy;
}

/**
 * How many of the caller's sessions the next retention pass would redact and delete, as of `at` (default
 * now); sessions under legal hold are not counted. Needs `sessions:read`.
 */
export async function retentionPreview(
  app: Application,
  actor: Actor,
  input: { at?: Date | null } = {},
): Promise<{ at: Date; redact: number; delete: number }> {
  requireScope(actor, "sessions:read");
  const at = input.at ?? new Date();
  const { db } = applicationDeps(app);
  const [policy] = await listRetentionPolicies(db, actor);
  if (!policy) return { at, redact: 0, delete: 0 };
  const limit = 1_000_000;
  return {
    at,
    redact: (await sessionsDueForRedaction(db, policy, at, limit)).length,
    delete: (await sessionsDueForDeletion(db, policy, at, limit)).length,
  };
}

/**
 * Applies every workspace's retention policy now (what the daily job does), or as of `now` for tests with
 * a fake clock. Operator-level (no actor): process wiring and tests call it.
 */
export async function runRetention(app: Application, now: Date = new Date()): Promise<RetentionOutcome> {
  return applyRetention(applicationDeps(app), now);
}

/** Makes sure the durable daily retention job exists (process wiring calls it at start; idempotent). */
export async function scheduleRetention(app: Application): Promise<void> {
  await ensureRetentionJob(applicationDeps(app));
}
