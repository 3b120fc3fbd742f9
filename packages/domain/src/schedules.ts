import { Cron } from "croner";
import type { ValidationIssue } from "./errors.ts";

/**
 * What a schedule does with fire times that passed while no worker could fire them (the workers were
 * down, or busy past the grace period): `skip` leaves them out and waits for the next time to come;
 * `run_once` starts one run for the whole missed window.
 */
export type ScheduleCatchUp = "skip" | "run_once";

/** Every catch-up policy. */
export const scheduleCatchUps = ["skip", "run_once"] as const satisfies readonly ScheduleCatchUp[];

/** Whether a schedule fires (`active`) or waits to be resumed (`paused`). */
export type ScheduleStatus = "active" | "paused";

/** A cron schedule that triggers a workspace workflow with a fixed payload. */
export interface WorkflowSchedule {
  id: string;
  workspaceId: string;
  environment: "live" | "sandbox";
  workflowId: string;
  /** Five-field cron expression (minute hour day-of-month month day-of-week). */
  cron: string;
  /** IANA time zone the expression is read in, e.g. `Europe/Berlin`. */
  timezone: string;
  /** The trigger payload of every run it starts. */
  payload: Record<string, unknown>;
  catchUp: ScheduleCatchUp;
  status: ScheduleStatus;
  /** The next time it fires; null while paused or when the expression has no future time. */
  nextFireAt: Date | null;
  /** The fire time of the latest fire. */
  lastFiredAt: Date | null;
  /** The run the latest fire started (null when it started none). */
  lastRunId: string | null;
  /** Why the latest fire started no run (the workflow was inactive, the payload no longer valid), else null. */
  lastError: string | null;
  createdBy: string | null;
  createdAt: Date;
  updatedAt: Date;
}

/** Longest cron expression accepted, in characters. */
export const maxCronLength = 200;

/**
 * Whether `timezone` is an IANA time zone name this runtime knows (`UTC`, `Europe/Berlin`, …).
 *
 * @param timezone - The name to check.
 */
export function isKnownTimezone(timezone: string): boolean {
  if (timezone.trim() === "" || timezone.length > 100) return false;
  try {
    new Intl.DateTimeFormat("en-US", { timeZone: timezone });
    return true;
  } catch {
    return false;
  }
}

/**
 * The problems of a cron expression and time zone, as issues at `cron` and `timezone` (empty when both
 * are fine). Expressions have five fields (minute hour day-of-month month day-of-week; `*`, lists, ranges,
 * steps, `JAN`–`DEC`, `SUN`–`SAT`, `L`), and must have at least one future time.
 *
 * @param cron - The expression.
 * @param timezone - The IANA time zone it is read in.
 * @param now - From when a future time must exist.
 */
export function cronIssues(cron: string, timezone: string, now: Date = new Date()): ValidationIssue[] {
  const issues: ValidationIssue[] = [];
  const zoneOk = isKnownTimezone(timezone);
  if (!zoneOk) {
    issues.push({
      path: ["timezone"],
      message: `"${timezone}" is not an IANA time zone (e.g. "Europe/Berlin")`,
    });
  }
  if (cron.length > maxCronLength) {
    issues.push({ path: ["cron"], message: `must be at most ${maxCronLength} characters` });
    return issues;
  }
  try {
    const pattern = new Cron(cron, { mode: "5-part", ...(zoneOk ? { timezone } : {}) });
    if (zoneOk && pattern.nextRun(now) === null) {
      issues.push({ path: ["cron"], message: "never fires (no future time matches it)" });
    }
  } catch (error) {
    const reason = error instanceof Error ? error.message.replace(/^CronPattern: /, "") : String(error);
    issues.push({ path: ["cron"], message: `is not a five-field cron expression: ${reason}` });
  }
  return issues;
}

/**
 * The first time strictly after `after` that `cron` matches in `timezone`, or null when there is none.
 * The expression and zone must be valid (see {@link cronIssues}).
 *
 * @param cron - A five-field cron expression.
 * @param timezone - An IANA time zone.
 * @param after - The instant to look after.
 */
export function nextCronTime(cron: string, timezone: string, after: Date): Date | null {
  return new Cron(cron, { mode: "5-part", timezone }).nextRun(after);
}

/** What a schedule fires when it is due (see {@link planScheduleFire}). */
export interface ScheduleFirePlan {
  /**
   * The fire time a run is started for (its key with the schedule id), or null when no run starts (every
   * due time was missed and the policy is `skip`).
   */
  fireAt: Date | null;
  /** Due times that started no run of their own (skipped, or folded into the one `run_once` run). */
  missed: number;
  /** The schedule's next fire time after `now`, or null when the expression has no more. */
  nextFireAt: Date | null;
}

/** At most this many due times are counted per fire; older ones count as one window. */
const maxCountedDueTimes = 1000;

/**
 * Decides what a due schedule fires at `now`. Its due times are those from `nextFireAt` up to `now`. The
 * latest of them is on time when it is at most `graceMs` old: it starts a run, and earlier ones count as
 * missed. Missed times are left out under `skip`; under `run_once`, when every due time was missed, one
 * run starts for the window, keyed by its latest time. Either way the next fire time is the first after
 * `now`, so a schedule fires at most once per pass, however long the workers were away.
 *
 * @param schedule - The schedule's expression, zone, policy and next fire time (due: at or before `now`).
 * @param now - The current time.
 * @param graceMs - How late a fire may be and still count as on time.
 */
export function planScheduleFire(
  schedule: Pick<WorkflowSchedule, "cron" | "timezone" | "catchUp"> & { nextFireAt: Date },
  now: Date,
  graceMs: number,
): ScheduleFirePlan {
  const pattern = new Cron(schedule.cron, { mode: "5-part", timezone: schedule.timezone });
  let latest = schedule.nextFireAt;
  let due = 1;
  for (;;) {
    const next = pattern.nextRun(latest);
    if (next === null || next.getTime() > now.getTime()) break;
    latest = next;
    due++;
    if (due >= maxCountedDueTimes) {
      // A very long outage of a frequent schedule: jump to the last time before now without counting.
      const last = lastCronTimeAtOrBefore(pattern, now, latest);
      if (last.getTime() !== latest.getTime()) due++;
      latest = last;
      break;
    }
  }
  const nextFireAt = pattern.nextRun(now);
  const onTime = now.getTime() - latest.getTime() <= graceMs;
  if (onTime) return { fireAt: latest, missed: due - 1, nextFireAt };
  if (schedule.catchUp === "run_once") return { fireAt: latest, missed: due - 1, nextFireAt };
  return { fireAt: null, missed: due, nextFireAt };
}

/** The latest time `pattern` matches at or before `now`, not before `floor`. */
function lastCronTimeAtOrBefore(pattern: Cron, now: Date, floor: Date): Date {
  // Walk back in growing steps from now until a match is found after the step start.
  for (let spanMs = 60_000; ; spanMs *= 2) {
    const start = new Date(Math.max(floor.getTime(), now.getTime() - spanMs));
    let found: Date | null = null;
    for (
      let at = pattern.nextRun(start);
      at !== null && at.getTime() <= now.getTime();
      at = pattern.nextRun(at)
    ) {
      found = at;
    }
    if (found) return found;
    if (start.getTime() === floor.getTime()) return floor;
  }
}
