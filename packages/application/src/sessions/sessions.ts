import {
  findEntity,
  findOpenSessionByReferenceId,
  findOpenSessionOfIdentity,
  findRiskAssessmentsOfRuns,
  findRunsBySessionIds,
  findSessionsByIds,
  findWorkflow,
  insertEntity,
  insertSession,
  listSessions as listSessionRows,
  type PageRequest,
  type SessionFilter,
  scheduleSessionExpiry,
} from "@flowgate/db";
import {
  ConflictError,
  type EntityInput,
  isValidEmail,
  NotFoundError,
  newId,
  parseEntityInput,
  type Session,
  type SessionRiskAssessment,
  ValidationError,
} from "@flowgate/domain";
import { inTransaction, recordSessionWebhookEvent } from "@flowgate/engine";
import { requireScope } from "../access.ts";
import type { Actor } from "../actor.ts";
import { type Application, applicationDeps } from "../application.ts";
import { alignByKey } from "../batch.ts";
import { tenantKey } from "../shared-reads.ts";

/** Input of {@link createSession}. */
export interface CreateSessionInput {
  /** The workflow to run on submit; the workspace's default workflow when absent. */
  workflowId?: string | null | undefined;
  /** The customer's own identifier for the session. */
  referenceId?: string | null | undefined;
  metadata?: Record<string, unknown> | null | undefined;
  /** Sandbox only: simulated policy outcomes keyed by node id or policy name, `{ outcome, output }`. */
  sandbox?: Record<string, unknown> | null | undefined;
  /** Seconds until the session expires if it has not completed (60 s – 30 days; default 7 days). */
  expiresInSeconds?: number | null | undefined;
  /**
   * Create a new session even when an open session (not completed, failed or expired) already has this
   * `referenceId`. By default that session is returned instead ("preventing duplicates").
   */
  forceNew?: boolean | null | undefined;
  /** The person's email, where `resendSessionInvitation` sends one-time links. */
  inviteeEmail?: string | null | undefined;
  /** The identity it belongs to: an existing `individual` entity … */
  identityId?: string | null | undefined;
  /** … or a new one (first and last name required); give one of the two. */
  identity?: Omit<EntityInput, "entityType"> | null | undefined;
  /**
   * Open another session although the identity has an open one with the same `referenceId` (refused with a
   * conflict otherwise).
   */
  allowDuplicate?: boolean | null | undefined;
}

/** Default session lifetime: 7 days. */
export const defaultSessionLifetimeSeconds = 7 * 24 * 3600;

/**
 * Creates a session in status `created`, optionally for an identity (an existing `individual` entity, or
 * one created with it). One open session per identity and `referenceId` unless `allowDuplicate` (the
 * seed's "Preventing duplicates"); without an identity, a `referenceId` that an open session of the
 * workspace already has returns that session (unless `forceNew`). Needs `sessions:write`.
 */
export async function createSession(
  app: Application,
  actor: Actor,
  input: CreateSessionInput,
): Promise<Session> {
  return (await openSession(app, actor, input)).session;
}

/**
 * {@link createSession}, telling whether the session was created or an open one with the same
 * `referenceId` was returned (REST answers 201 or 200). Needs `sessions:write`.
 */
export async function openSession(
  app: Application,
  actor: Actor,
  input: CreateSessionInput,
): Promise<{ session: Session; created: boolean }> {
  requireScope(actor, "sessions:write");
  const deps = applicationDeps(app);
  if (input.sandbox && actor.environment !== "sandbox") {
    throw new ValidationError("Invalid session", [
      { path: ["sandbox"], message: "simulated outcomes are accepted only with a sandbox key" },
    ]);
  }
  if (input.referenceId !== undefined && input.referenceId !== null && input.referenceId.length > 200) {
    throw new ValidationError("Invalid session", [
      { path: ["referenceId"], message: "at most 200 characters" },
    ]);
  }
  const lifetime = input.expiresInSeconds ?? defaultSessionLifetimeSeconds;
  if (!Number.isInteger(lifetime) || lifetime < 60 || lifetime > 30 * 24 * 3600) {
    throw new ValidationError("Invalid session", [
      {
        path: ["expiresInSeconds"],
        message: "must be a whole number of seconds from 60 to 2592000 (30 days)",
      },
    ]);
  }
  if (input.inviteeEmail && !isValidEmail(input.inviteeEmail)) {
    throw new ValidationError("Invalid session", [
      { path: ["inviteeEmail"], message: "is not a valid email address" },
    ]);
  }
  const expiresAt = new Date(Date.now() + lifetime * 1000);
  if (input.identityId && input.identity) {
    throw new ValidationError("Invalid session", [
      { path: ["identity"], message: "give identityId or identity, not both" },
    ]);
  }
  const newIdentity = input.identity ? parseIdentity(input.identity) : null;
  return inTransaction(deps, async (trx, after) => {
    if (input.workflowId && !(await findWorkflow(trx, actor, input.workflowId))) {
      throw new NotFoundError("Workflow", input.workflowId);
    }
    let identityId: string | null = null;
    if (input.identityId) {
      // Locked, so that two creates for one identity decide the duplicate rule one after the other.
      const entity = await findEntity(trx, actor, input.identityId, { forUpdate: true });
      if (!entity) throw new NotFoundError("Entity", input.identityId);
      if (entity.entityType !== "individual") {
        throw new ValidationError("Invalid session", [
          { path: ["identityId"], message: "an identity is an entity of type individual" },
        ]);
      }
      identityId = entity.id;
      const open = await findOpenSessionOfIdentity(trx, actor, entity.id, input.referenceId ?? null);
      if (open && !input.allowDuplicate) {
        throw new ConflictError(
          `Identity ${entity.id} already has an open session ${open.id} with this referenceId; pass allowDuplicate to open another`,
          open.status,
        );
      }
    } else if (input.referenceId && !input.forceNew) {
      const open = await findOpenSessionByReferenceId(trx, actor, input.referenceId);
      if (open) return { session: open, created: false };
    }
    if (!identityId && newIdentity) {
      identityId = (await insertEntity(trx, actor, { id: newId("ent"), fields: newIdentity })).id;
    }
    const session = await insertSession(trx, actor, {
      id: newId("ses"),
      workflowId: input.workflowId ?? null,
      referenceId: input.referenceId ?? null,
      metadata: input.metadata ?? {},
      sandbox: input.sandbox ?? null,
      expiresAt,
      inviteeEmail: input.inviteeEmail ?? newIdentity?.email ?? null,
      identityId,
    });
    // The expiry is a durable timer: a job row, so it survives restarts.
    await scheduleSessionExpiry(trx, session.id, expiresAt);
    await recordSessionWebhookEvent(trx, after, session);
    return { session, created: true };
  });
}

