import {
  countEmailSendAttempt,
  deleteRecipientSend,
  deleteResponse,
  deleteVerificationSession,
  type EmailSendRow,
  type Executor,
  findEmailSend,
  findEmailSendByReservation,
  findEntity,
  findQuestionnaire,
  findRecipientSend,
  findReservation,
  findResponse,
  finishEmailSend,
  insertResponseEvent,
  isDatabaseUnavailableError,
  listExpiredReservations,
  releaseHourlyEmail,
  resealEmailSendToken,
  updateRecipientSend,
  updateResponse,
} from "@flowgate/db";
import {
  type AnswerSources,
  applyResponseAction,
  entityDisplayName,
  generateLinkToken,
  hashLinkToken,
  newId,
  type Tenant,
} from "@flowgate/domain";
import {
  type AfterCommit,
  type Engine,
  inTransaction,
  type JobHandlerResult,
  recipientLinkUrl,
  recordResponseWebhookEvent,
  renderRecipientEmail,
  type SecretBox,
} from "@flowgate/engine";
import type { ApplicationDeps } from "../application.ts";
import { releaseReservation, settleReservation } from "./credits.ts";

/**
 * Recipient emails as durable jobs (an outbox): the request that sends commits, in one transaction, the
 * records, the credit reservation, the hourly-cap count, an `email_sends` row (`snd_…`, the link token
 * sealed) and an `email.send` job keyed by that row. The request then runs {@link deliverEmail} itself,
 * holding the job's lease (or, with `sends.inline` off, a worker does while the request waits); if the
 * request's process dies, the lease runs out and a worker runs it:
 *
 * 1. reserve — done by the request's transaction; nothing is sent for a send that rolled back;
 * 2. send — the email goes out with the Message-ID `<snd_…@host>` derived from the row;
 * 3. settle — one transaction charges the reservation (keyed `send:<wfs_…>`, so at most once), marks the
 *    link and response sent, and records the row `sent` (erasing the sealed token).
 *
 * Each step is idempotent under the row's lock and status: a worker killed before step 3 leaves the job
 * to be claimed again when its lease runs out, and the retry sends the same message (same Message-ID,
 * same link) and settles once; a retry after step 3 finds the row `sent` and does nothing. The only
 * duplicate a crash can cause is the same message delivered twice (killed between the server's "250
 * OK" and step 3), which receivers collapse by Message-ID; it is never charged twice. A refused email
 * (or one that cannot be sent before its reservation expires) fails the send instead: its records are
 * undone as seed 003 says and the reservation released, in one transaction.
 *
 * The request answers like a synchronous send once the row has an outcome; the sweeper
 * job ({@link sweepReservations}) gives back reservations whose send never finished.
 */

/** The job key of a recipient email. */
export function emailJobKey(emailSendId: string): string {
  return `email.send:${emailSendId}`;
}

/** Claims after which a send whose worker keeps dying is given up (failed, nothing charged). */
const maxDeliveryAttempts = 10;
/**
 * A send does not start when its reservation expires within this margin (the sweeper may release it):
 * 5 minutes, or half the reservation's lifetime when that is shorter.
 */
function sendStartMarginMs(deps: ApplicationDeps): number {
  return Math.min(5 * 60_000, deps.sends.reservationTtlMs / 2);
}

/** Registers the email and sweeper jobs with the engine's worker (if this process has one). */
export function registerSendJobs(engine: Engine, deps: ApplicationDeps): void {
  engine.registerJobHandler("email.send", async (job) => {
    await deliverEmail(deps, String(job.payload.emailSendId ?? ""));
    return { outcome: "done" };
  });
  engine.registerJobHandler("credits.sweep", () => sweepReservations(deps), { key: "credits.sweep" });
}

/**
 * Seals a link token for its `email_sends` row with the server's secret box (`FLOWGATE_SECRET_KEY`, the
 * key webhook secrets are encrypted under), so that the database never holds it in plain text.
 */
export function sealLinkToken(secrets: SecretBox, token: string): string {
  return secrets.encrypt(token);
}

/** The token of a sealed link, or null when it was sealed under another key (or altered). */
function openLinkToken(secrets: SecretBox, sealed: string): string | null {
  try {
    return secrets.decrypt(sealed);
  } catch {
    return null;
  }
}

function tenantOf(row: EmailSendRow): Tenant {
  return { workspaceId: row.workspace_id, environment: row.environment };
}

function reasonOf(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}

/**
 * Runs one `email.send` job (in a worker, or inline in the request that queued it): send, then settle; or
 * fail the send when the email is refused. Idempotent: a send that is no longer pending is left alone.
 */
