import { ValidationError, type ValidationIssue } from "../errors.ts";
import { linkExpiryHoursRange } from "../workspaces.ts";
import {
  checkEntityInput,
  type EntityFields,
  type EntityInput,
  type EntityType,
  isValidEmail,
} from "./entity.ts";
import {
  isValidExpiryHours,
  type RecipientStep,
  type VerificationChecks,
  verificationCheckNames,
} from "./recipient-send.ts";

/** The DDQ block of a send (seed 003). */
export interface SendDdqInput {
  /** The questionnaire (DDQ template) to send; must belong to the caller's workspace. */
  questionnaireId: string;
  /** Display name; `"{entity name} – {questionnaire name}"` when absent. */
  responseName?: string | null | undefined;
  /** Create a PREFILL response to fill and send later, instead of sending now. */
  prefill?: boolean | null | undefined;
  /** A run paused (or to pause) at a questionnaire node of this questionnaire that the response resumes. */
  runId?: string | null | undefined;
}

/** The verification block of a send: which checks to run (individuals only). */
export interface SendVerificationInput {
  checks: Partial<Record<keyof VerificationChecks, boolean | null | undefined>>;
}

/** The input of `sendWorkflow`, as seed 003's request body in camelCase. */
export interface RecipientSendInput {
  entityId?: string | null | undefined;
  entity?: EntityInput | null | undefined;
  ddq?: SendDdqInput | null | undefined;
  verification?: SendVerificationInput | null | undefined;
  email?: string | null | undefined;
  expiryHours?: number | null | undefined;
}

/** A validated send: what to create and whether to email now. */
export interface RecipientSendPlan {
  /** An existing entity to load, or a new one to create. */
  entity: { kind: "existing"; id: string } | { kind: "new"; fields: EntityFields };
  ddq: { questionnaireId: string; responseName: string | null; runId: string | null } | null;
  verification: VerificationChecks | null;
  /** True on the prefill path: only a PREFILL response is created; no email, no charge. */
  prefill: boolean;
  /** Where to send the link (null on the prefill path). */
  email: string | null;
  /** Link lifetime in hours. */
  expiryHours: number;
  /** Steps of the recipient send, in order. */
  steps: RecipientStep[];
}

/** Longest response name. */
export const maxResponseNameLength = 200;

/**
 * Validates a `sendWorkflow` request against every rule of seed 003 and returns the plan. Rules: exactly one
 * of `entityId` and `entity`; a valid entity block; at least one of `ddq` and `verification`; verification
 * only for an individual (checked here for an inline entity, by the caller for an existing one) with at
 * least one check true; `email` required unless `ddq.prefill` and valid when given; `expiryHours` a whole
 * number from 1 to 168, else the workspace default. Every problem is reported at once.
 *
 * @param input - The request.
 * @param defaults - The workspace's default link lifetime.
 * @throws ValidationError `"Invalid workflow send"` naming each offending field.
 */
