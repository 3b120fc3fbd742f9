import { describe, expect, it } from "vitest";
import { cronIssues, nextCronTime, planScheduleFire } from "../src/schedules.ts";

const at = (iso: string) => new Date(iso);

describe("cron expressions", () => {
  it("names the field of a bad expression or zone", () => {
    expect(cronIssues("*/5 * * * *", "UTC")).toEqual([]);
    expect(cronIssues("* * *", "UTC").map((issue) => issue.path)).toEqual([["cron"]]);
    expect(cronIssues("0 9 * * *", "Europe/Atlantis").map((issue) => issue.path)).toEqual([["timezone"]]);
    expect(cronIssues("bad", "").map((issue) => issue.path)).toEqual([["timezone"], ["cron"]]);
    expect(cronIssues("0 0 31 2 *", "UTC")[0]?.message).toContain("never fires");
  });

  it("follows the zone's daylight-saving changes", () => {
    // 09:00 in Berlin: 08:00 UTC in winter (CET), 07:00 UTC in summer (CEST).
    expect(nextCronTime("0 9 * * *", "Europe/Berlin", at("2026-03-28T12:00:00Z"))).toEqual(
      at("2026-03-29T07:00:00Z"),
    );
    expect(nextCronTime("0 9 * * *", "Europe/Berlin", at("2026-10-24T12:00:00Z"))).toEqual(
      at("2026-10-25T08:00:00Z"),
    );
  });
});

describe("planScheduleFire", () => {
  const everyFive = { cron: "*/5 * * * *", timezone: "UTC" } as const;

  it("fires an on-time time under either policy", () => {
    for (const catchUp of ["skip", "run_once"] as const) {
      const plan = planScheduleFire(
        { ...everyFive, catchUp, nextFireAt: at("2026-12-01T10:05:00Z") },
        at("2026-12-01T10:05:40Z"),
        60_000,
      );
      expect(plan).toEqual({
        fireAt: at("2026-12-01T10:05:00Z"),
        missed: 0,
        nextFireAt: at("2026-12-01T10:10:00Z"),
      });
    }
  });

  it("skips missed times under skip, and fires an on-time one after them", () => {
    const late = planScheduleFire(
      { ...everyFive, catchUp: "skip", nextFireAt: at("2026-12-01T10:05:00Z") },
      at("2026-12-01T11:02:00Z"),
      60_000,
    );
    expect(late).toEqual({ fireAt: null, missed: 12, nextFireAt: at("2026-12-01T11:05:00Z") });
    const onTimeAfterOutage = planScheduleFire(
      { ...everyFive, catchUp: "skip", nextFireAt: at("2026-12-01T10:05:00Z") },
      at("2026-12-01T11:00:30Z"),
      60_000,
    );
    expect(onTimeAfterOutage).toEqual({
      fireAt: at("2026-12-01T11:00:00Z"),
      missed: 11,
      nextFireAt: at("2026-12-01T11:05:00Z"),
    });
  });

  it("folds the missed window into one run under run_once", () => {
    const plan = planScheduleFire(
      { ...everyFive, catchUp: "run_once", nextFireAt: at("2026-12-01T10:05:00Z") },
      at("2026-12-01T11:02:00Z"),
      60_000,
    );
    expect(plan).toEqual({
      fireAt: at("2026-12-01T11:00:00Z"),
      missed: 11,
      nextFireAt: at("2026-12-01T11:05:00Z"),
    });
  });

  it("stays quick after a very long outage of a frequent schedule", () => {
    const plan = planScheduleFire(
      { cron: "* * * * *", timezone: "UTC", catchUp: "run_once", nextFireAt: at("2026-01-01T00:00:00Z") },
      at("2026-12-01T11:02:30Z"),
      60_000,
    );
    expect(plan.fireAt).toEqual(at("2026-12-01T11:02:00Z"));
    expect(plan.nextFireAt).toEqual(at("2026-12-01T11:03:00Z"));
    expect(plan.missed).toBeGreaterThan(0);
  });
});