export async function deliverEmail(deps: ApplicationDeps, id: string): Promise<void> {
  const row = await findEmailSend(deps.db, id);
  if (row?.status !== "pending") return;
  const tenant = tenantOf(row);
  const attempts = await countEmailSendAttempt(deps.db, id);
  if (attempts > maxDeliveryAttempts) {
    await failSend(deps, id, `gave up after ${maxDeliveryAttempts} attempts whose worker stopped`);
    return;
  }
  if (row.reservation_key) {
    const reservation = await findReservation(deps.db, tenant, row.reservation_key);
    const expiresAt = reservation?.expires_at?.getTime() ?? Number.POSITIVE_INFINITY;
    if (reservation?.status !== "held" || expiresAt - Date.now() < sendStartMarginMs(deps)) {
      await failSend(deps, id, "the send's credit reservation expired before its email went out");
      return;
    }
  }

  const link = await findRecipientSend(deps.db, tenant, row.workflow_session_id);
  const entity = await findEntity(deps.db, tenant, row.entity_id);
  if (!link || !entity) {
    await failSend(deps, id, "the send's records were deleted before its email went out");
    return;
  }
  const response = row.response_id ? await findResponse(deps.db, tenant, row.response_id) : undefined;
  const questionnaire = response
    ? await findQuestionnaire(deps.db, tenant, response.questionnaireId)
    : undefined;
  let token = row.sealed_token ? openLinkToken(deps.secrets, row.sealed_token) : null;
  if (token === null) {
    // Sealed under another key (FLOWGATE_SECRET_KEY changed while the email was pending): issue the link
    // again. Its first token was never emailed by anyone who could read it, unless that process crashed
    // after sending.
    token = generateLinkToken();
    const fresh = token;
    await inTransaction(deps, async (trx) => {
      const locked = await findEmailSend(trx, id, { forUpdate: true });
      if (locked?.status !== "pending") return;
      await updateRecipientSend(trx, link.id, { tokenHash: hashLinkToken(fresh) });
      await resealEmailSendToken(trx, id, sealLinkToken(deps.secrets, fresh));
    });
  }
  const linkUrl = recipientLinkUrl(deps.linkBaseUrl, token);
  const content = renderRecipientEmail({
    entityName: entityDisplayName(entity),
    steps: link.steps.map((step) => step.kind),
    questionnaireName: questionnaire?.name ?? null,
    linkUrl,
    expiresAt: link.expiresAt,
  });
  try {
    await deps.email.send({
      ...content,
      to: link.email,
      tenant,
      workflowSessionId: link.id,
      linkUrl,
      key: row.id,
    });
  } catch (error) {
    // The outbox sender writes to the database: an outage there is not a refusal, the job is retried.
    if (isDatabaseUnavailableError(error)) throw error;
    await failSend(deps, id, reasonOf(error));
    return;
  }
  await retried(() => recordSent(deps, id));
}

/** Retries a step whose side effect already happened (the email went out) a few times before giving up. */
async function retried(step: () => Promise<void>): Promise<void> {
  for (let attempt = 1; ; attempt++) {
    try {
      return await step();
    } catch (error) {
      // An outage hands the job back to the queue; its retry sends the same message and settles then.
      if (attempt >= 3 || isDatabaseUnavailableError(error)) throw error;
      await new Promise((resolve) => setTimeout(resolve, 50 * attempt));
    }
  }
}

/**
 * Settles a sent email: charges its reservation (once: keyed by the link), marks the link and response
 * sent, and records the row `sent`. Does nothing for a row that is no longer pending.
 */
async function recordSent(deps: ApplicationDeps, id: string): Promise<void> {
  await inTransaction(deps, async (trx, after) => {
    const row = await findEmailSend(trx, id, { forUpdate: true });
    if (row?.status !== "pending") return;
    await settleSent(trx, after, row);
  });
}

/**
 * The settle step, under the row's lock: the charge, the link and response marked sent, the
 * `response.sent` response event and webhook event (recorded here, once: a row settles once), the row
 * `sent`.
 */
