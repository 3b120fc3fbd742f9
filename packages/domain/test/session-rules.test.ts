import { describe, expect, it } from "vitest";
import {
  assertSessionExpiry,
  canExpireSession,
  canReprocessSession,
  canResumeSession,
  maxSessionTags,
  normalizeSessionTags,
  type SessionResult,
  type SessionStatus,
  sessionStatuses,
  ValidationError,
} from "../src/index.ts";

describe("session tags", () => {
  it("keeps valid tags once, in order", () => {
    expect(normalizeSessionTags(["vip", "region:eu", "vip", "a.b-c_d"])).toEqual([
      "vip",
      "region:eu",
      "a.b-c_d",
    ]);
  });

  it.each([[""], ["has space"], ["x".repeat(65)], ["émoji"]])("refuses %j naming its index", (bad) => {
    try {
      normalizeSessionTags(["ok", bad]);
      expect.unreachable();
    } catch (error) {
      expect(error).toBeInstanceOf(ValidationError);
      expect((error as ValidationError).issues[0]?.path).toEqual(["tags", "1"]);
    }
  });

  it("refuses more than the maximum", () => {
    const tags = Array.from({ length: maxSessionTags + 1 }, (_, i) => `t${i}`);
    expect(() => normalizeSessionTags(tags)).toThrow(ValidationError);
  });
});

const table: [
  SessionStatus,
  SessionResult | null,
  { expire: boolean; resume: boolean; reprocess: boolean },
][] = [
  ["created", null, { expire: true, resume: true, reprocess: false }],
  ["in_progress", null, { expire: true, resume: true, reprocess: false }],
  ["submitted", null, { expire: true, resume: false, reprocess: false }],
  ["processing", null, { expire: false, resume: false, reprocess: false }],
  ["awaiting_external", null, { expire: true, resume: false, reprocess: false }],
  ["completed", "approved", { expire: false, resume: false, reprocess: true }],
  ["failed", null, { expire: false, resume: false, reprocess: true }],
  ["expired", null, { expire: false, resume: true, reprocess: false }],
];

describe("session lifecycle rules", () => {
  it("covers every status", () => {
    expect(table.map(([status]) => status).sort()).toEqual([...sessionStatuses].sort());
  });

  it.each(table)("%s (result %s)", (status, result, expected) => {
    expect(canExpireSession(status)).toBe(expected.expire);
    expect(canResumeSession(status, result)).toBe(expected.resume);
    expect(canReprocessSession(status)).toBe(expected.reprocess);
  });

  it("does not resume a decided session", () => {
    expect(canResumeSession("expired", "approved")).toBe(false);
  });

  it("bounds an expiry between a minute and 30 days away", () => {
    const now = new Date("2026-01-01T00:00:00Z");
    expect(() => assertSessionExpiry(new Date("2026-01-02T00:00:00Z"), now)).not.toThrow();
    expect(() => assertSessionExpiry(new Date("2025-12-31T00:00:00Z"), now)).toThrow(ValidationError);
    expect(() => assertSessionExpiry(new Date("2026-03-01T00:00:00Z"), now)).toThrow(ValidationError);
  });
});
