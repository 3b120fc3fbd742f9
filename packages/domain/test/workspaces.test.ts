import { describe, expect, it } from "vitest";
import {
  checkMonthlyBudget,
  readWorkspaceSettings,
  settingsPatch,
  startOfUtcMonth,
  workspaceSettingsIssues,
} from "../src/index.ts";

describe("workspace settings", () => {
  it("applies defaults to missing or malformed stored values", () => {
    expect(readWorkspaceSettings({})).toEqual({
      defaultLinkExpiryHours: 48,
      allowPrivateTaskUrls: false,
      monthlyBudgetCents: null,
    });
    expect(
      readWorkspaceSettings({
        defaultLinkExpiryHours: 500,
        allowPrivateTaskUrls: "yes",
        monthlyBudgetCents: -3,
        other: 1,
      }),
    ).toEqual({ defaultLinkExpiryHours: 48, allowPrivateTaskUrls: false, monthlyBudgetCents: null });
    expect(
      readWorkspaceSettings({
        defaultLinkExpiryHours: 24,
        allowPrivateTaskUrls: true,
        monthlyBudgetCents: 0,
      }),
    ).toEqual({ defaultLinkExpiryHours: 24, allowPrivateTaskUrls: true, monthlyBudgetCents: 0 });
  });

  it("validates a change, naming each field", () => {
    expect(workspaceSettingsIssues({ defaultLinkExpiryHours: 72, monthlyBudgetCents: null })).toEqual([]);
    expect(
      workspaceSettingsIssues({
        defaultLinkExpiryHours: 169,
        allowPrivateTaskUrls: null,
        monthlyBudgetCents: 1.5,
      }),
    ).toEqual([
      {
        path: ["settings", "defaultLinkExpiryHours"],
        message: "must be a whole number of hours from 1 to 168",
      },
      { path: ["settings", "allowPrivateTaskUrls"], message: "cannot be null" },
      {
        path: ["settings", "monthlyBudgetCents"],
        message: expect.stringContaining("must be a whole number of cents"),
      },
    ]);
  });

  it("patches only the keys a change sets; a null budget removes it", () => {
    expect(settingsPatch({ allowPrivateTaskUrls: true })).toEqual({ allowPrivateTaskUrls: true });
    expect(settingsPatch({ monthlyBudgetCents: null, defaultLinkExpiryHours: undefined })).toEqual({
      monthlyBudgetCents: null,
    });
  });
});

describe("monthly budgets", () => {
  it("starts the month at midnight UTC on the first", () => {
    expect(startOfUtcMonth(new Date("2026-11-22T04:05:06.789Z")).toISOString()).toBe(
      "2026-11-01T00:00:00.000Z",
    );
    expect(startOfUtcMonth(new Date("2026-12-31T23:59:59Z")).toISOString()).toBe("2026-12-01T00:00:00.000Z");
  });

  it("lets a cost through while spent + cost stays within the budget", () => {
    const base = { nodeId: "enrich", costCents: 40 };
    expect(checkMonthlyBudget({ ...base, budgetCents: null, spentCents: 10_000 })).toEqual({ ok: true });
    expect(checkMonthlyBudget({ ...base, budgetCents: 100, spentCents: 60 })).toEqual({ ok: true });
    expect(checkMonthlyBudget({ ...base, budgetCents: 0, spentCents: 0, costCents: 0 })).toEqual({
      ok: true,
    });
    const refused = checkMonthlyBudget({ ...base, budgetCents: 100, spentCents: 61 });
    expect(refused.ok).toBe(false);
    if (!refused.ok) {
      expect(refused.message).toBe(
        'Monthly budget exceeded: task "enrich" costs 40 cents, and the workspace has spent 61 of its 100 cents budget this month (UTC). The run stopped before the task; raise the budget (updateWorkspace settings.monthlyBudgetCents) to run it.',
      );
    }
  });
});
