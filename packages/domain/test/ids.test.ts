import { describe, expect, it, vi } from "vitest";
import { hasIdPrefix, idPrefixes, idPrefixOf, idTimestamp, isGeneratedId, newId } from "../src/index.ts";

describe("newId", () => {
  it.each(idPrefixes)("carries the prefix %s and 26 Crockford base32 characters", (prefix) => {
    const id = newId(prefix);
    expect(id).toMatch(new RegExp(`^${prefix}_[0-9a-hjkmnp-tv-z]{26}$`));
    expect(hasIdPrefix(id, prefix)).toBe(true);
    expect(isGeneratedId(id, prefix)).toBe(true);
    expect(idPrefixOf(id)).toBe(prefix);
  });

  it("encodes the creation time in the first 10 characters", () => {
    const before = Date.now();
    const id = newId("wfr");
    const after = Date.now();
    const time = idTimestamp(id)?.getTime() ?? 0;
    expect(time).toBeGreaterThanOrEqual(before);
    expect(time).toBeLessThanOrEqual(after);
  });

  // newId never goes back in time within a process, so the fake clocks below run ahead of the real one.
  const future = Date.now() + 86_400_000;

  it("sorts by creation time across milliseconds", () => {
    vi.useFakeTimers();
    try {
      const ids: string[] = [];
      for (const time of [future, future + 1, future + 999, future + 100_000_000]) {
        vi.setSystemTime(time);
        ids.push(newId("evt"));
        expect(idTimestamp(ids.at(-1)!)?.getTime()).toBe(time);
      }
      expect([...ids].sort()).toEqual(ids);
    } finally {
      vi.useRealTimers();
    }
  });

  it("stays strictly increasing within one millisecond and when the clock goes back", () => {
    vi.useFakeTimers();
    try {
      vi.setSystemTime(future + 200_000_000);
      const ids = Array.from({ length: 1000 }, () => newId("job"));
      vi.setSystemTime(future + 199_999_000);
      ids.push(newId("job"), newId("job"));
      for (let i = 1; i < ids.length; i++) expect(ids[i]! > ids[i - 1]!).toBe(true);
      expect(new Set(ids).size).toBe(ids.length);
    } finally {
      vi.useRealTimers();
    }
  });

  it("has 80 bits of randomness", () => {
    const bodies = new Set(Array.from({ length: 500 }, () => newId("ses").slice(14)));
    expect(bodies.size).toBe(500);
  });
});

describe("id helpers", () => {
  it("checks prefixes", () => {
    expect(hasIdPrefix("wfl_01h", "wfl")).toBe(true);
    expect(hasIdPrefix("wfl_01h", "wfr")).toBe(false);
    expect(hasIdPrefix("wfl_", "wfl")).toBe(false);
    expect(hasIdPrefix("wflx01h", "wfl")).toBe(false);
    expect(hasIdPrefix("ws_demo", "ws")).toBe(true);
    expect(isGeneratedId("ws_demo", "ws")).toBe(false);
  });

  it("reads prefixes", () => {
    expect(idPrefixOf("ses_abc")).toBe("ses");
    expect(idPrefixOf("xyz_abc")).toBeNull();
    expect(idPrefixOf("ses_")).toBeNull();
    expect(idPrefixOf("ses")).toBeNull();
  });

  it("decodes timestamps only from generated ids", () => {
    expect(idTimestamp("ws_demo")).toBeNull();
    expect(idTimestamp("wfr_0000000000000000000000000z")).toEqual(new Date(0));
  });
});