export function planRecipientSend(
  input: RecipientSendInput,
  defaults: { expiryHours: number },
): RecipientSendPlan {
  const issues: ValidationIssue[] = [];
  const entityId = input.entityId?.trim() || null;
  const hasEntity = input.entity !== undefined && input.entity !== null;
  let entity: RecipientSendPlan["entity"] | null = null;
  let entityType: EntityType | null = null;
  if (entityId !== null && hasEntity) {
    issues.push({
      path: ["entity"],
      message: "entityId and entity are mutually exclusive: provide exactly one of them",
    });
  } else if (entityId !== null) {
    entity = { kind: "existing", id: entityId };
  } else if (input.entity) {
    const checked = checkEntityInput(input.entity, ["entity"]);
    if (checked.ok) {
      entity = { kind: "new", fields: checked.fields };
      entityType = checked.fields.entityType;
    } else {
      issues.push(...checked.issues);
    }
  } else {
    issues.push({
      path: ["entityId"],
      message: "provide exactly one of entityId (an existing entity) and entity",
    });
  }

  const ddqInput = input.ddq ?? null;
  const verificationInput = input.verification ?? null;
  if (ddqInput === null && verificationInput === null) {
    issues.push({ path: ["ddq"], message: "at least one of ddq and verification must be provided" });
  }

  let ddq: RecipientSendPlan["ddq"] = null;
  if (ddqInput) {
    const questionnaireId = ddqInput.questionnaireId?.trim() ?? "";
    if (questionnaireId === "") issues.push({ path: ["ddq", "questionnaireId"], message: "is required" });
    const responseName = ddqInput.responseName?.trim() || null;
    if (responseName !== null && responseName.length > maxResponseNameLength) {
      issues.push({
        path: ["ddq", "responseName"],
        message: `must have at most ${maxResponseNameLength} characters`,
      });
    }
    ddq = { questionnaireId, responseName, runId: ddqInput.runId?.trim() || null };
  }
  const prefill = ddqInput?.prefill === true;

  let verification: VerificationChecks | null = null;
  if (verificationInput) {
    const checks = verificationInput.checks ?? {};
    verification = {
      document: checks.document === true,
      identity: checks.identity === true,
      enhancedIdentity: checks.enhancedIdentity === true,
      proofOfAddress: checks.proofOfAddress === true,
    };
    if (!verificationCheckNames.some((name) => verification?.[name])) {
      issues.push({
        path: ["verification", "checks"],
        message: `at least one check must be true (${verificationCheckNames.join(", ")})`,
      });
    }
    if (entityType === "company") {
      issues.push({
        path: ["verification"],
        message: "verification is for individuals only: the entity must have entityType individual",
      });
    }
  }

  const email = input.email?.trim() || null;
  if (email === null && !prefill) {
    issues.push({ path: ["email"], message: "is required unless ddq.prefill is true" });
  } else if (email !== null && !isValidEmail(email)) {
    issues.push({ path: ["email"], message: "is not a valid email address" });
  }

  const expiryHours = input.expiryHours ?? defaults.expiryHours;
  if (!isValidExpiryHours(expiryHours)) {
    issues.push({
      path: ["expiryHours"],
      message: `must be a whole number of hours from ${linkExpiryHoursRange.min} to ${linkExpiryHoursRange.max}`,
    });
  }

  if (issues.length > 0 || entity === null) throw new ValidationError("Invalid workflow send", issues);
  const steps: RecipientStep[] = [];
  if (ddq) steps.push("ddq");
  if (verification) steps.push("verification");
  return { entity, ddq, verification, prefill, email: prefill ? null : email, expiryHours, steps };
}

/**
 * Validates the options of `sendResponse`: the email (explicit, else the entity's) and the link lifetime.
 *
 * @param input - The request's email and expiry.
 * @param fallback - The entity's email on record and the workspace's default lifetime.
 * @returns The email to send to and the lifetime in hours.
 * @throws ValidationError naming `email` (none available, or invalid) or `expiryHours`.
 */
export function planSendResponse(
  input: { email?: string | null | undefined; expiryHours?: number | null | undefined },
  fallback: { entityEmail: string | null; expiryHours: number },
): { email: string; expiryHours: number } {
  const issues: ValidationIssue[] = [];
  const email = input.email?.trim() || fallback.entityEmail;
  if (!email) {
    issues.push({
      path: ["email"],
      message: "no email address is available: the entity has none on record, so provide one",
    });
  } else if (!isValidEmail(email)) {
    issues.push({ path: ["email"], message: "is not a valid email address" });
  }
  const expiryHours = input.expiryHours ?? fallback.expiryHours;
  if (!isValidExpiryHours(expiryHours)) {
    issues.push({
      path: ["expiryHours"],
      message: `must be a whole number of hours from ${linkExpiryHoursRange.min} to ${linkExpiryHoursRange.max}`,
    });
  }
  if (issues.length > 0 || !email) throw new ValidationError("Invalid response send", issues);
  return { email, expiryHours };
}

/**
 * The default display name of a response: `"{entity name} – {questionnaire name}"`.
 *
 * @param entityName - The entity's display name.
 * @param questionnaireName - The questionnaire's name.
 */
export function defaultResponseName(entityName: string, questionnaireName: string): string {
  return `${entityName} – ${questionnaireName}`.slice(0, maxResponseNameLength);
}

/**
 * Throws unless a verification request may go to an entity of `entityType` (individuals only).
 *
 * @throws ValidationError at `verification`.
 */
export function assertVerificationEntity(entityType: EntityType): void {
  if (entityType !== "individual") {
    throw new ValidationError("Invalid workflow send", [
      {
        path: ["verification"],
        message: "verification is for individuals only: the entity must have entityType individual",
      },
    ]);
  }
}
