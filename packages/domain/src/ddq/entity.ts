import { ValidationError, type ValidationIssue } from "../errors.ts";
import type { Tenant } from "../records.ts";
import { isIsoCountryCode } from "./countries.ts";

/** Every kind of entity: a company or a person. */
export const entityTypes = ["company", "individual"] as const;

/** Kind of entity: `company` (legal name required) or `individual` (first and last name required). */
export type EntityType = (typeof entityTypes)[number];

/** Longest name (legal, trading, first, last) an entity may have. */
export const maxEntityNameLength = 200;

/** The fields of an entity, normalized (trimmed; empty optional values are null). */
export interface EntityFields {
  entityType: EntityType;
  /** Official registered name; required for companies, only for companies. */
  legalName: string | null;
  /** Trading / DBA name; companies only. */
  tradingName: string | null;
  /** First name; required for individuals, only for individuals. */
  firstName: string | null;
  /** Last name; required for individuals, only for individuals. */
  lastName: string | null;
  email: string | null;
  phone: string | null;
  /** ISO 3166-1 alpha-2 country code, upper case. */
  jurisdiction: string | null;
}

/** An entity (company or individual) that questionnaires and verification requests are sent to. */
export interface Entity extends Tenant, EntityFields {
  id: string;
  createdAt: Date;
  updatedAt: Date;
}

/** An entity as a caller writes it (seed 003's entity block); `entityType` defaults to `company`. */
export interface EntityInput {
  entityType?: string | null | undefined;
  legalName?: string | null | undefined;
  tradingName?: string | null | undefined;
  firstName?: string | null | undefined;
  lastName?: string | null | undefined;
  email?: string | null | undefined;
  phone?: string | null | undefined;
  jurisdiction?: string | null | undefined;
}

/**
 * A change to an entity: absent fields stay, `null` clears an optional field. The type cannot change.
 */
export type EntityUpdateInput = Omit<EntityInput, "entityType">;

/** Whether `value` is a known {@link EntityType}. */
export function isEntityType(value: unknown): value is EntityType {
  return typeof value === "string" && (entityTypes as readonly string[]).includes(value);
}

const emailPattern = /^[^\s@]+@[^\s@]+\.[^\s@.]{2,}$/;

/**
 * Whether `value` is a plausible email address: `local@domain.tld`, no spaces, at most 254 characters.
 *
 * @param value - Address to check.
 */
export function isValidEmail(value: string): boolean {
  return value.length <= 254 && emailPattern.test(value);
}

/**
 * Whether `value` is a plausible phone number: digits with optional spaces, dashes, dots and parentheses,
 * optionally led by `+` (then the first digit is not 0); 7 to 15 digits in all (E.164's limit).
 *
 * @param value - Number to check.
 */
export function isValidPhone(value: string): boolean {
  if (!/^\+?[0-9 ()./-]+$/.test(value)) return false;
  const digits = value.replace(/[^0-9]/g, "");
  if (digits.length < 7 || digits.length > 15) return false;
  return !(value.startsWith("+") && digits.startsWith("0"));
}

/**
 * Display name of an entity: a company's legal name, an individual's first and last name.
 *
 * @param entity - The entity's fields.
 */
export function entityDisplayName(
  entity: Pick<EntityFields, "entityType" | "legalName" | "firstName" | "lastName">,
): string {
  if (entity.entityType === "company") return entity.legalName ?? "";
  return [entity.firstName, entity.lastName].filter((part) => part).join(" ");
}

/** Trims a string; `undefined` stays undefined (absent), null and blank become null. */
function clean(value: string | null | undefined): string | null | undefined {
  if (value === undefined) return undefined;
  if (value === null) return null;
  const trimmed = value.trim();
  return trimmed === "" ? null : trimmed;
}

/**
 * The problems of an entity's fields, each at `path` + the field name. Checks: type, required names per
 * type, fields that belong to the other type, name lengths, email, phone and jurisdiction formats.
 *
 * @param fields - Normalized fields.
 * @param path - Path of the entity in the input, e.g. `["entity"]`.
 */