/**
 * A session of the caller's workspace and environment, or `undefined`. Needs `sessions:read`.
 *
 * @param app - The application.
 * @param actor - The caller.
 * @param id - Session id (`ses_…`).
 */
export async function getSession(app: Application, actor: Actor, id: string): Promise<Session | undefined> {
  const [session] = await getSessionsByIds(app, actor, [id]);
  return session;
}

/**
 * Sessions by id, in the order asked (`undefined` for those that are not the caller's). Needs
 * `sessions:read`.
 *
 * @param app - The application.
 * @param actor - The caller.
 * @param ids - Session ids.
 */
export async function getSessionsByIds(
  app: Application,
  actor: Actor,
  ids: readonly string[],
): Promise<(Session | undefined)[]> {
  requireScope(actor, "sessions:read");
  const { db, sharedReads } = applicationDeps(app);
  const rows = await sharedReads.byIds(`sessions|${tenantKey(actor)}`, ids, (all) =>
    findSessionsByIds(db, actor, all),
  );
  return alignByKey(ids, rows, (session) => session.id);
}

/**
 * A page of the caller's sessions, newest first. Needs `sessions:read`.
 *
 * @param app - The application.
 * @param actor - The caller.
 * @param page - Keyset page and filter (status, tag, identity, creation-time range `[createdFrom, createdTo)`).
 * @throws ValidationError when `createdFrom` is not before `createdTo` (named `createdTo`).
 */
export async function listSessions(
  app: Application,
  actor: Actor,
  page: PageRequest & SessionFilter,
): Promise<Session[]> {
  requireScope(actor, "sessions:read");
  if (page.createdFrom && page.createdTo && page.createdFrom.getTime() >= page.createdTo.getTime()) {
    throw new ValidationError("Invalid session filter", [
      { path: ["createdTo"], message: "must be after `createdFrom`" },
    ]);
  }
  const { db, sharedReads } = applicationDeps(app);
  return sharedReads.once(`session-list|${tenantKey(actor)}|${JSON.stringify(page)}`, () =>
    listSessionRows(db, actor, page),
  );
}

/** Parses an inline identity as an `individual` entity; issues are named under `identity`. */
function parseIdentity(identity: Omit<EntityInput, "entityType">) {
  try {
    return parseEntityInput({ ...identity, entityType: "individual" });
  } catch (error) {
    if (error instanceof ValidationError) {
      throw new ValidationError(
        error.message,
        error.issues.map((issue) => ({ ...issue, path: ["identity", ...issue.path] })),
      );
    }
    throw error;
  }
}

/**
 * The risk assessment of each session's current run (stored when the run ended, with its rules
 * version), aligned with the ids; `undefined` while none exists. Needs `sessions:read`.
 */
export async function getRiskAssessmentsOfSessions(
  app: Application,
  actor: Actor,
  sessionIds: readonly string[],
): Promise<(SessionRiskAssessment | undefined)[]> {
  requireScope(actor, "sessions:read");
  const { db } = applicationDeps(app);
  const runs = await findRunsBySessionIds(db, sessionIds, { tenant: actor });
  const assessments = await findRiskAssessmentsOfRuns(
    db,
    actor,
    runs.map((run) => run.id),
  );
  return alignByKey(sessionIds, assessments, (assessment) => assessment.sessionId);
}