async function settleSent(trx: Executor, after: AfterCommit, row: EmailSendRow): Promise<void> {
  const tenant = tenantOf(row);
  const now = new Date();
  const response = row.response_id ? await findResponse(trx, tenant, row.response_id) : undefined;
  const charge = row.reservation_key
    ? await settleReservation(trx, tenant, row.reservation_key, {
        action: "send_ddq",
        note: response ? `Sent ${response.name}` : "Sent a verification request",
        actor: row.actor,
      })
    : undefined;
  await updateRecipientSend(trx, row.workflow_session_id, { emailSentAt: now });
  if (response) {
    const sent = await updateResponse(trx, response.id, { sentAt: now });
    await insertResponseEvent(trx, {
      id: newId("rse"),
      responseId: response.id,
      type: "response.sent",
      fromStatus: row.kind === "send_response" ? "PREFILL" : "DRAFT",
      toStatus: "DRAFT",
      actor: row.actor,
      data: { workflowSessionId: row.workflow_session_id },
    });
    await recordResponseWebhookEvent(trx, after, sent, "response.sent");
  }
  await finishEmailSend(trx, row.id, { status: "sent", creditsCharged: charge ? -charge.amount : 0 });
}

/**
 * Fails a pending send, in one transaction: undoes its records as seed 003 says (direct send: the response,
 * link and verification session are deleted, the entity kept; sendResponse: the response goes back to
 * PREFILL with its annotations), releases its reservation and hourly count, and records the reason.
 */
async function failSend(deps: ApplicationDeps, id: string, reason: string): Promise<void> {
  await inTransaction(deps, async (trx) => {
    const row = await findEmailSend(trx, id, { forUpdate: true });
    if (row?.status !== "pending") return;
    await undoSend(trx, row, reason);
  });
}

async function undoSend(trx: Executor, row: EmailSendRow, reason: string): Promise<void> {
  const tenant = tenantOf(row);
  const link = await findRecipientSend(trx, tenant, row.workflow_session_id);
  if (row.kind === "send_workflow") {
    if (row.response_id) await deleteResponse(trx, row.response_id);
  } else if (row.response_id) {
    const response = await findResponse(trx, tenant, row.response_id, { forUpdate: true });
    if (response?.status === "DRAFT" && response.workflowSessionId === row.workflow_session_id) {
      await updateResponse(trx, response.id, {
        status: applyResponseAction(response.status, "revert_send"),
        workflowSessionId: null,
        answerSources: (row.revert.answerSources ?? {}) as AnswerSources,
        aiAnalysis: (row.revert.aiAnalysis ?? null) as Record<string, unknown> | null,
      });
      await insertResponseEvent(trx, {
        id: newId("rse"),
        responseId: response.id,
        type: "response.send_failed",
        fromStatus: "PREFILL",
        toStatus: "PREFILL",
        actor: row.actor,
        data: { reason, email: link?.email ?? null },
      });
    }
  }
  await deleteRecipientSend(trx, row.workflow_session_id);
  if (row.verification_session_id) await deleteVerificationSession(trx, row.verification_session_id);
  if (row.reservation_key) await releaseReservation(trx, tenant, row.reservation_key);
  await releaseHourlyEmail(trx, row.workspace_id, row.created_at);
  await finishEmailSend(trx, row.id, { status: "failed", failure: reason });
}

/**
 * The reservation sweeper (a recurring `credits.sweep` job): every held reservation past its expiry is
 * resolved under its send's lock: a pending send is failed (records undone, reservation released); a
 * reservation of no pending send is released (a send recorded `sent` settled its reservation with it).
 */
async function sweepReservations(deps: ApplicationDeps): Promise<JobHandlerResult> {
  for (let round = 0; round < 10; round++) {
    const expired = await listExpiredReservations(deps.db, new Date(), 100);
    for (const { tenant, idempotencyKey } of expired) {
      await inTransaction(deps, async (trx) => {
        const send = await findEmailSendByReservation(trx, tenant, idempotencyKey);
        if (send?.status === "pending") {
          await undoSend(trx, send, "the email was not sent before the send's credit reservation expired");
        } else {
          await releaseReservation(trx, tenant, idempotencyKey);
        }
      });
    }
    if (expired.length < 100) break;
  }
  return { outcome: "later", runAt: new Date(Date.now() + deps.sends.sweepIntervalMs) };
}

/**
 * Waits for a send's email job to finish, up to `timeoutMs`: the row once it is `sent` or `failed`, or
 * null when it is still pending then (the job goes on).
 */
export async function awaitEmailSend(
  deps: ApplicationDeps,
  id: string,
  timeoutMs: number,
): Promise<EmailSendRow | null> {
  const deadline = Date.now() + timeoutMs;
  for (let delay = 5; ; delay = Math.min(delay * 2, 200)) {
    const row = await findEmailSend(deps.db, id);
    if (row && row.status !== "pending") return row;
    const left = deadline - Date.now();
    if (left <= 0) return null;
    await new Promise((resolve) => setTimeout(resolve, Math.min(delay, left)));
  }
}