export function entityIssues(fields: EntityFields, path: readonly string[] = []): ValidationIssue[] {
  const issues: ValidationIssue[] = [];
  const at = (field: string, message: string) => issues.push({ path: [...path, field], message });
  const company = fields.entityType === "company";
  if (company) {
    if (fields.legalName === null) at("legalName", "is required for a company");
    if (fields.firstName !== null) at("firstName", "is only for individuals");
    if (fields.lastName !== null) at("lastName", "is only for individuals");
  } else {
    if (fields.firstName === null) at("firstName", "is required for an individual");
    if (fields.lastName === null) at("lastName", "is required for an individual");
    if (fields.legalName !== null) at("legalName", "is only for companies");
    if (fields.tradingName !== null) at("tradingName", "is only for companies");
  }
  for (const field of ["legalName", "tradingName", "firstName", "lastName"] as const) {
    const value = fields[field];
    if (value !== null && value.length > maxEntityNameLength) {
      at(field, `must have at most ${maxEntityNameLength} characters`);
    }
  }
  if (fields.email !== null && !isValidEmail(fields.email)) at("email", "is not a valid email address");
  if (fields.phone !== null && !isValidPhone(fields.phone)) {
    at("phone", "is not a valid phone number (7 to 15 digits, optionally starting with +)");
  }
  if (fields.jurisdiction !== null && !isIsoCountryCode(fields.jurisdiction)) {
    at("jurisdiction", `"${fields.jurisdiction}" is not an ISO 3166-1 alpha-2 country code (e.g. GB)`);
  }
  return issues;
}

/**
 * Normalizes an entity as written: trims strings, treats blank optional values as absent, upper-cases the
 * jurisdiction, defaults the type to `company`. Unknown types are reported by {@link parseEntityInput}.
 *
 * @param input - The entity as written.
 */
export function normalizeEntityInput(input: EntityInput): EntityFields {
  return {
    entityType: isEntityType(input.entityType) ? input.entityType : "company",
    legalName: clean(input.legalName) ?? null,
    tradingName: clean(input.tradingName) ?? null,
    firstName: clean(input.firstName) ?? null,
    lastName: clean(input.lastName) ?? null,
    email: clean(input.email) ?? null,
    phone: clean(input.phone) ?? null,
    jurisdiction: clean(input.jurisdiction)?.toUpperCase() ?? null,
  };
}

/**
 * Validates a new entity and returns its normalized fields, or the issues found.
 *
 * @param input - The entity as written.
 * @param path - Path of the entity in the input (issues are located under it).
 */
export function checkEntityInput(
  input: EntityInput,
  path: readonly string[] = [],
): { ok: true; fields: EntityFields } | { ok: false; issues: ValidationIssue[] } {
  if (input.entityType !== undefined && input.entityType !== null && !isEntityType(input.entityType)) {
    return {
      ok: false,
      issues: [{ path: [...path, "entityType"], message: "must be company or individual" }],
    };
  }
  const fields = normalizeEntityInput(input);
  const issues = entityIssues(fields, path);
  return issues.length === 0 ? { ok: true, fields } : { ok: false, issues };
}

/**
 * Validates a new entity.
 *
 * @param input - The entity as written.
 * @param path - Path of the entity in the input.
 * @returns The normalized fields.
 * @throws ValidationError `"Invalid entity"` naming each offending field.
 */
export function parseEntityInput(input: EntityInput, path: readonly string[] = []): EntityFields {
  const checked = checkEntityInput(input, path);
  if (!checked.ok) throw new ValidationError("Invalid entity", checked.issues);
  return checked.fields;
}

/**
 * Applies a change to an entity's fields and validates the result (a required name cannot be cleared;
 * fields of the other type cannot be set).
 *
 * @param current - The entity's current fields.
 * @param update - The change: absent fields stay, null clears.
 * @param path - Path of the change in the input.
 * @returns The new fields.
 * @throws ValidationError `"Invalid entity"` naming each offending field.
 */
export function applyEntityUpdate(
  current: EntityFields,
  update: EntityUpdateInput,
  path: readonly string[] = [],
): EntityFields {
  const pick = (value: string | null | undefined, existing: string | null) => {
    const cleaned = clean(value);
    return cleaned === undefined ? existing : cleaned;
  };
  const next: EntityFields = {
    entityType: current.entityType,
    legalName: pick(update.legalName, current.legalName),
    tradingName: pick(update.tradingName, current.tradingName),
    firstName: pick(update.firstName, current.firstName),
    lastName: pick(update.lastName, current.lastName),
    email: pick(update.email, current.email),
    phone: pick(update.phone, current.phone),
    jurisdiction: pick(update.jurisdiction, current.jurisdiction)?.toUpperCase() ?? null,
  };
  const issues = entityIssues(next, path);
  if (issues.length > 0) throw new ValidationError("Invalid entity", issues);
  return next;
}
