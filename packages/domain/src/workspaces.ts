import type { ValidationIssue } from "./errors.ts";

/** Default expiry of a magic link sent from a workspace, in hours. */
export const defaultLinkExpiryHours = 48;

/** Allowed range of `defaultLinkExpiryHours`. */
export const linkExpiryHoursRange = { min: 1, max: 168 } as const;

/** Largest monthly budget a workspace can set, in cents (20 million dollars; fits a GraphQL Int). */
export const maxMonthlyBudgetCents = 2_000_000_000;

/** A workspace's settings, with defaults applied. Stored as JSON in `workspaces.settings`. */
export interface WorkspaceSettings {
  /** Expiry of magic links when a send does not say, in hours (1–168; default 48). */
  defaultLinkExpiryHours: number;
  /**
   * Whether http tasks may call loopback, private, link-local and other non-public addresses
   * (default false: only public addresses).
   */
  allowPrivateTaskUrls: boolean;
  /**
   * Most the workspace's tasks may cost per calendar month (UTC), in cents, both environments together;
   * null for no budget.
   */
  monthlyBudgetCents: number | null;
}

/** An organization's workspace. */
export interface Workspace {
  id: string;
  organizationId: string;
  name: string;
  settings: WorkspaceSettings;
  createdAt: Date;
}

/** A change of settings: absent keys stay as they are; `monthlyBudgetCents: null` removes the budget. */
export interface WorkspaceSettingsChange {
  defaultLinkExpiryHours?: number | null | undefined;
  allowPrivateTaskUrls?: boolean | null | undefined;
  monthlyBudgetCents?: number | null | undefined;
}

/**
 * A workspace's settings from their stored JSON; missing or malformed values get their defaults. Keys
 * this module does not know are ignored (and kept in storage by {@link settingsPatch}).
 *
 * @param stored - The stored settings object.
 */
export function readWorkspaceSettings(stored: Record<string, unknown>): WorkspaceSettings {
  const expiry = stored.defaultLinkExpiryHours;
  const budget = stored.monthlyBudgetCents;
  return {
    defaultLinkExpiryHours:
      typeof expiry === "number" &&
      Number.isInteger(expiry) &&
      expiry >= linkExpiryHoursRange.min &&
      expiry <= linkExpiryHoursRange.max
        ? expiry
        : defaultLinkExpiryHours,
    allowPrivateTaskUrls: stored.allowPrivateTaskUrls === true,
    monthlyBudgetCents: typeof budget === "number" && Number.isInteger(budget) && budget >= 0 ? budget : null,
  };
}

/**
 * Problems of a settings change.
 *
 * @param change - The change as given.
 * @param prefix - Path of the settings in the input (default `["settings"]`).
 */
export function workspaceSettingsIssues(
  change: WorkspaceSettingsChange,
  prefix: readonly string[] = ["settings"],
): ValidationIssue[] {
  const issues: ValidationIssue[] = [];
  const { defaultLinkExpiryHours: expiry, allowPrivateTaskUrls, monthlyBudgetCents: budget } = change;
  if (expiry === null) {
    issues.push({ path: [...prefix, "defaultLinkExpiryHours"], message: "cannot be null" });
  } else if (
    expiry !== undefined &&
    (!Number.isInteger(expiry) || expiry < linkExpiryHoursRange.min || expiry > linkExpiryHoursRange.max)
  ) {
    issues.push({
      path: [...prefix, "defaultLinkExpiryHours"],
      message: `must be a whole number of hours from ${linkExpiryHoursRange.min} to ${linkExpiryHoursRange.max}`,
    });
  }
  if (allowPrivateTaskUrls === null) {
    issues.push({ path: [...prefix, "allowPrivateTaskUrls"], message: "cannot be null" });
  }
  if (
    budget !== undefined &&
    budget !== null &&
    (!Number.isInteger(budget) || budget < 0 || budget > maxMonthlyBudgetCents)
  ) {
    issues.push({
      path: [...prefix, "monthlyBudgetCents"],
      message: `must be a whole number of cents from 0 to ${maxMonthlyBudgetCents}, or null for no budget`,
    });
  }
  return issues;
}

/**
 * The JSON to merge into the stored settings for a (validated) change: only the keys it sets.
 *
 * @param change - A change that {@link workspaceSettingsIssues} accepted.
 */
export function settingsPatch(change: WorkspaceSettingsChange): Record<string, unknown> {
  const patch: Record<string, unknown> = {};
  if (change.defaultLinkExpiryHours !== undefined && change.defaultLinkExpiryHours !== null) {
    patch.defaultLinkExpiryHours = change.defaultLinkExpiryHours;
  }
  if (change.allowPrivateTaskUrls !== undefined && change.allowPrivateTaskUrls !== null) {
    patch.allowPrivateTaskUrls = change.allowPrivateTaskUrls;
  }
  if (change.monthlyBudgetCents !== undefined) patch.monthlyBudgetCents = change.monthlyBudgetCents;
  return patch;
}

/**
 * Start of the calendar month (UTC) that `at` falls in: the period budgets and `costThisMonth` cover.
 *
 * @param at - Any instant.
 */
export function startOfUtcMonth(at: Date): Date {
  return new Date(Date.UTC(at.getUTCFullYear(), at.getUTCMonth(), 1));
}

/** Result of {@link checkMonthlyBudget}. */
export type BudgetCheck = { ok: true } | { ok: false; message: string };

/**
 * Whether a cost fits in the workspace's monthly budget: the month's spending so far plus the cost must
 * not exceed the budget. Without a budget, or for a free node, everything fits.
 *
 * @param input - The budget (null for none), what was spent this month and what the node would cost.
 */
export function checkMonthlyBudget(input: {
  budgetCents: number | null;
  spentCents: number;
  costCents: number;
  nodeId: string;
}): BudgetCheck {
  const { budgetCents, spentCents, costCents, nodeId } = input;
  if (budgetCents === null || costCents <= 0 || spentCents + costCents <= budgetCents) return { ok: true };
  return {
    ok: false,
    message:
      `Monthly budget exceeded: task "${nodeId}" costs ${costCents} cents, and the workspace has spent ` +
      `${spentCents} of its ${budgetCents} cents budget this month (UTC). The run stopped before the task; ` +
      "raise the budget (updateWorkspace settings.monthlyBudgetCents) to run it.",
  };
}
